import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLIR_V1_CATEGORIES, FLIR_V2_CLASS_NAMES, loadFlir } from "./flir-loader";
import { encode, put, rectsImage, tempDir, tiff16 } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const W = 64,
  H = 52; // small stand-ins for FLIR's 640×512 frames
const thermal = (): Promise<Uint8Array> =>
  encode(rectsImage(W, H, [{ box: [10, 10, 30, 40], rgb: [220, 220, 220] }], 30), "jpeg");

/** FLIR v1 layout: <root>/<split>/thermal_annotations.json, thermal_8_bit/*.jpeg, thermal_16_bit/*.tiff. */
async function v1(name: string): Promise<string> {
  const root = path.join(tmp.dir, name);
  for (const split of ["train", "val"]) {
    const dir = path.join(root, split);
    await put(path.join(dir, "thermal_8_bit/FLIR_00001.jpeg"), await thermal());
    await put(path.join(dir, "thermal_8_bit/FLIR_00002.jpeg"), await thermal());
    const v = Uint16Array.from({ length: W * H }, (_, i) => 7000 + (i % W) * 10);
    await put(path.join(dir, "thermal_16_bit/FLIR_00001.tiff"), tiff16(v, W, H));
    await put(
      path.join(dir, "thermal_annotations.json"),
      JSON.stringify({
        info: { description: "FLIR v1 fixture" },
        images: [
          { id: 0, file_name: "thermal_8_bit/FLIR_00001.jpeg", width: W, height: H },
          { id: 1, file_name: "thermal_8_bit/FLIR_00002.jpeg", width: W, height: H },
        ],
        annotations: [
          { id: 1, image_id: 0, category_id: 1, bbox: [10, 10, 20, 30], iscrowd: 0, area: 600 },
          { id: 2, image_id: 0, category_id: 3, bbox: [40, 5, 20, 10], iscrowd: 0, area: 200 },
          { id: 3, image_id: 1, category_id: 18, bbox: [1, 2, 3, 4], iscrowd: 0, area: 12 },
          { id: 4, image_id: 1, category_id: 91, bbox: [5, 5, 10, 10], iscrowd: 0, area: 100 },
          { id: 5, image_id: 1, category_id: 2, bbox: [20, 20, 10, 10], iscrowd: 0, area: 100 },
        ],
        categories: FLIR_V1_CATEGORIES.map((c) => ({ ...c, supercategory: "unknown" })),
      }),
    );
  }
  return root;
}

/** FLIR v2 layout: <root>/images_thermal_<split>/coco.json with data/*.jpg, video_thermal_test/coco.json. */
async function v2(name: string): Promise<string> {
  const root = path.join(tmp.dir, name);
  const cats = FLIR_V2_CLASS_NAMES.map((n, i) => ({
    id: [1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 17, 37, 73, 77, 79][i]!,
    name: n,
    supercategory: "unknown",
  }));
  for (const dirName of ["images_thermal_train", "images_thermal_val", "video_thermal_test"]) {
    const dir = path.join(root, dirName);
    await put(path.join(dir, "data/video-abc-frame-000001.jpg"), await thermal());
    await put(
      path.join(dir, "coco.json"),
      JSON.stringify({
        images: [{ id: 5, file_name: "data/video-abc-frame-000001.jpg", width: W, height: H }],
        annotations: [
          { id: 1, image_id: 5, category_id: 2, bbox: [1, 1, 5, 5], iscrowd: 0 },
          { id: 2, image_id: 5, category_id: 8, bbox: [10, 10, 5, 5], iscrowd: 0 },
          { id: 3, image_id: 5, category_id: 17, bbox: [20, 20, 5, 5], iscrowd: 0 },
          { id: 4, image_id: 5, category_id: 1, bbox: [0, 0, 2, 2], iscrowd: 0 },
        ],
        categories: cats,
      }),
    );
  }
  return root;
}

describe("loadFlir", () => {
  it("v1: finds the split json, maps person/bicycle/car/dog by default (other vehicle noted), 8-bit frames", async () => {
    const root = await v1("v1");
    const ds = await loadFlir({ root, split: "train" });
    expect(ds.format).toBe("flir");
    expect(ds.classNames).toEqual(["person", "bicycle", "car", "dog"]);
    expect(ds.categoryIds).toEqual([1, 2, 3, 18]);
    expect(ds.records.map((r) => path.relative(root, r.file))).toEqual([
      "train/thermal_8_bit/FLIR_00001.jpeg",
      "train/thermal_8_bit/FLIR_00002.jpeg",
    ]);
    expect(Array.from(ds.records[0]!.boxes)).toEqual([10, 10, 30, 40, 40, 5, 60, 15]);
    expect(Array.from(ds.records[1]!.categoryIds)).toEqual([18, 2]);
    expect(ds.report.problems).toMatchObject([{ kind: "category-filter", action: "note", value: 1 }]);
    const all = await loadFlir({ root, split: "val", categories: "all" });
    expect(all.classNames).toEqual(["person", "bicycle", "car", "dog", "other vehicle"]);
    const img = await ds.loadImage(0);
    expect(img.data).toBeInstanceOf(Uint8Array);
  });

  it("v1 thermal16: loads the 16-bit TIFF where present (min–max stretched float), notes the frames without", async () => {
    const root = await v1("v1-16");
    const ds = await loadFlir({ root, split: "train", thermal16: true });
    expect(ds.records.map((r) => path.basename(r.file))).toEqual(["FLIR_00001.tiff", "FLIR_00002.jpeg"]);
    expect(ds.report.problems.find((p) => p.kind === "no-16-bit-frame")).toMatchObject({
      value: 1,
      action: "note",
    });
    for (const decoder of ["sharp", "js"] as const) {
      const img = await ds.loadImage(0, { decoder });
      expect(img.data).toBeInstanceOf(Float32Array);
      expect(img.data[0]).toBe(0); // column 0 is the minimum 7000
      expect(img.data[(W - 1) * 3]).toBeCloseTo(1, 6); // column W-1 is the maximum
      expect(img.data[10 * 3]).toBeCloseTo(10 / (W - 1), 5);
      const raw = await ds.loadImage(0, { decoder, highBitDepth: "float" });
      expect(raw.data[0]).toBeCloseTo(7000 / 65535, 6);
    }
    await expect(loadFlir({ root, split: "train", version: "v2", thermal16: true })).rejects.toThrow(
      /load FLIR: .*field "thermal16": 16-bit frames are part of FLIR v1 only/,
    );
  });

  it("v2: images_thermal_<split>/coco.json and video_thermal_test; bike ≡ bicycle, extras selectable", async () => {
    const root = await v2("v2");
    const ds = await loadFlir({ root, split: "val" });
    expect(ds.name).toBe("flir-v2-val");
    expect(ds.classNames).toEqual(["person", "bike", "car", "dog"]);
    expect(ds.categoryIds).toEqual([1, 2, 3, 17]);
    expect(Array.from(ds.records[0]!.classes)).toEqual([1, 3, 0]);
    const extras = await loadFlir({ root, split: "test", categories: ["truck", "bicycle", "motorcycle"] });
    expect(extras.classNames).toEqual(["bike", "motor", "truck"]);
    expect(extras.records[0]!.imageId).toBe(5);
    const all = await loadFlir({ root, split: "train", categories: "all" });
    expect(all.classNames).toEqual([...FLIR_V2_CLASS_NAMES]);
  });

  it("bad input: malformed json is fatal; an escaping file_name is refused and counted", async () => {
    const root = path.join(tmp.dir, "v1-bad");
    await put(path.join(root, "train/thermal_annotations.json"), '{"images": [');
    await expect(loadFlir({ root, split: "train" })).rejects.toThrow(
      /load FLIR: .*thermal_annotations\.json: malformed JSON/,
    );
    await put(path.join(root, "val/thermal_8_bit/FLIR_00001.jpeg"), await thermal());
    await put(
      path.join(root, "val/thermal_annotations.json"),
      JSON.stringify({
        images: [
          { id: 0, file_name: "thermal_8_bit/FLIR_00001.jpeg", width: W, height: H },
          { id: 1, file_name: "../../../etc/passwd", width: W, height: H },
        ],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }],
        categories: FLIR_V1_CATEGORIES,
      }),
    );
    const ds = await loadFlir({ root, split: "val" });
    expect(ds.records.map((r) => r.imageId)).toEqual([0]);
    expect(ds.report.problems).toMatchObject([
      { kind: "path-escape", action: "skipped-image", value: "../../../etc/passwd" },
    ]);
  });

  it("fails loudly when no FLIR json exists for the split", async () => {
    const root = await v2("v2-missing");
    await expect(loadFlir({ root, split: "video" })).rejects.toThrow(
      /load FLIR: .*field "split": no FLIR annotation file found for this split; got "video"; allowed: v1: <root>\/<split>\/thermal_annotations\.json/,
    );
    await expect(loadFlir({ root, split: "train", categories: ["zebra"] })).rejects.toThrow(
      /requested category is not in the file; got "zebra"/,
    );
  });
});
