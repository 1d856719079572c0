/**
 * YOLO / ultralytics loader.
 *
 * Layout:
 * ```
 * <root>/data.yaml            path: .   train: images/train   val: images/val   names: {0: person, ...} (or a list)
 * <root>/images/<split>/*.jpg
 * <root>/labels/<split>/*.txt one line per box: `cls cx cy w h`, normalised to [0, 1] by the image width/height
 * ```
 * - `path` in the yaml is relative to the yaml's folder; split entries are relative to `path` and may be a folder,
 *   a list of folders, or a `.txt` file listing images (each listed path must stay inside the root).
 * - The label of `…/images/…/x.jpg` is `…/labels/…/x.txt` (the last `images` folder replaced, as ultralytics does).
 * - Class index = the YOLO class id; `categoryIds[k] = k`. Image id = the image path relative to the split folder,
 *   without extension (`000000000009`).
 * - Boxes: x1 = (cx − w/2)·W, y1 = (cy − h/2)·H, x2 = (cx + w/2)·W, y2 = (cy + h/2)·H with W×H the oriented image
 *   size read from the header. Lines with more than 5 numbers (an odd count) are polygons (segmentation labels):
 *   their bounding box is used.
 * - Reported skips (errors with `strict`): a line that is not all numbers or has the wrong count, a class out of
 *   range or not an integer, a bad box (`annotation-builder.ts`), an unreadable/missing image, an unsupported
 *   image format. An image without a label file is kept without boxes (one `note` counts them).
 * - Fatal: missing or malformed `data.yaml`, bad `names`, a split that is not in the yaml or does not exist.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AnnotationBuilder, addCheckedBox, DEFAULT_CLIP_TOLERANCE } from "./annotation-builder";
import { createDataset } from "./dataset";
import { DataError, noteDuplicateNames, parseWith, ProblemLog } from "./errors";
import { checkImageFile } from "./image-check";
import { isDir, isFile, mapLimit, readText } from "./read-file";
import { checkRealInside, resolveInside } from "./safe-path";
import type { Dataset, SampleRecord } from "./types";

const OP = "load YOLO";
/** Image file extensions kdet decodes. */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".tif", ".tiff"];
const OTHER_IMAGE_EXTENSIONS = [".bmp", ".webp", ".gif", ".dng", ".mpo", ".pfm", ".heic"];

/** Options of `loadYolo`. */
export const YoloOptionsSchema = z.object({
  /** Path of `data.yaml`. */
  dataYaml: z.string().min(1),
  /** Which split key of the yaml to load (`train`, `val`, `test`). */
  split: z.string().min(1).default("train"),
  strict: z.boolean().default(false),
  /** Follow symbolic links (images, label files) that lead outside the dataset folder (refused by default). */
  allowLinksOutside: z.boolean().default(false),
  clipTolerance: z.number().nonnegative().default(DEFAULT_CLIP_TOLERANCE),
  name: z.string().optional(),
});
/** Input of `loadYolo`. */
export type YoloOptions = z.input<typeof YoloOptionsSchema>;

/** The `data.yaml` fields kdet reads. */
export const YoloDataYamlSchema = z
  .object({
    path: z.string().optional(),
    train: z.union([z.string(), z.array(z.string())]).optional(),
    val: z.union([z.string(), z.array(z.string())]).optional(),
    test: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .nullable(),
    nc: z.number().int().positive().optional(),
    names: z.union([z.array(z.string().min(1)).min(1), z.record(z.string(), z.string().min(1))]),
  })
  .passthrough();

/** The class names of a `names` field (list, or map with keys exactly 0..n-1). */
export function yoloClassNames(
  names: string[] | Record<string, string>,
  nc: number | undefined,
  file: string,
): string[] {
  let list: string[];
  if (Array.isArray(names)) list = names;
  else {
    const keys = Object.keys(names).map(Number);
    keys.sort((a, b) => a - b);
    if (!keys.every((k, i) => k === i)) {
      throw new DataError(
        {
          op: OP,
          file,
          field: "names",
          value: Object.keys(names),
          allowed: "integer keys 0..n-1 without gaps",
        },
        "bad class-name map",
      );
    }
    list = keys.map((k) => names[String(k)]!);
  }
  if (nc !== undefined && nc !== list.length) {
    throw new DataError(
      { op: OP, file, field: "nc", value: nc, allowed: String(list.length) },
      "nc differs from the number of names",
    );
  }
  return list;
}

/** The label file of an image: last `/images/` folder → `/labels/`, extension → `.txt`. */
export function labelPathFor(imageFile: string): string {
  const parts = imageFile.split(path.sep);
  const i = parts.lastIndexOf("images");
  if (i >= 0) parts[i] = "labels";
  const p = parts.join(path.sep);
  return p.slice(0, p.length - path.extname(p).length) + ".txt";
}

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if ([...IMAGE_EXTENSIONS, ...OTHER_IMAGE_EXTENSIONS].includes(path.extname(e.name).toLowerCase()))
        out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Report label files of a split folder that have no image (their boxes cannot be loaded). */
async function reportOrphanLabels(imageDir: string, images: string[], log: ProblemLog): Promise<void> {
  const labelDir = labelPathFor(path.join(imageDir, "x.jpg")).slice(0, -"x.txt".length - 1);
  if (labelDir === imageDir || !(await isDir(labelDir))) return;
  const have = new Set(images.map((f) => labelPathFor(f)));
  const walk = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) out.push(...(await walk(p)));
      else if (e.name.endsWith(".txt")) out.push(p);
    }
    return out;
  };
  for (const lf of (await walk(labelDir)).sort()) {
    if (have.has(lf)) continue;
    const n = (await readText(lf, OP)).split(/\r?\n/).filter((l) => l.trim() !== "").length;
    log.add({
      file: lf,
      kind: "missing-image",
      value: n,
      message: `label file has no image in ${imageDir}; its ${n} boxes are not loaded`,
      action: "skipped-image",
    });
  }
}

/** Parse one label file into `out`; every bad line is reported and skipped. */
function parseLabels(
  text: string,
  labelFile: string,
  size: { width: number; height: number },
  nc: number,
  out: AnnotationBuilder,
  log: ProblemLog,
  tol: number,
): void {
  const lines = text.split(/\r?\n/);
  lines.forEach((line, li) => {
    const s = line.trim();
    if (s === "") return;
    const entry = `line ${li + 1}`;
    const fields = s.split(/\s+/);
    const nums = fields.map(Number);
    if (
      fields.some((f, i) => !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(f) || !Number.isFinite(nums[i]))
    ) {
      log.add({
        file: labelFile,
        entry,
        value: s,
        kind: "bad-label-line",
        message: "label line has a field that is not a number (expected cls cx cy w h)",
        action: "skipped-box",
      });
      return;
    }
    if (fields.length !== 5 && (fields.length < 7 || fields.length % 2 === 0)) {
      log.add({
        file: labelFile,
        entry,
        value: s,
        kind: "bad-label-line",
        message: `label line has ${fields.length} fields; expected 5 (cls cx cy w h) or an odd count ≥ 7 (cls x1 y1 x2 y2 ... polygon)`,
        action: "skipped-box",
      });
      return;
    }
    const cls = nums[0]!;
    if (!Number.isInteger(cls) || cls < 0 || cls >= nc) {
      log.add({
        file: labelFile,
        entry,
        field: "cls",
        value: fields[0],
        kind: "class-out-of-range",
        message: `class id must be an integer in 0..${nc - 1}`,
        action: "skipped-box",
      });
      return;
    }
    let box: [number, number, number, number];
    if (fields.length === 5) {
      const [cx, cy, w, h] = [nums[1]!, nums[2]!, nums[3]!, nums[4]!];
      box = [
        (cx - w / 2) * size.width,
        (cy - h / 2) * size.height,
        (cx + w / 2) * size.width,
        (cy + h / 2) * size.height,
      ];
    } else {
      let x1 = Infinity,
        y1 = Infinity,
        x2 = -Infinity,
        y2 = -Infinity;
      for (let i = 1; i < nums.length; i += 2) {
        x1 = Math.min(x1, nums[i]!);
        x2 = Math.max(x2, nums[i]!);
        y1 = Math.min(y1, nums[i + 1]!);
        y2 = Math.max(y2, nums[i + 1]!);
      }
      box = [x1 * size.width, y1 * size.height, x2 * size.width, y2 * size.height];
    }
    addCheckedBox(out, box, size, cls, cls, {}, log, { file: labelFile, entry, field: "box" }, tol);
  });
}

/** Load one split of a YOLO dataset; see the module comment for the layout and the problem policy. */
export async function loadYolo(options: YoloOptions): Promise<Dataset> {
  const o = parseWith(YoloOptionsSchema, options, OP);
  const yamlFile = path.resolve(o.dataYaml);
  const log = new ProblemLog(OP, o.strict);
  let doc: unknown;
  try {
    doc = parseYaml(await readText(yamlFile, OP));
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError({ op: OP, file: yamlFile }, `malformed YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const y = parseWith(YoloDataYamlSchema, doc, OP, yamlFile);
  const names = yoloClassNames(y.names, y.nc, yamlFile);
  noteDuplicateNames(names, log, yamlFile, (i) => `names[${i}]`);
  const root = path.resolve(path.dirname(yamlFile), y.path ?? ".");
  const entry = (y as Record<string, unknown>)[o.split] as string | string[] | undefined | null;
  if (entry === undefined || entry === null) {
    throw new DataError(
      {
        op: OP,
        file: yamlFile,
        field: o.split,
        allowed: ["train", "val", "test"].filter((k) => (y as Record<string, unknown>)[k]).join(", "),
      },
      "split not in data.yaml",
    );
  }

  // Collect the images of the split: folders, or .txt lists of image paths.
  const images: { file: string; splitDir: string }[] = [];
  for (const e of Array.isArray(entry) ? entry : [entry]) {
    const p = path.resolve(root, e);
    if (await isDir(p)) {
      const found = await listImages(p);
      for (const f of found) images.push({ file: f, splitDir: p });
      await reportOrphanLabels(p, found, log);
    } else if (p.endsWith(".txt") && (await isFile(p))) {
      const lines = (await readText(p, OP))
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
      for (const [li, l] of lines.entries()) {
        const r = resolveInside(root, l.startsWith("./") ? l.slice(2) : l);
        if (!r.ok)
          log.add({
            file: p,
            entry: `line ${li + 1}`,
            value: l,
            kind: "path-escape",
            message: `refused image path: ${r.reason}`,
            action: "skipped-image",
          });
        else images.push({ file: r.path, splitDir: root });
      }
    } else {
      throw new DataError(
        { op: OP, file: yamlFile, field: o.split, value: e },
        `split path ${p} is neither a folder nor a .txt list`,
      );
    }
  }

  let unlabelled = 0;
  const recs = await mapLimit(images, 16, async ({ file, splitDir }): Promise<SampleRecord | null> => {
    const rel = path.relative(splitDir, file);
    const ext = path.extname(file).toLowerCase();
    if (!IMAGE_EXTENSIONS.includes(ext)) {
      log.add({
        file,
        kind: "unsupported-image",
        value: ext,
        message: `image format not supported (allowed: ${IMAGE_EXTENSIONS.join(" ")})`,
        action: "skipped-image",
      });
      return null;
    }
    const c = await checkImageFile(
      splitDir,
      rel,
      null,
      "header",
      log,
      { file, entry: rel, field: "image" },
      o.allowLinksOutside,
    );
    if (!c) return null;
    const b = new AnnotationBuilder();
    const labelFile = labelPathFor(file);
    const realLabel = await checkRealInside(root, labelFile, o.allowLinksOutside);
    if (!realLabel.ok) {
      log.add({
        file: labelFile,
        kind: "path-escape",
        message: `refused label file: ${realLabel.reason}`,
        action: "skipped-image",
      });
      return null;
    }
    if (await isFile(labelFile))
      parseLabels(await readText(labelFile, OP), labelFile, c, names.length, b, log, o.clipTolerance);
    else unlabelled++;
    return {
      imageId: rel.slice(0, rel.length - ext.length),
      file: c.file,
      width: c.width,
      height: c.height,
      ...b.build(),
    };
  });
  if (unlabelled > 0)
    log.add({
      file: root,
      kind: "no-label-file",
      value: unlabelled,
      message: `${unlabelled} images have no label file (kept as images without boxes)`,
      action: "note",
    });

  return createDataset({
    name: o.name ?? `${path.basename(root)}-${o.split}`,
    format: "yolo",
    root,
    classNames: names,
    categoryIds: names.map((_, k) => k),
    records: recs.filter((r): r is SampleRecord => r !== null),
    report: log.report(),
  });
}
