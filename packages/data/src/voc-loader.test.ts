import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVoc, VOC_CLASSES } from "./voc-loader";
import { encode, gradientImage, put, sharedDatasets, tempDir } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const obj = (name: string, b: (number | string)[], extra = ""): string =>
  `<object><name>${name}</name><pose>Unspecified</pose>${extra}<bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;
const xml = (file: string, w: number, h: number, objects: string[]): string =>
  `<annotation><folder>JPEGImages</folder><filename>${file}</filename><size><width>${w}</width><height>${h}</height><depth>3</depth></size><segmented>0</segmented>${objects.join("")}</annotation>`;

async function fixture(name: string, files: Record<string, string>, split: string[]): Promise<string> {
  const root = path.join(tmp.dir, name);
  await put(path.join(root, "JPEGImages/000001.jpg"), await encode(gradientImage(64, 48), "jpeg"));
  await put(path.join(root, "JPEGImages/000002.jpg"), await encode(gradientImage(30, 20), "jpeg"));
  for (const [f, text] of Object.entries(files)) await put(path.join(root, "Annotations", f), text);
  await put(path.join(root, "ImageSets/Main/train.txt"), split.join("\n") + "\n");
  return root;
}

describe("loadVoc: fixtures", () => {
  it("reads VOC classes, 1-based coordinates, difficult/truncated flags", async () => {
    const root = await fixture(
      "ok",
      {
        "000001.xml": xml("000001.jpg", 64, 48, [
          obj("dog", [1, 1, 64, 48]),
          obj("person", [10, 5, 20, 30], "<truncated>1</truncated><difficult>1</difficult>"),
        ]),
        "000002.xml": xml("000002.jpg", 30, 20, []),
      },
      ["000001", "000002"],
    );
    const ds = await loadVoc({ root, split: "train" });
    expect(ds.classNames).toEqual([...VOC_CLASSES]);
    expect(ds.categoryIds[0]).toBe(1);
    expect(ds.records.map((r) => r.imageId)).toEqual(["000001", "000002"]);
    const r = ds.records[0]!;
    expect(Array.from(r.boxes)).toEqual([0, 0, 64, 48, 9, 4, 20, 30]);
    expect(Array.from(r.classes)).toEqual([VOC_CLASSES.indexOf("dog"), VOC_CLASSES.indexOf("person")]);
    expect(Array.from(r.categoryIds)).toEqual([
      VOC_CLASSES.indexOf("dog") + 1,
      VOC_CLASSES.indexOf("person") + 1,
    ]);
    expect([Array.from(r.difficult), Array.from(r.truncated), Array.from(r.ignore)]).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(ds.records[1]!.classes.length).toBe(0);
    expect(ds.report.problems).toEqual([]);
    const plain = await loadVoc({ root, split: "train", oneBased: false, difficultAsIgnore: false });
    expect(Array.from(plain.records[0]!.boxes)).toEqual([1, 1, 64, 48, 10, 5, 20, 30]);
    expect(Array.from(plain.records[0]!.ignore)).toEqual([0, 0]);
  });

  it("non-VOC names: the sorted names of all Annotations (every split gets the same mapping)", async () => {
    const root = await fixture(
      "custom",
      {
        "000001.xml": xml("000001.jpg", 64, 48, [obj("WBC", [2, 2, 10, 10])]),
        "000002.xml": xml("000002.jpg", 30, 20, [obj("Platelets", [2, 2, 10, 10]), obj("RBC", [3, 3, 9, 9])]),
      },
      ["000001"],
    );
    const ds = await loadVoc({ root, split: "train" });
    expect(ds.classNames).toEqual(["Platelets", "RBC", "WBC"]);
    expect(Array.from(ds.records[0]!.classes)).toEqual([2]);
    const given = await loadVoc({ root, split: "train", classes: ["WBC", "RBC"] });
    expect(Array.from(given.records[0]!.categoryIds)).toEqual([1]);
  });

  it("reports and skips: malformed xml, missing xml, escaping id, bad object, unknown class, bad boxes, missing image, wrong size", async () => {
    const root = await fixture(
      "bad",
      {
        "000001.xml": xml("000001.jpg", 64, 48, [
          obj("dog", [30, 5, 20, 30]), // xmin > xmax
          obj("dog", [80, 60, 90, 70]), // outside
          obj("dog", [50, 40, 70, 50]), // clipped
          obj("dog", ["a", 1, 5, 5]), // text coordinate
          "<object><name>dog</name></object>", // no bndbox
          obj("unicorn", [1, 1, 5, 5]), // unknown class
          obj("cat", [1, 1, 5, 5]), // good
        ]),
        "000002.xml": xml("000002.jpg", 31, 20, []), // wrong size
        "000003.xml": "<annotation><size><width>5</width></size><object>",
        "000004.xml": xml("000004.jpg", 10, 10, []), // image missing
      },
      ["000001", "000002", "000003", "000004", "000005", "../../etc/passwd"],
    );
    const ds = await loadVoc({ root, split: "train", classes: "voc20" });
    expect(ds.records.map((r) => r.imageId)).toEqual(["000001"]);
    expect(Array.from(ds.records[0]!.boxes)).toEqual([49, 39, 64, 48, 0, 0, 5, 5]);
    const got = ds.report.problems.map((p) => `${p.entry}:${p.kind}:${p.action}`);
    expect(got.sort()).toEqual([
      "000002:size-mismatch:skipped-image",
      "000003:malformed-annotation:skipped-image",
      "000004:missing-image:skipped-image",
      "000005:missing-annotation:skipped-image",
      "line 6:path-escape:skipped-image",
      "object[0]:degenerate-box:skipped-box",
      "object[1]:box-outside-image:skipped-box",
      "object[2]:box-outside-image:clipped-box",
      "object[3]:bad-entry:skipped-box",
      "object[4]:bad-entry:skipped-box",
      "object[5]:unknown-class:skipped-box",
    ]);
    expect(ds.report.problems.find((p) => p.kind === "malformed-annotation")!.message).toMatch(
      /malformed XML at line 1/,
    );
    await expect(loadVoc({ root, split: "train", strict: true })).rejects.toThrow(/load VOC: /);
  });

  it("fails loudly on a missing split list or Annotations folder", async () => {
    const root = await fixture("fatal", { "000001.xml": xml("000001.jpg", 64, 48, []) }, []);
    await expect(loadVoc({ root, split: "val" })).rejects.toThrow(
      /load VOC: .*ImageSets\/Main\/val\.txt, field "split": split list not found; got "val"/,
    );
    await expect(loadVoc({ root: path.join(root, "nope") })).rejects.toThrow(/Annotations folder not found/);
    await expect(loadVoc({ root, classes: [] } as never)).rejects.toThrow(
      /load VOC: field "classes": invalid config: classes: Too small/,
    );
  });
});

describe("loadVoc: BCCD (real VOC-layout data)", () => {
  const { dir, present } = sharedDatasets();
  const root = path.join(dir, "bccd");
  if (!present) console.warn(`[kdet/data] skipping BCCD tests: ${root} not found`);
  it.skipIf(!present)(
    "loads train/val/test with one class mapping; boxes equal a regex reading of the xml",
    async () => {
      const counts: Record<string, number> = {};
      let images = 0;
      for (const split of ["train", "val", "test"]) {
        const ds = await loadVoc({ root, split });
        expect(ds.classNames).toEqual(["Platelets", "RBC", "WBC"]);
        const ids = readFileSync(path.join(root, "ImageSets/Main", `${split}.txt`), "utf8")
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean);
        expect(ds.records.map((r) => r.imageId)).toEqual(ids);
        expect(ds.report.problems).toEqual([]);
        images += ds.records.length;
        for (const r of ds.records) {
          const text = readFileSync(path.join(root, "Annotations", `${r.imageId}.xml`), "utf8");
          const objs = [
            ...text.matchAll(
              /<name>(.*?)<\/name>[\s\S]*?<xmin>(\d+)<\/xmin>\s*<ymin>(\d+)<\/ymin>\s*<xmax>(\d+)<\/xmax>\s*<ymax>(\d+)<\/ymax>/g,
            ),
          ];
          expect(r.classes.length).toBe(objs.length);
          objs.forEach((m, j) => {
            counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
            expect(ds.classNames[r.classes[j]!]).toBe(m[1]);
            expect(Array.from(r.boxes.subarray(j * 4, j * 4 + 4))).toEqual([
              +m[2]! - 1,
              +m[3]! - 1,
              +m[4]!,
              +m[5]!,
            ]);
          });
        }
      }
      expect(images).toBe(readdirSync(path.join(root, "JPEGImages")).length);
      expect(counts).toEqual({ RBC: 4155, WBC: 372, Platelets: 361 }); // datasets/README.md
    },
  );
});
