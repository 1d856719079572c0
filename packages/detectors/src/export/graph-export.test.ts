import * as tf from "@tensorflow/tfjs-core";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { Rng } from "@kdet/core";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CspDarknet, YOLOV8_SCALES } from "../backbones/cspdarknet";
import { Detector } from "../detector";
import { Yolov8Head } from "../heads/yolov8-head";
import { Pafpn } from "../necks/pafpn";
import { createDetector, DETECTOR_IDS, DETECTORS, type DetectorId } from "../registry";
import { useTestBackend } from "../testing/backend";
import { loadGraphExport, writeGraphModel } from "./graph-model-files";
import { perturbNorms } from "./test-helpers";
import { detectorOutputs, relativeMaxDiff, verifyGraphExport } from "./verify-export";

beforeAll(useTestBackend);
const T = mkdtempSync(path.join(os.tmpdir(), "kdet-export-"));
afterAll(() => rmSync(T, { recursive: true, force: true }));

/** Large variants of families covered by a smaller one (same module classes), left out to save CPU. */
const LARGE = new Set<string>([
  "gfl-r101",
  "fcos-r101",
  "retina-r101",
  "yolov8-s",
  "yolov5-s",
  "yolov8-m",
  "gfl-r50",
  "fcos-r50",
  "retina-r50",
  "yolox-s",
  "faster-rcnn-r101",
]);
const IDS = DETECTOR_IDS.filter((id) => !LARGE.has(id));
/** The decoding each family's export must record. */
const DECODE: Record<string, string> = {
  yolov5: "yolov5",
  yolov8: "dfl",
  gfl: "dfl",
  fcos: "ltrb",
  retina: "delta-xywh",
  yolox: "yolox",
  "faster-rcnn": "two-stage",
};
/** A size that is not a multiple of 32: the neck's upsampling goes 3 → 5 → 10, not ×2. */
const SIZE = 80;

describe("graph-model export reproduces the detector", () => {
  for (const id of IDS) {
    it(`${id}: every output of the loaded graph equals the inference-mode forward (rel. max diff < 1e-4), ${SIZE} px`, async () => {
      const before = tf.memory().numTensors;
      const det = createDetector(id as DetectorId, { numClasses: 3, seed: 7 } as never);
      // batch 2, or 1 where the graph runs one image (two-stage: its proposal NMS)
      const batch = det.head.graphBatch === 1 ? 1 : 2;
      perturbNorms(det, new Rng(11));
      det.train(false);
      const dir = path.join(T, id);
      const res = await writeGraphModel(det, dir, {
        inputSize: SIZE,
        classNames: ["cat", "dog", "bird"],
        shardBytes: 1 << 20,
      });
      expect(readdirSync(dir).sort()).toEqual([...res.files].sort());
      const { model, meta } = await loadGraphExport(dir);
      expect(meta.classNames).toEqual(["cat", "dog", "bird"]);
      expect(meta.model?.id).toBe(id);
      expect(meta.input).toEqual({
        name: "images",
        shape: [det.head.graphBatch, SIZE, SIZE, 3],
        dtype: "float32",
        layout: "NHWC",
        channels: "RGB",
        scale: "0..1",
        resize: "letterbox",
        fill: 114,
      });
      expect(meta.decode.type).toBe(DECODE[DETECTORS[id as DetectorId].family]);
      // the head's own NMS IoU (mmdet test_cfg of FCOS/RetinaNet) is recorded, else kdet's 0.7
      expect(meta.postprocess.iouThreshold).toBe(
        (det.head as { postprocessDefaults?: { iouThreshold?: number } }).postprocessDefaults?.iouThreshold ??
          0.7,
      );
      const x = new Rng(3).uniformTensor([batch, SIZE, SIZE, 3]) as tf.Tensor4D;
      const ref = detectorOutputs(det, x);
      const names = [
        meta.outputs.boxes.name,
        meta.outputs.scores.name,
        ...(meta.outputs.proposals ? [meta.outputs.proposals.name] : []),
        ...meta.outputs.raw.map((r) => r.name),
      ];
      expect(names.sort()).toEqual(Object.keys(ref).sort());
      const got = (await model.executeAsync(x, names)) as tf.Tensor[];
      names.forEach((n, i) => {
        const g = got[i] as tf.Tensor;
        const declared =
          n === "boxes"
            ? meta.outputs.boxes.shape
            : n === "scores"
              ? meta.outputs.scores.shape
              : n === "proposals"
                ? meta.outputs.proposals!.shape
                : meta.outputs.raw.find((r) => r.name === n)!.shape;
        // −1: a size the graph knows only when it runs (a two-stage graph's proposal count)
        expect(g.shape.slice(1), n).toEqual(declared.slice(1).map((d, k) => (d === -1 ? g.shape[k + 1] : d)));
        // the rows of a two-stage graph follow its proposals: compared in verifyGraphExport, which aligns them
        if (!meta.outputs.proposals) expect(relativeMaxDiff(g, ref[n] as tf.Tensor), n).toBeLessThan(1e-4);
      });
      tf.dispose([x, ...got, ...Object.values(ref)]);
      const v = await verifyGraphExport(det, model, meta, { seed: 4 });
      expect(Object.keys(v).sort()).toEqual([...names].sort());
      expect(Math.max(...Object.values(v))).toBeLessThan(1e-4);
      // other running statistics in the detector: the export no longer matches it
      perturbNorms(det, new Rng(12));
      expect(
        Math.max(...Object.values(await verifyGraphExport(det, model, meta, { seed: 4 }))),
      ).toBeGreaterThan(1e-3);
      model.dispose();
      det.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);
  }

  it("the folder loads by URL over HTTP (the browser's loadGraphModel path) and gives the same outputs", async () => {
    const dir = path.join(T, "yolov8-n");
    const server = createServer((req, res) => {
      const file = path.join(dir, path.basename(req.url ?? ""));
      try {
        const body = readFileSync(file);
        res.writeHead(200, {
          "content-type": file.endsWith(".json") ? "application/json" : "application/octet-stream",
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
      const web = await loadGraphModel(url);
      const disk = (await loadGraphExport(dir)).model;
      const x = new Rng(5).uniformTensor([1, SIZE, SIZE, 3]) as tf.Tensor4D;
      const [a, b] = [
        web.execute(x, ["boxes", "scores"]) as tf.Tensor[],
        disk.execute(x, ["boxes", "scores"]) as tf.Tensor[],
      ];
      expect(Array.from(a[0]!.dataSync())).toEqual(Array.from(b[0]!.dataSync()));
      expect(Array.from(a[1]!.dataSync())).toEqual(Array.from(b[1]!.dataSync()));
      // the signature lists the input and every output by name
      expect(web.inputs.map((i) => i.name)).toEqual(["images"]);
      expect(web.outputs.map((o) => o.name)).toContain("boxes");
      tf.dispose([x, ...a, ...b]);
      web.dispose();
      disk.dispose();
    } finally {
      server.close();
    }
  }, 60_000);

  it("a subclass that overrides forward but not exportGraph fails naming its path and class; one that does not override forward exports", async () => {
    class CustomHead extends Yolov8Head {
      protected override forward(xs: tf.Tensor4D[]) {
        return super.forward(xs);
      }
    }
    class SameHead extends Yolov8Head {}
    const rng = new Rng(0);
    const bb = new CspDarknet(YOLOV8_SCALES.n, rng);
    const neck = new Pafpn(bb.levels, [64, 128, 256], 1, rng);
    const det = new Detector(bb, neck, new CustomHead(neck.levels, 2, rng));
    await expect(writeGraphModel(det, path.join(T, "custom"), { inputSize: 64 })).rejects.toThrow(
      /module "head" of class CustomHead overrides forward but inherits exportGraph from Yolov8Head \(head\)/,
    );
    det.dispose();
    const rng2 = new Rng(0);
    const bb2 = new CspDarknet(YOLOV8_SCALES.n, rng2);
    const neck2 = new Pafpn(bb2.levels, [64, 128, 256], 1, rng2);
    const same = new Detector(bb2, neck2, new SameHead(neck2.levels, 2, rng2));
    const r = await writeGraphModel(same, path.join(T, "same"), { inputSize: 64 });
    expect(r.files).toContain("model.json");
    same.dispose();
  });

  it("kdet.json and model.json errors name the file and the field", async () => {
    const dir = path.join(T, "yolov8-n");
    const broken = path.join(T, "broken");
    rmSync(broken, { recursive: true, force: true });
    const det = createDetector("yolov8-n", { numClasses: 2 });
    await writeGraphModel(det, broken, { inputSize: 64 });
    det.dispose();
    const meta = JSON.parse(readFileSync(path.join(broken, "kdet.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(broken, "kdet.json"), JSON.stringify({ ...meta, classNames: [] }));
    await expect(loadGraphExport(broken)).rejects.toThrow(
      /broken\/kdet\.json is not a kdet graph-model kdet\.json: classNames: /,
    );
    writeFileSync(
      path.join(broken, "model.json"),
      readFileSync(path.join(dir, "model.json"), "utf8").replace('"graph-model"', '"layers-model"'),
    );
    await expect(loadGraphExport(broken)).rejects.toThrow(
      /broken\/model\.json is not a TF\.js graph-model model\.json: format: /,
    );
  });
});
