/**
 * VOC exports with other folder names load without renaming: `annotationDir` / `imageDir` (also one folder
 * for xml beside the images), `splitFile` (ids or file names), all files. Oracle: the same images through the
 * canonical layout (BCCD files copied into each layout) give the same records.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "./types";
import { loadVoc } from "./voc-loader";
import { sharedDatasets, tempDir } from "./test-fixtures";

const { dir, present } = sharedDatasets();
const bccd = path.join(dir, "bccd");
if (!present) console.warn(`[kdet/data] skipping VOC layout tests: ${bccd} not found`);

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("kdet-voc-layouts-");
});
afterAll(async () => {
  await tmp.cleanup();
});

/** The first `n` BCCD val ids, copied as `<root>/<annDir>/<id>.xml` and `<root>/<imgDir>/<id>.jpg`. */
function layout(name: string, annDir: string, imgDir: string, n = 6): { root: string; ids: string[] } {
  const ids = readFileSync(path.join(bccd, "ImageSets/Main/val.txt"), "utf8")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, n);
  const root = path.join(tmp.dir, name);
  mkdirSync(path.join(root, annDir), { recursive: true });
  mkdirSync(path.join(root, imgDir), { recursive: true });
  for (const id of ids) {
    copyFileSync(path.join(bccd, "Annotations", `${id}.xml`), path.join(root, annDir, `${id}.xml`));
    copyFileSync(path.join(bccd, "JPEGImages", `${id}.jpg`), path.join(root, imgDir, `${id}.jpg`));
  }
  return { root, ids };
}

const classes = ["Platelets", "RBC", "WBC"];
const content = (ds: Dataset) =>
  ds.records.map((r) => ({
    id: r.imageId,
    file: path.basename(r.file),
    size: [r.width, r.height],
    boxes: Array.from(r.boxes),
    classes: Array.from(r.classes),
  }));

describe("loadVoc: folder options", () => {
  it.skipIf(!present)(
    "annotations/ + images/, xml beside images, a list of file names, all files",
    async () => {
      const canonical = layout("canonical", "Annotations", "JPEGImages");
      const want = content(await loadVoc({ root: canonical.root, classes }));
      expect(want.map((r) => r.id)).toEqual([...canonical.ids].sort());
      expect(want.every((r) => r.boxes.length > 0)).toBe(true);

      const lower = layout("lower", "annotations", "images");
      const a = await loadVoc({
        root: lower.root,
        annotationDir: "annotations",
        imageDir: "images",
        classes,
      });
      expect(content(a)).toEqual(want);
      expect(a.report.problems).toEqual([]);

      const beside = layout("beside", "images", "images");
      const b = await loadVoc({ root: beside.root, annotationDir: "images", imageDir: "images", classes });
      expect(content(b)).toEqual(want);

      // a split list of file names with folders, in its own order, and a subset
      const listed = [...beside.ids].reverse().slice(0, 4);
      writeFileSync(
        path.join(beside.root, "val-list.txt"),
        listed.map((id) => `images/${id}.jpg\n`).join(""),
      );
      const c = await loadVoc({
        root: beside.root,
        annotationDir: "images",
        imageDir: "images",
        splitFile: "val-list.txt",
        classes,
      });
      expect(c.records.map((r) => r.imageId)).toEqual(listed);
      expect(c.name).toBe("beside-val-list");
      expect(content(c)).toEqual(listed.map((id) => want.find((r) => r.id === id)));
    },
  );

  it.skipIf(!present)("wrong folder names and a split given twice are errors naming the option", async () => {
    const lower = layout("lower2", "annotations", "images", 2);
    await expect(loadVoc({ root: lower.root })).rejects.toThrow(
      /field "annotationDir".*set annotationDir to the folder of the xml files/,
    );
    await expect(loadVoc({ root: bccd, split: "val", splitFile: "ImageSets/Main/val.txt" })).rejects.toThrow(
      /both split \(val\) and splitFile given/,
    );
    await expect(loadVoc({ root: bccd, splitFile: "nope.txt" })).rejects.toThrow(
      /field "splitFile".*split list not found/,
    );
  });
});
