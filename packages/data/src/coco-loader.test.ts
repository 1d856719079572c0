import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCoco } from "./coco-loader";
import { DataError } from "./errors";
import { encode, gradientImage, put, sharedDatasets, tempDir } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** A small COCO fixture: 4 real images, sparse category ids 3 and 7, and the given extra entries. */
async function fixture(
  name: string,
  extra: { images?: unknown[]; annotations?: unknown[]; categories?: unknown[] } = {},
): Promise<{ annotationFile: string; imageDir: string }> {
  const dir = path.join(tmp.dir, name);
  const imageDir = path.join(dir, "images");
  await put(path.join(imageDir, "a.jpg"), await encode(gradientImage(64, 48), "jpeg"));
  await put(path.join(imageDir, "b.png"), await encode(gradientImage(32, 40), "png"));
  await put(path.join(imageDir, "sub/c.png"), await encode(gradientImage(20, 20), "png"));
  await put(path.join(imageDir, "empty.png"), await encode(gradientImage(10, 10), "png"));
  const jpg = await encode(gradientImage(64, 48), "jpeg");
  await put(path.join(imageDir, "cut-body.jpg"), jpg.subarray(0, jpg.length - 400));
  await put(path.join(imageDir, "cut-head.jpg"), jpg.subarray(0, 50));
  const doc = {
    images: [
      { id: 1, file_name: "a.jpg", width: 64, height: 48 },
      { id: 2, file_name: "b.png", width: 32, height: 40 },
      { id: 3, file_name: "sub/c.png", width: 20, height: 20 },
      { id: 4, file_name: "empty.png", width: 10, height: 10 },
      ...(extra.images ?? []),
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 7, bbox: [1.5, 2.25, 10, 20], iscrowd: 0, area: 200 },
      { id: 2, image_id: 1, category_id: 3, bbox: [30, 10, 34, 38], iscrowd: 1, area: 1000 },
      { id: 3, image_id: 2, category_id: 3, bbox: [0, 0, 32, 40] },
      { id: 4, image_id: 3, category_id: 7, bbox: [5, 5, 5, 5], ignore: 1 },
      ...(extra.annotations ?? []),
    ],
    categories: extra.categories ?? [
      { id: 7, name: "dog" },
      { id: 3, name: "car" },
    ],
  };
  const annotationFile = await put(path.join(dir, "instances.json"), JSON.stringify(doc));
  return { annotationFile, imageDir };
}

describe("loadCoco: fixtures", () => {
  it("maps sparse ids to sorted contiguous indices, converts xywh → xyxy, keeps crowd/ignore and empty images", async () => {
    const ds = await loadCoco(await fixture("ok"));
    expect(ds.classNames).toEqual(["car", "dog"]);
    expect(ds.categoryIds).toEqual([3, 7]);
    expect([ds.indexOfCategory(7), ds.indexOfCategory(3), ds.indexOfCategory(5)]).toEqual([1, 0, -1]);
    expect(ds.records.map((r) => r.imageId)).toEqual([1, 2, 3, 4]);
    const [a, b, c, e] = ds.records;
    expect(Array.from(a!.boxes)).toEqual([1.5, 2.25, 11.5, 22.25, 30, 10, 64, 48]);
    expect(Array.from(a!.classes)).toEqual([1, 0]);
    expect(Array.from(a!.categoryIds)).toEqual([7, 3]);
    expect(Array.from(a!.iscrowd)).toEqual([0, 1]);
    expect(Array.from(a!.ignore)).toEqual([0, 1]);
    expect(Array.from(b!.boxes)).toEqual([0, 0, 32, 40]);
    expect(Array.from(c!.ignore)).toEqual([1]);
    expect(Array.from(c!.iscrowd)).toEqual([0]);
    expect(e!.classes.length).toBe(0);
    expect(ds.report.problems).toEqual([]);
    const s = await ds.loadSample(0);
    expect([s.image.width, s.image.height]).toEqual([64, 48]);
    expect(s.boxes).toEqual(a!.boxes);
  });

  it("reports and skips bad images: path escape, absolute path, missing, cut header, wrong size, bad entry, duplicate id", async () => {
    const f = await fixture("bad-images", {
      images: [
        { id: 10, file_name: "../../etc/passwd", width: 10, height: 10 },
        { id: 11, file_name: "/etc/passwd", width: 10, height: 10 },
        { id: 12, file_name: "missing.jpg", width: 10, height: 10 },
        { id: 13, file_name: "cut-head.jpg", width: 64, height: 48 },
        { id: 14, file_name: "b.png", width: 40, height: 32 },
        { id: 15, file_name: "a.jpg", width: "64", height: 48 },
        { id: 1, file_name: "b.png", width: 32, height: 40 },
      ],
      annotations: [{ id: 99, image_id: 10, category_id: 3, bbox: [0, 0, 1, 1] }],
    });
    const ds = await loadCoco(f);
    expect(ds.records.map((r) => r.imageId)).toEqual([1, 2, 3, 4]);
    const kinds = ds.report.problems.map((p) => `${p.entry}:${p.kind}:${p.action}`);
    expect(kinds.sort()).toEqual([
      "images[10]:duplicate-id:skipped-image",
      "images[4]:path-escape:skipped-image",
      "images[5]:path-escape:skipped-image",
      "images[6]:missing-image:skipped-image",
      "images[7]:unreadable-image:skipped-image",
      "images[8]:size-mismatch:skipped-image",
      "images[9]:bad-entry:skipped-image",
    ]);
    expect(ds.report.skippedImages).toBe(7);
    expect(ds.report.problems.find((p) => p.kind === "path-escape")!.value).toBe("../../etc/passwd");
    await expect(loadCoco({ ...f, strict: true })).rejects.toThrow(
      /load COCO: .*instances\.json, entry images\[9\]: bad-entry: .*width.*expected number/,
    );
    const g = await fixture("escape-only", {
      images: [{ id: 10, file_name: "../../etc/passwd", width: 10, height: 10 }],
    });
    await expect(loadCoco({ ...g, strict: true })).rejects.toThrow(
      /load COCO: .*instances\.json, entry images\[4\], field "file_name": path-escape: refused image path: path leaves the dataset folder.*got "\.\.\/\.\.\/etc\/passwd"/,
    );
  });

  it("reports and skips bad annotations: degenerate, outside, clipped, unknown image/category, schema failure", async () => {
    const f = await fixture("bad-annotations", {
      annotations: [
        { id: 10, image_id: 1, category_id: 3, bbox: [5, 5, -3, 4] },
        { id: 11, image_id: 1, category_id: 3, bbox: [5, 5, 0, 4] },
        { id: 12, image_id: 1, category_id: 3, bbox: [70, 5, 3, 4] },
        { id: 13, image_id: 1, category_id: 3, bbox: [-4, 40, 10, 20] },
        { id: 14, image_id: 1, category_id: 3, bbox: [-0.001, 0, 10, 48.004] },
        { id: 15, image_id: 77, category_id: 3, bbox: [1, 1, 2, 2] },
        { id: 16, image_id: 1, category_id: 5, bbox: [1, 1, 2, 2] },
        { id: 17, image_id: 1, category_id: 3, bbox: ["1", 1, 2, 2] },
        { id: 18, image_id: 1, category_id: 3, bbox: [1, 1, 2] },
      ],
    });
    const ds = await loadCoco(f);
    const kinds = ds.report.problems.map((p) => `${p.entry}:${p.kind}:${p.action}`);
    expect(kinds).toEqual([
      "annotations[4]:degenerate-box:skipped-box",
      "annotations[5]:degenerate-box:skipped-box",
      "annotations[6]:box-outside-image:skipped-box",
      "annotations[7]:box-outside-image:clipped-box",
      "annotations[9]:unknown-image:skipped-entry",
      "annotations[10]:unknown-category:skipped-box",
      "annotations[11]:bad-entry:skipped-entry",
      "annotations[12]:bad-entry:skipped-entry",
    ]);
    expect(ds.report).toMatchObject({ skippedBoxes: 4, clippedBoxes: 1, skippedEntries: 3 });
    // image 1 keeps its 2 good boxes + the clipped one + the silently clipped (0.004 px) one
    expect(Array.from(ds.records[0]!.boxes.subarray(8))).toEqual(
      Array.from(Float32Array.from([0, 40, 6, 48, 0, 0, 9.999, 48])),
    );
    await expect(loadCoco({ ...f, strict: true })).rejects.toThrow(
      /annotations\[4\].*degenerate-box.*zero or negative size/,
    );
  });

  it("fails loudly on malformed json, bad top level, bad or duplicate categories, unknown requested category", async () => {
    const dir = path.join(tmp.dir, "fatal");
    const bad = await put(path.join(dir, "bad.json"), '{"images": [ {"id": 1,');
    await expect(loadCoco({ annotationFile: bad, imageDir: dir })).rejects.toThrow(
      /load COCO: .*bad\.json: malformed JSON/,
    );
    const noCats = await put(path.join(dir, "nocats.json"), JSON.stringify({ images: [], annotations: [] }));
    await expect(loadCoco({ annotationFile: noCats, imageDir: dir })).rejects.toThrow(
      /nocats\.json.*field "categories".*invalid content/,
    );
    const f1 = await fixture("badcat", {
      categories: [
        { id: 3, name: "car" },
        { id: "x", name: "dog" },
      ],
    });
    await expect(loadCoco(f1)).rejects.toThrow(/entry categories\[1\].*bad category/);
    const f2 = await fixture("dupcat", {
      categories: [
        { id: 3, name: "car" },
        { id: 3, name: "dog" },
      ],
    });
    await expect(loadCoco(f2)).rejects.toThrow(/duplicate category id; got 3/);
    const f3 = await fixture("selcat");
    await expect(loadCoco({ ...f3, categories: ["cat"] })).rejects.toThrow(
      /requested category is not in the file; got "cat"; allowed: 3:car, 7:dog/,
    );
    await expect(loadCoco({ annotationFile: path.join(dir, "none.json"), imageDir: dir })).rejects.toThrow(
      /none\.json: file not found/,
    );
    await expect(loadCoco({ annotationFile: "", imageDir: dir } as never)).rejects.toThrow(DataError);
  });

  it("selects categories by name or id (others counted in a note) and errors at decode time on a truncated body", async () => {
    const f = await fixture("select");
    const ds = await loadCoco({ ...f, categories: ["dog"] });
    expect(ds.classNames).toEqual(["dog"]);
    expect(ds.records.map((r) => Array.from(r.categoryIds))).toEqual([[7], [], [7], []]);
    expect(ds.report.problems).toMatchObject([{ kind: "category-filter", action: "note", value: 2 }]);
    expect((await loadCoco({ ...f, categories: [7], strict: true })).report.problems).toMatchObject([
      { kind: "category-filter" },
    ]);
    const g = await fixture("cutbody", {
      images: [{ id: 20, file_name: "cut-body.jpg", width: 64, height: 48 }],
    });
    const d2 = await loadCoco(g);
    expect(d2.records.at(-1)!.imageId).toBe(20);
    await expect(d2.loadImage(4, { decoder: "sharp" })).rejects.toThrow(/decode image: .*cut-body\.jpg/);
    await expect(d2.loadImage(4, { decoder: "js" })).rejects.toThrow(/decode image: .*cut-body\.jpg/);
  });
});

describe("loadCoco: coco128-json (real data)", () => {
  const { dir, present } = sharedDatasets();
  if (!present) console.warn(`[kdet/data] skipping coco128-json tests: ${dir} not found`);
  it.skipIf(!present)(
    "loads every listed image that exists, reports the missing ones, maps 80 sparse ids",
    async () => {
      const annotationFile = path.join(dir, "coco128-json/annotations/instances_train2017.json");
      const imageDir = path.join(dir, "coco128/images/train2017");
      const raw = JSON.parse(readFileSync(annotationFile, "utf8")) as {
        images: { id: number; file_name: string }[];
        annotations: { image_id: number; category_id: number; bbox: number[]; iscrowd: number }[];
        categories: { id: number }[];
      };
      const missing = raw.images.filter((i) => !existsSync(path.join(imageDir, i.file_name)));
      const ds = await loadCoco({ annotationFile, imageDir });
      expect(ds.records.length).toBe(raw.images.length - missing.length);
      expect(
        ds.report.problems
          .filter((p) => p.kind === "missing-image")
          .map((p) => p.value)
          .sort(),
      ).toEqual(missing.map((i) => i.file_name).sort());
      expect(ds.report.problems.length).toBe(missing.length);
      expect(ds.classNames.length).toBe(80);
      expect(ds.categoryIds).toEqual(raw.categories.map((c) => c.id).sort((a, b) => a - b));
      expect([ds.categoryIds[0], ds.categoryIds[11], ds.categoryIds[79], ds.indexOfCategory(13)]).toEqual([
        1, 13, 90, 11,
      ]);
      // Every annotation of a present image, box for box (independent conversion from the raw json).
      const present = new Set(ds.records.map((r) => r.imageId));
      const want = raw.annotations.filter((a) => present.has(a.image_id));
      const got = ds.records.flatMap((r) =>
        Array.from({ length: r.classes.length }, (_, j) => [
          r.imageId as number,
          r.categoryIds[j]!,
          r.iscrowd[j]!,
          ...Array.from(r.boxes.subarray(j * 4, j * 4 + 4)),
        ]),
      );
      expect(got.length).toBe(want.length);
      const key = (x: number[]): string => x.map((v) => v.toFixed(2)).join(",");
      expect(got.map(key).sort()).toEqual(
        want
          .map((a) =>
            key([
              a.image_id,
              a.category_id,
              a.iscrowd,
              a.bbox[0]!,
              a.bbox[1]!,
              a.bbox[0]! + a.bbox[2]!,
              a.bbox[1]! + a.bbox[3]!,
            ]),
          )
          .sort(),
      );
      expect(got.filter((g) => g[2] === 1).length).toBe(want.filter((a) => a.iscrowd === 1).length);
      const withoutAnn = raw.images.filter(
        (i) => present.has(i.id) && !raw.annotations.some((a) => a.image_id === i.id),
      ).length;
      expect(ds.records.filter((r) => r.classes.length === 0).length).toBe(withoutAnn);
    },
  );
});
