import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCoco } from "./coco-loader";
import { labelPathFor, loadYolo } from "./yolo-loader";
import { encode, gradientImage, put, sharedDatasets, tempDir } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

async function fixture(
  name: string,
  labels: Record<string, string>,
  yaml = "path: .\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n",
): Promise<string> {
  const root = path.join(tmp.dir, name);
  await put(path.join(root, "images/train/a.jpg"), await encode(gradientImage(64, 48), "jpeg"));
  await put(path.join(root, "images/train/b.png"), await encode(gradientImage(100, 50), "png"));
  await put(path.join(root, "images/train/nolabel.png"), await encode(gradientImage(8, 8), "png"));
  for (const [f, text] of Object.entries(labels)) await put(path.join(root, "labels/train", f), text);
  return put(path.join(root, "data.yaml"), yaml);
}

describe("loadYolo: fixtures", () => {
  it("converts normalised cx cy w h to absolute xyxy, polygons to their box, ids = relative stems", async () => {
    const y = await fixture("ok", {
      "a.txt": "0 0.5 0.5 0.5 0.5\n1 1e-1 0.25 0.2 0.5\n\n",
      "b.txt": "1 0.1 0.1 0.5 0.1 0.3 0.4\n",
    });
    const ds = await loadYolo({ dataYaml: y });
    expect(ds.classNames).toEqual(["person", "car"]);
    expect(ds.categoryIds).toEqual([0, 1]);
    expect(ds.records.map((r) => [r.imageId, r.width, r.height])).toEqual([
      ["a", 64, 48],
      ["b", 100, 50],
      ["nolabel", 8, 8],
    ]);
    expect(Array.from(ds.records[0]!.boxes)).toEqual(
      Array.from(Float32Array.from([16, 12, 48, 36, 0, 0, 12.8, 24])),
    );
    expect(Array.from(ds.records[0]!.classes)).toEqual([0, 1]);
    expect(Array.from(ds.records[1]!.boxes)).toEqual(Array.from(Float32Array.from([10, 5, 50, 20])));
    expect(ds.report.problems).toMatchObject([{ kind: "no-label-file", action: "note", value: 1 }]);
  });

  it("reports and skips every bad label line, never crashing, keeping the good ones", async () => {
    const lines = [
      "person 0.5 0.5 0.2 0.2", // text class
      "a b c d e", // five fields of text
      "5 0.5 0.5 0.1 0.1", // class out of range (nc 2)
      "1.5 0.5 0.5 0.1 0.1", // non-integer class
      "-1 0.5 0.5 0.1 0.1", // negative class
      "0 0.5 0.5 -0.1 0.2", // negative size
      "0 0.5 0.5 0 0.2", // zero size
      "0 1.5 1.5 0.2 0.2", // outside the image
      "0 0.95 0.5 0.2 0.2", // partly outside → clipped
      "0 0.5 0.5", // 3 fields
      "0 0.5 0.5 0.2 0.2 0.3", // 6 fields
      "0 nan 0.5 0.1 0.1", // not a number
      "1 0.25 0.25 0.5 0.5", // good
    ].join("\n");
    const y = await fixture("bad-lines", { "a.txt": lines });
    const ds = await loadYolo({ dataYaml: y });
    const got = ds.report.problems
      .filter((p) => p.file.endsWith("a.txt"))
      .map((p) => `${p.entry}:${p.kind}:${p.action}`);
    expect(got).toEqual([
      "line 1:bad-label-line:skipped-box",
      "line 2:bad-label-line:skipped-box",
      "line 3:class-out-of-range:skipped-box",
      "line 4:class-out-of-range:skipped-box",
      "line 5:class-out-of-range:skipped-box",
      "line 6:degenerate-box:skipped-box",
      "line 7:degenerate-box:skipped-box",
      "line 8:box-outside-image:skipped-box",
      "line 9:box-outside-image:clipped-box",
      "line 10:bad-label-line:skipped-box",
      "line 11:bad-label-line:skipped-box",
      "line 12:bad-label-line:skipped-box",
    ]);
    expect(Array.from(ds.records[0]!.boxes)).toEqual(
      Array.from(Float32Array.from([54.4, 19.2, 64, 28.8, 0, 0, 32, 24])),
    );
    await expect(loadYolo({ dataYaml: y, strict: true })).rejects.toThrow(
      /load YOLO: .*a\.txt, entry line 1: bad-label-line: .*not a number.*got "person 0\.5 0\.5 0\.2 0\.2"/,
    );
  });

  it("reports labels without images, unreadable and unsupported images, and refuses list entries leaving the root", async () => {
    const y = await fixture("bad-files", {
      "a.txt": "0 0.5 0.5 0.5 0.5",
      "ghost.txt": "0 0.5 0.5 0.5 0.5\n1 0.5 0.5 0.1 0.1\n",
    });
    const root = path.dirname(y);
    await put(path.join(root, "images/train/broken.jpg"), "this is not a jpeg");
    await put(path.join(root, "images/train/pic.bmp"), "BM");
    await put(path.join(root, "list.txt"), "images/train/a.jpg\n../../etc/passwd\n./images/train/b.png\n");
    await put(path.join(root, "list.yaml"), "train: list.txt\nnames: [person, car]\n");
    const ds = await loadYolo({ dataYaml: y });
    expect(ds.records.map((r) => r.imageId)).toEqual(["a", "b", "nolabel"]);
    const got = ds.report.problems.map((p) => `${path.basename(p.file)}:${p.kind}:${p.action}`).sort();
    expect(got).toEqual([
      "bad-files:no-label-file:note",
      "broken.jpg:unreadable-image:skipped-image",
      "ghost.txt:missing-image:skipped-image",
      "pic.bmp:unsupported-image:skipped-image",
    ]);
    expect(ds.report.problems.find((p) => p.kind === "missing-image")!.value).toBe(2);
    const fromList = await loadYolo({ dataYaml: path.join(root, "list.yaml") });
    expect(fromList.records.map((r) => path.basename(r.file))).toEqual(["a.jpg", "b.png"]);
    expect(fromList.report.problems.filter((p) => p.kind === "path-escape").map((p) => p.value)).toEqual([
      "../../etc/passwd",
    ]);
  });

  it("fails loudly on malformed or invalid data.yaml and missing splits", async () => {
    const cases: [string, RegExp][] = [
      ["names: [a, b\ntrain: x", /load YOLO: .*data\.yaml: malformed YAML/],
      ["train: images/train\n", /data\.yaml.*field "names".*invalid content/],
      [
        "train: images/train\nnames: {0: a, 2: b}\n",
        /field "names": bad class-name map; got \["0","2"\]; allowed: integer keys 0\.\.n-1/,
      ],
      [
        "train: images/train\nnc: 3\nnames: [a, b]\n",
        /field "nc": nc differs from the number of names; got 3; allowed: 2/,
      ],
      ["names: [a]\n", /field "train": split not in data\.yaml/],
      ["train: nowhere\nnames: [a]\n", /split path .*nowhere is neither a folder nor a \.txt list/],
    ];
    for (const [i, [yaml, re]] of cases.entries()) {
      const y = await fixture(`yaml-${i}`, {}, yaml);
      await expect(loadYolo({ dataYaml: y })).rejects.toThrow(re);
    }
  });

  it("labelPathFor replaces the last images folder", () => {
    expect(labelPathFor("/d/images/x/images/train/a.b.jpg")).toBe("/d/images/x/labels/train/a.b.txt");
  });
});

describe("YOLO vs COCO json on coco128 (real data)", () => {
  const { dir, present } = sharedDatasets();
  if (!present) console.warn(`[kdet/data] skipping coco128 YOLO tests: ${dir} not found`);

  it.skipIf(!present)(
    "agree box for box on the shared images (after the category mapping); missing files are reported",
    async () => {
      const yolo = await loadYolo({ dataYaml: path.join(dir, "coco128/data.yaml"), split: "train" });
      const coco = await loadCoco({
        annotationFile: path.join(dir, "coco128-json/annotations/instances_train2017.json"),
        imageDir: path.join(dir, "coco128/images/train2017"),
      });
      // Oracle for the reports: label files without an image, and json images without a file.
      const imgDir = path.join(dir, "coco128/images/train2017");
      const lblDir = path.join(dir, "coco128/labels/train2017");
      const orphan = readdirSync(lblDir).filter(
        (f) => !existsSync(path.join(imgDir, f.replace(/\.txt$/, ".jpg"))),
      );
      expect(
        yolo.report.problems
          .filter((p) => p.kind === "missing-image")
          .map((p) => path.basename(p.file))
          .sort(),
      ).toEqual(orphan.sort());
      const orphanBoxes = orphan.reduce(
        (s, f) => s + readFileSync(path.join(lblDir, f), "utf8").trim().split("\n").length,
        0,
      );
      expect(
        yolo.report.problems
          .filter((p) => p.kind === "missing-image")
          .reduce((s, p) => s + (p.value as number), 0),
      ).toBe(orphanBoxes);
      expect(yolo.records.length).toBe(readdirSync(imgDir).length);
      expect(yolo.report.skippedBoxes + yolo.report.clippedBoxes).toBe(0);

      const byName = new Map(coco.records.map((r) => [path.basename(r.file), r]));
      let shared = 0,
        compared = 0;
      for (const y of yolo.records) {
        const c = byName.get(path.basename(y.file));
        if (!c) continue;
        shared++;
        expect([y.width, y.height]).toEqual([c.width, c.height]);
        const row = (r: typeof y, j: number): number[] => [
          r.classes[j]!,
          ...Array.from(r.boxes.subarray(j * 4, j * 4 + 4)),
        ];
        const ys = Array.from({ length: y.classes.length }, (_, j) => row(y, j));
        const cs = Array.from({ length: c.classes.length }, (_, j) => j)
          .filter((j) => c.iscrowd[j] === 0)
          .map((j) => row(c, j));
        expect(ys.length, String(y.imageId)).toBe(cs.length);
        // match each COCO box to the nearest YOLO box of the same class
        const tol = 5e-7 * Math.max(y.width, y.height) + 1e-3;
        const used = new Set<number>();
        for (const cb of cs) {
          let best = -1,
            bestD = Infinity;
          ys.forEach((yb, k) => {
            if (used.has(k) || yb[0] !== cb[0]) return;
            const d = Math.max(...[1, 2, 3, 4].map((i) => Math.abs(yb[i]! - cb[i]!)));
            if (d < bestD) {
              bestD = d;
              best = k;
            }
          });
          expect(bestD, `${y.imageId} class ${cb[0]}`).toBeLessThanOrEqual(tol);
          used.add(best);
          compared++;
        }
        // the YOLO class index is the rank of the COCO category id
        for (let j = 0; j < c.classes.length; j++)
          expect(coco.categoryIds[c.classes[j]!]).toBe(c.categoryIds[j]);
      }
      expect(shared).toBe(coco.records.length);
      expect(shared).toBeGreaterThanOrEqual(126);
      expect(compared).toBeGreaterThan(900);
    },
  );

  it.skipIf(!present)("val split: every image, every label line whose image exists", async () => {
    const yolo = await loadYolo({ dataYaml: path.join(dir, "coco128/data.yaml"), split: "val" });
    const imgDir = path.join(dir, "coco128/images/val2017");
    const lblDir = path.join(dir, "coco128/labels/val2017");
    const lines = readdirSync(imgDir).reduce((s, f) => {
      const l = path.join(lblDir, f.replace(/\.jpg$/, ".txt"));
      return s + (existsSync(l) ? readFileSync(l, "utf8").trim().split("\n").filter(Boolean).length : 0);
    }, 0);
    expect(yolo.records.length).toBe(readdirSync(imgDir).length);
    expect(yolo.records.reduce((s, r) => s + r.classes.length, 0)).toBe(lines);
  });
});
