/**
 * `kdet import` on the PyTorch-written fixtures of @kdet/detectors: the weights folder it writes loads
 * with `--weights` (loadModelFolder) and reproduces PyTorch's raw outputs; bad input gives clear errors.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { bufferIo } from "../cli-io";
import { main } from "../main";
import { readModelMeta } from "../model-meta";
import { buildModel, loadModelFolder } from "../models";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../detectors/fixtures/torch");
const T = mkdtempSync(path.join(os.tmpdir(), "kdet-import-"));
const ckpt = path.join(T, "yolov8n.pt");
writeFileSync(ckpt, gunzipSync(readFileSync(path.join(FIXTURES, "yolov8n-ultralytics.pt.gz"))));

afterAll(() => rmSync(T, { recursive: true, force: true }));

async function kdet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("kdet import", () => {
  it("ultralytics YOLOv8-n → a weights folder that --weights loads and that reproduces PyTorch's outputs", async () => {
    const out = path.join(T, "y8");
    // no --model: the stem width (16) says yolov8-n
    const r = await kdet("import", "--from", "ultralytics", ckpt, "--out", out);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /yolov8-n, 80 classes, 297 weights loaded, 0 re-initialised, 58 checkpoint tensors ignored/,
    );
    expect(r.out).toMatch(/ignored 1: DFL integral/);
    const meta = readModelMeta(out);
    expect(meta?.classNames).toHaveLength(80);
    expect(meta?.postprocess.iouThreshold).toBe(0.7);
    const model = await loadModelFolder(out, "--weights");
    const io = JSON.parse(readFileSync(path.join(FIXTURES, "yolov8n-io.json"), "utf8")) as {
      tensors: Array<{ name: string; shape: number[]; offset: number }>;
    };
    const bin = readFileSync(path.join(FIXTURES, "yolov8n-io.bin"));
    const f32 = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const get = (name: string) => {
      const t = io.tensors.find((x) => x.name === name)!;
      const n = t.shape.reduce((a, b) => a * b, 1);
      return tf.transpose(tf.tensor(f32.subarray(t.offset / 4, t.offset / 4 + n), t.shape), [0, 2, 3, 1]);
    };
    tf.tidy(() => {
      const raw = model.call(get("input") as tf.Tensor4D);
      for (let l = 0; l < 3; l++) {
        const ref = get(`p${l + 3}`);
        const mine = tf.concat([raw.box[l]!, raw.cls[l]!], 3);
        const err = tf.max(tf.abs(tf.sub(mine, ref))).dataSync()[0]! / tf.max(tf.abs(ref)).dataSync()[0]!;
        expect(err).toBeLessThanOrEqual(1e-4);
      }
    });
    model.dispose();
  });

  it("--classes 3 re-initialises the class layers and says so", async () => {
    const out = path.join(T, "y8c3");
    const r = await kdet(
      "import",
      "--from",
      "ultralytics",
      "-m",
      "yolov8-n",
      ckpt,
      "-o",
      out,
      "--classes",
      "3",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /warning: the checkpoint predicts 80 classes, the model 3: \d+ class layer\(s\) keep a fresh initialisation/,
    );
    expect(readModelMeta(out)?.classNames).toEqual(["class0", "class1", "class2"]);
    // what a config's `model: {type: yolov8-n, weights: DIR}` (or teacher) does on a 3-class dataset
    const model = await buildModel({ type: "yolov8-n", weights: out }, 3, "model");
    expect(model.numClasses).toBe(3);
    model.dispose();
  });

  it("bad input: wrong tool/model pair, a damaged file, a reduced-width checkpoint for a full model, an unknown --from", async () => {
    const wrong = await kdet(
      "import",
      "--from",
      "mmdet",
      "--model",
      "yolov8-n",
      ckpt,
      "--out",
      path.join(T, "w"),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(
      /--model: got "yolov8-n"; allowed for --from mmdet: retina-r18, retina-r50, gfl-r18, gfl-r50, fcos-r18, fcos-r50, yolox-n, yolox-s/,
    );
    const cut = path.join(T, "cut.pt");
    writeFileSync(cut, readFileSync(ckpt).subarray(0, 100_000));
    const bad = await kdet(
      "import",
      "--from",
      "ultralytics",
      "--model",
      "yolov8-n",
      cut,
      "--out",
      path.join(T, "c"),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/import .*cut\.pt: .*cut\.pt: not a zip archive/);
    const retina = path.join(T, "retina.pth");
    writeFileSync(retina, gunzipSync(readFileSync(path.join(FIXTURES, "retina-r50w8-mmdet.pt.gz"))));
    const width = await kdet(
      "import",
      "--from",
      "mmdet",
      "--model",
      "retina-r50",
      retina,
      "--out",
      path.join(T, "r"),
    );
    expect(width.code).toBe(1);
    expect(width.err).toMatch(
      /retina\.pth: mmdet-retina: checkpoint tensor "backbone\.conv1\.weight" has shape \[8,3,7,7\] \(kdet layout \[7,7,3,8\]\); kdet variable "backbone\.stem\.conv\.weight" has shape \[7,7,3,64\]/,
    );
    const help = await kdet("import", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /^Usage: kdet import --from ultralytics\|mmdet \[--model ID\] CHECKPOINT --out DIR/,
    );
    const none = await kdet("import", "--from", "ultralytics", "--out", path.join(T, "n"));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/give the CHECKPOINT file/);
    const tool = await kdet(
      "import",
      "--from",
      "detectron2",
      "--model",
      "yolov8-n",
      ckpt,
      "--out",
      path.join(T, "d"),
    );
    expect(tool.code).toBe(2);
    expect(tool.err).toMatch(/--from: got "detectron2"; allowed: ultralytics, mmdet/);
  });
});
