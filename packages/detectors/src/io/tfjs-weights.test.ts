import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../registry";
import { useTestBackend } from "../testing/backend";
import { loadDetector, loadWeights, saveWeights } from "./tfjs-weights";

let dir = "";
beforeAll(async () => {
  await useTestBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), "kdet-weights-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("saveWeights / loadDetector (tfjs model.json + shards)", () => {
  it("save → load gives identical outputs, BN running statistics included", async () => {
    const det = createDetector("yolov8-n", { numClasses: 3, seed: 11 });
    const x = new Rng(2).uniformTensor([2, 64, 64, 3]) as tf.Tensor4D;
    tf.tidy(() => void det.call(x)); // training-mode pass: running statistics move away from their init
    det.train(false);
    const out = (m: typeof det) =>
      tf.tidy(() => {
        const r = m.call(x);
        return [...r.cls, ...r.box].map((t) => Array.from(t.dataSync()));
      });
    const before = out(det);
    await saveWeights(det, dir, { shardBytes: 1 << 20 });
    const files = (await readdir(dir)).sort();
    expect(files).toContain("model.json");
    expect(files.filter((f) => f.endsWith(".bin")).length).toBe(
      Math.ceil((4 * det.variables().reduce((a, v) => a + v.size, 0)) / (1 << 20)),
    );
    expect(files.some((f) => f.includes(".tmp-"))).toBe(false);
    const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8"));
    expect(json.modelTopology).toEqual({
      class: "kdet.Detector",
      id: "yolov8-n",
      config: { numClasses: 3, seed: 11, regMax: 16 },
    });
    expect(
      json.weightsManifest[0].weights.some((w: { name: string }) => w.name === "neck.p3.cv1.bn.running_var"),
    ).toBe(true);

    const loaded = await loadDetector(dir);
    loaded.train(false);
    expect(out(loaded)).toEqual(before);
    const other = createDetector("yolov8-n", { numClasses: 3, seed: 12 });
    other.train(false);
    expect(out(other)).not.toEqual(before);
    await loadWeights(other, dir);
    expect(out(other)).toEqual(before);
    tf.dispose(x);
    [det, loaded, other].forEach((m) => m.dispose());
  });

  it("names the file, weight and shapes when the weights do not fit", async () => {
    const wrong = createDetector("yolov8-n", { numClasses: 5 });
    await expect(loadWeights(wrong, dir)).rejects.toThrow(
      /loadWeights\(.*model\.json\): weight "head\.cls\.p3\.2\.bias" has shape \[3\], the model expects \[5\]/,
    );
    wrong.dispose();
    const bad = path.join(dir, "bad");
    await (await import("node:fs/promises")).mkdir(bad);
    await writeFile(
      path.join(bad, "model.json"),
      JSON.stringify({
        format: "kdet-detector",
        modelTopology: { class: "kdet.Detector", id: "yolov9", config: {} },
        weightsManifest: [],
      }),
    );
    await expect(loadDetector(bad)).rejects.toThrow(
      /bad\/model\.json is not a kdet detector model\.json: modelTopology\.id/,
    );
  });
});
