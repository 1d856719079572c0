import { readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unmapBoxes } from "./box-transform";
import { loadCoco } from "./coco-loader";
import type { CocoResult } from "./coco-schema";
import { cocoImageIds, toCocoGt, toCocoResults, writeCocoJson } from "./coco-writer";
import { createDataset, emptyReport } from "./dataset";
import { letterbox } from "./letterbox";
import { encode, gradientImage, put, sharedDatasets, tempDir } from "./test-fixtures";
import type { Dataset, SampleRecord } from "./types";
import { loadYolo } from "./yolo-loader";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const rec = (
  imageId: number | string,
  boxes: number[],
  classes: number[],
  cats: number[],
  crowd: number[] = classes.map(() => 0),
  ignore = crowd,
): SampleRecord => ({
  imageId,
  file: "",
  width: 100,
  height: 80,
  boxes: Float32Array.from(boxes),
  classes: Int32Array.from(classes),
  categoryIds: Int32Array.from(cats),
  iscrowd: Uint8Array.from(crowd),
  difficult: new Uint8Array(classes.length),
  truncated: new Uint8Array(classes.length),
  ignore: Uint8Array.from(ignore),
});
const ds = (records: SampleRecord[]): Dataset =>
  createDataset({
    name: "t",
    format: "voc",
    root: "/r",
    classNames: ["a", "b"],
    categoryIds: [1, 2],
    records,
    report: emptyReport(),
  });

describe("COCO writer", () => {
  it("image ids: own integer ids, numeric stems, else index + 1", () => {
    expect(cocoImageIds(ds([rec(7, [], [], []), rec(3, [], [], [])]))).toEqual([7, 3]);
    expect(cocoImageIds(ds([rec("000000000009", [], [], []), rec("42", [], [], [])]))).toEqual([9, 42]);
    expect(cocoImageIds(ds([rec("a", [], [], []), rec("b", [], [], [])]))).toEqual([1, 2]);
    expect(cocoImageIds(ds([rec("01", [], [], []), rec("1", [], [], [])]))).toEqual([1, 2]);
  });

  it("gt: xyxy → xywh, area = w·h, iscrowd, ignore on non-crowd ignored boxes, categories with own ids", () => {
    const gt = toCocoGt(
      ds([
        rec("x", [10, 20, 30, 60, 0, 0, 5, 5], [1, 0], [2, 1], [0, 1]),
        rec("y", [1, 2, 3, 4], [0], [1], [0], [1]),
      ]),
    );
    expect(gt.categories).toEqual([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
    ]);
    expect(gt.images.map((i) => [i.id, i.width, i.height])).toEqual([
      [1, 100, 80],
      [2, 100, 80],
    ]);
    expect(gt.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [10, 20, 20, 40], area: 800, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 5, 5], area: 25, iscrowd: 1 },
      { id: 3, image_id: 2, category_id: 1, bbox: [1, 2, 2, 2], area: 4, iscrowd: 0, ignore: 1 },
    ]);
  });

  it("results: own ids, xywh; bad class or record index is a DataError", () => {
    const d = ds([rec("000000000009", [], [], [])]);
    const res = toCocoResults(d, [
      {
        index: 0,
        boxes: Float32Array.from([1, 2, 11, 22]),
        scores: Float32Array.from([0.5]),
        classes: Int32Array.from([1]),
      },
    ]);
    expect(res).toEqual([{ image_id: 9, category_id: 2, bbox: [1, 2, 10, 20], score: 0.5 }]);
    expect(() =>
      toCocoResults(d, [
        { index: 0, boxes: new Float32Array(4), scores: new Float32Array(1), classes: Int32Array.from([2]) },
      ]),
    ).toThrow(
      /write COCO results: entry 0, field "classes\[0\]": class index out of range; got 2; allowed: 0\.\.1/,
    );
    expect(() =>
      toCocoResults(d, [
        { index: 3, boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) },
      ]),
    ).toThrow(/record index out of range/);
    expect(() =>
      toCocoResults(d, [
        { index: 0, boxes: new Float32Array(4), scores: new Float32Array(0), classes: new Int32Array(1) },
      ]),
    ).toThrow(/lengths disagree/);
  });

  it("YOLO → COCO json → loadCoco round trip keeps every box; predictions on letterboxed images map back", async () => {
    const root = path.join(tmp.dir, "yolo");
    await put(path.join(root, "images/train/000000000012.jpg"), await encode(gradientImage(64, 48), "jpeg"));
    await put(path.join(root, "images/train/000000000034.png"), await encode(gradientImage(40, 60), "png"));
    await put(path.join(root, "labels/train/000000000012.txt"), "1 0.5 0.5 0.5 0.5\n0 0.1 0.2 0.1 0.2\n");
    await put(path.join(root, "labels/train/000000000034.txt"), "0 0.25 0.75 0.5 0.5\n");
    await put(path.join(root, "data.yaml"), "train: images/train\nnames: [cat, dog]\n");
    const y = await loadYolo({ dataYaml: path.join(root, "data.yaml") });
    const file = path.join(root, "gt.json");
    await writeCocoJson(file, toCocoGt(y));
    const c = await loadCoco({ annotationFile: file, imageDir: root }); // file_name is relative to the dataset root
    expect(c.records.map((r) => r.imageId)).toEqual([12, 34]);
    expect(c.classNames).toEqual(["cat", "dog"]);
    expect(c.categoryIds).toEqual([0, 1]);
    c.records.forEach((r, i) => {
      expect(Array.from(r.classes)).toEqual(Array.from(y.records[i]!.classes));
      Array.from(r.boxes).forEach((v, k) => expect(v).toBeCloseTo(y.records[i]!.boxes[k]!, 4));
    });
    // a perfect "prediction" made on the letterboxed image maps back to the gt box in original pixels
    const s = letterbox(await y.loadSample(0), { width: 32, height: 32 });
    const back = unmapBoxes(s.boxes, s.transform!);
    const res = toCocoResults(y, [
      { index: 0, boxes: back, scores: Float32Array.from([0.9, 0.8]), classes: s.classes },
    ]);
    expect(res[0]).toMatchObject({ image_id: 12, category_id: 1 });
    res[0]!.bbox.forEach((v, k) => expect(v).toBeCloseTo([16, 12, 32, 24][k]!, 4));
    expect(JSON.parse(readFileSync(file, "utf8")).images[1]).toEqual({
      id: 34,
      file_name: "images/train/000000000034.png",
      width: 40,
      height: 60,
    });
  });

  it("writeCocoJson refuses an existing file naming it, replaces it only with overwrite, leaves no temporary file", async () => {
    const dir = path.join(tmp.dir, "refuse");
    await mkdir(dir);
    const file = path.join(dir, "results.json");
    const first: CocoResult[] = [{ image_id: 1, category_id: 1, bbox: [0, 0, 2, 2], score: 0.5 }];
    await writeCocoJson(file, first);
    await expect(writeCocoJson(file, [])).rejects.toThrow(
      `writeCocoJson: ${file}: already exists and is not overwritten (pass overwrite: true`,
    );
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(first);
    await writeCocoJson(file, [], { overwrite: true });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([]);
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  const { dir, present } = sharedDatasets();
  it.skipIf(!present)(
    "coco128-json: the exported gt equals the original annotations of the loaded images",
    async () => {
      const annotationFile = path.join(dir, "coco128-json/annotations/instances_train2017.json");
      const coco = await loadCoco({ annotationFile, imageDir: path.join(dir, "coco128/images/train2017") });
      const raw = JSON.parse(readFileSync(annotationFile, "utf8")) as {
        annotations: { image_id: number; category_id: number; bbox: number[]; iscrowd: number }[];
      };
      const ids = new Set(coco.records.map((r) => r.imageId));
      // Sort both by (image, category, crowd, x, y); x and y are equal after float32 rounding, w and h within 1e-4.
      const order = (a: number[], b: number[]): number => {
        for (let k = 0; k < 5; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
        return 0;
      };
      const want = raw.annotations
        .filter((a) => ids.has(a.image_id))
        .map((a) => [a.image_id, a.category_id, a.iscrowd, ...a.bbox].map(Math.fround))
        .sort(order);
      const got = toCocoGt(coco)
        .annotations.map((a) => [a.image_id, a.category_id, a.iscrowd, ...a.bbox].map(Math.fround))
        .sort(order);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) =>
        g.forEach((v, k) =>
          expect(Math.abs(v - want[i]![k]!), `${i}:${k}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))),
        ),
      );
    },
  );
});
