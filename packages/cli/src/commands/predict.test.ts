import { initBackend } from "@kdet/core";
import { encodePng } from "@kdet/data";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "../cli-io";
import { createDetector, saveWeights } from "../detectors-api";
import { main } from "../main";
import { nothingDrawnNote } from "./predict";

describe("kdet predict: nothing above --score", () => {
  it("says so and suggests a --score just below the best detection", () => {
    expect(nothingDrawnNote(3, 3, 0.25, 0.1234)).toBe(
      "note: no detection with score >= 0.25 in any of the 3 image(s), so the PNGs show no boxes; the highest score is 0.123: try --score 0.11 (predictions.json keeps every detection)",
    );
    expect(nothingDrawnNote(1, 4, 0.5, 0.9)).toMatch(
      /^note: 1 of 4 image\(s\) have no detection with score >= 0\.5; .* try --score 0\.89/,
    );
    expect(nothingDrawnNote(2, 2, 0.25, 0.005)).toMatch(/try --score 0\.01 /);
    expect(nothingDrawnNote(2, 2, 0.25, 0)).toMatch(/the model detected nothing at all/);
  });
});

describe("kdet predict writes its files atomically (temporary file + rename)", () => {
  beforeAll(() => initBackend({ quiet: true }));

  it("replaces stale outputs with complete files and leaves no temporary file", async () => {
    const T = mkdtempSync(path.join(os.tmpdir(), "kdet-predict-"));
    try {
      const S = 64;
      const det = createDetector("yolov8-n", { numClasses: 2, seed: 3 });
      const weights = path.join(T, "weights");
      await saveWeights(det, weights);
      det.dispose();
      writeFileSync(
        path.join(weights, "kdet.json"),
        JSON.stringify({
          format: "kdet-model-meta",
          classNames: ["a", "b"],
          categoryIds: [1, 2],
          imageSize: S,
          postprocess: { scoreThreshold: 0.001, iouThreshold: 0.7, maxDetections: 300 },
        }),
      );
      const images = path.join(T, "images");
      mkdirSync(images);
      const data = new Uint8Array(48 * 40 * 3).map((_, i) => (i * 7919) % 251);
      writeFileSync(
        path.join(images, "one.png"),
        await encodePng({ data, width: 48, height: 40, channels: 3 }),
      );
      const out = path.join(T, "pred");
      mkdirSync(out);
      // stale, torn files from an earlier run at every output path
      const files = ["images.json", "one.png", "predictions.json"];
      for (const f of files) writeFileSync(path.join(out, f), "{[");
      const inodes = files.map((f) => statSync(path.join(out, f)).ino);
      const io = bufferIo();
      const argv = [
        "predict",
        "--weights",
        weights,
        "--out",
        out,
        "--backend",
        "cpu",
        "--score",
        "0",
        images,
      ];
      expect(await main(argv, io), io.err.join("")).toBe(0);
      expect(readdirSync(out).sort()).toEqual(files);
      // each file was renamed over the old one (a new inode), not rewritten in place
      files.forEach((f, i) => expect(statSync(path.join(out, f)).ino, f).not.toBe(inodes[i]));
      expect(Array.isArray(JSON.parse(readFileSync(path.join(out, "predictions.json"), "utf8")))).toBe(true);
      const listed = JSON.parse(readFileSync(path.join(out, "images.json"), "utf8")) as {
        images: Array<{ width: number; height: number }>;
      };
      expect(listed.images.map((im) => [im.width, im.height])).toEqual([[48, 40]]);
      // a complete PNG: signature, then IEND as the last chunk
      const png = readFileSync(path.join(out, "one.png"));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.subarray(-8, -4).toString("latin1")).toBe("IEND");
    } finally {
      rmSync(T, { recursive: true, force: true });
    }
  }, 120_000);
});
