/**
 * PASCAL VOC loader.
 *
 * Layout:
 * ```
 * <root>/Annotations/<id>.xml        <annotation><size><width/><height/></size><object><name/><difficult/>
 *                                    <truncated/><bndbox><xmin/><ymin/><xmax/><ymax/></bndbox></object>...
 * <root>/ImageSets/Main/<split>.txt  one image id per line
 * <root>/JPEGImages/<id>.jpg         (else the xml's <filename> inside JPEGImages)
 * ```
 * Other exports load without renaming: `annotationDir` / `imageDir` name the two folders (relative to the root;
 * the same folder for xml beside the images, e.g. both `images`), `splitFile` reads the split from any list file
 * (one id or file name per line; folders and extensions are dropped), and without `split` or `splitFile` every
 * xml of the annotation folder is loaded.
 * - Coordinates are VOC's 1-based inclusive pixel indices: x1 = xmin − 1, y1 = ymin − 1, x2 = xmax, y2 = ymax
 *   (so `xmin=1, xmax=W` covers the whole image, as in detectron2's VOC reader). `oneBased: false` reads them
 *   as plain xyxy instead.
 * - Classes: a given list; or `"voc20"` (the 20 VOC classes); or `"auto"` (default): the 20 VOC classes when every
 *   name in the split is one of them, else the sorted names found in all of `Annotations/*.xml` (so every split of
 *   a dataset gets the same mapping). `categoryIds[k] = k + 1`.
 * - `difficult` → `difficult = 1` and (with `difficultAsIgnore`, default) `ignore = 1`; `truncated` → `truncated = 1`.
 * - Reported skips (errors with `strict`): an id that escapes the root (also through a symbolic link, unless
 *   `allowLinksOutside`), a missing/malformed/invalid xml (a DOCTYPE or entity declaration is refused as malformed),
 *   a missing or unreadable image, a size different from the image's (`checkImages`), an unknown class name, a bad
 *   box, an id listed twice in the split list (loaded once).
 * - Fatal: a missing `ImageSets/Main/<split>.txt` or `Annotations` folder, an empty class list.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { AnnotationBuilder, addCheckedBox, DEFAULT_CLIP_TOLERANCE } from "./annotation-builder";
import { createDataset } from "./dataset";
import { DataError, formatZodIssues, parseWith, ProblemLog } from "./errors";
import { checkImageFile, ImageCheckSchema } from "./image-check";
import { isDir, isFile, mapLimit, readText } from "./read-file";
import { checkRealInside, resolveInside } from "./safe-path";
import type { Dataset, SampleRecord } from "./types";

const OP = "load VOC";

/** The 20 PASCAL VOC classes in the usual order. */
export const VOC_CLASSES = [
  "aeroplane",
  "bicycle",
  "bird",
  "boat",
  "bottle",
  "bus",
  "car",
  "cat",
  "chair",
  "cow",
  "diningtable",
  "dog",
  "horse",
  "motorbike",
  "person",
  "pottedplant",
  "sheep",
  "sofa",
  "train",
  "tvmonitor",
] as const;

/** Options of `loadVoc`. */
export const VocOptionsSchema = z.object({
  root: z.string().min(1),
  /** `ImageSets/Main/<split>.txt`; omit (and omit `splitFile`) to load every xml of the annotation folder. */
  split: z.string().min(1).optional(),
  /** A split list file relative to the root (instead of `split`): one image id or file name per line. */
  splitFile: z.string().min(1).optional(),
  /** Folder of the xml files relative to the root (default `Annotations`). */
  annotationDir: z.string().min(1).default("Annotations"),
  /** Folder of the images relative to the root (default `JPEGImages`; the annotation folder for xml beside images). */
  imageDir: z.string().min(1).default("JPEGImages"),
  classes: z
    .union([z.literal("auto"), z.literal("voc20"), z.array(z.string().min(1)).min(1)])
    .default("auto"),
  difficultAsIgnore: z.boolean().default(true),
  oneBased: z.boolean().default(true),
  checkImages: ImageCheckSchema.default("header"),
  strict: z.boolean().default(false),
  /** Follow symbolic links (xml, images) that lead outside the dataset folder (refused by default). */
  allowLinksOutside: z.boolean().default(false),
  clipTolerance: z.number().nonnegative().default(DEFAULT_CLIP_TOLERANCE),
  name: z.string().optional(),
});
/** Input of `loadVoc`. */
export type VocOptions = z.input<typeof VocOptionsSchema>;

const num = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^[-+]?\d+(\.\d+)?$/),
  ])
  .transform(Number);
const flag = z
  .union([z.number(), z.string().trim()])
  .optional()
  .transform((v) => v !== undefined && String(v) !== "0" && String(v) !== "");

/** The fields of one VOC xml that kdet reads (values arrive as strings from the xml parser). */
export const VocXmlSchema = z.object({
  annotation: z.object({
    filename: z
      .union([z.string(), z.number()])
      .optional()
      .transform((v) => (v === undefined ? undefined : String(v))),
    size: z.object({ width: num, height: num }).optional(),
    /** Objects are validated one by one (`VocObjectSchema`), so one bad object skips only its box. */
    object: z.array(z.unknown()).default([]),
  }),
});
type VocXml = z.infer<typeof VocXmlSchema>;

/** One `<object>` of a VOC xml. */
export const VocObjectSchema = z.object({
  name: z.union([z.string(), z.number()]).transform((v) => String(v).trim()),
  difficult: flag,
  truncated: flag,
  bndbox: z.object({ xmin: num, ymin: num, xmax: num, ymax: num }),
});

/** The object names of a parsed xml (objects without a usable name are left out). */
function objectNames(xml: VocXml["annotation"]): string[] {
  return xml.object.flatMap((o) => {
    const n = (o as { name?: unknown } | null)?.name;
    return typeof n === "string" || typeof n === "number" ? [String(n).trim()] : [];
  });
}

const parser = new XMLParser({
  isArray: (name) => name === "object",
  parseTagValue: false,
  ignoreAttributes: true,
});

/**
 * Parse one VOC xml text; returns the validated content or a message saying what is wrong. A DOCTYPE (the
 * carrier of external entities and entity-expansion bombs) is refused: VOC annotations never need one.
 */
export function parseVocXml(text: string): { ok: true; xml: VocXml } | { ok: false; message: string } {
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    return {
      ok: false,
      message:
        "refused XML: a DOCTYPE or ENTITY declaration (external entities and entity expansion are not allowed)",
    };
  const v = XMLValidator.validate(text);
  if (v !== true) return { ok: false, message: `malformed XML at line ${v.err.line}: ${v.err.msg}` };
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (e) {
    return { ok: false, message: `malformed XML: ${(e as Error).message.split("\n")[0]}` };
  }
  const r = VocXmlSchema.safeParse(doc);
  if (!r.success) return { ok: false, message: `invalid VOC annotation: ${formatZodIssues(r.error)}` };
  return { ok: true, xml: r.data };
}

/** Load a PASCAL VOC dataset (one split); see the module comment for the layout and the problem policy. */
export async function loadVoc(options: VocOptions): Promise<Dataset> {
  const o = parseWith(VocOptionsSchema, options, OP);
  const root = path.resolve(o.root);
  const annDir = path.resolve(root, o.annotationDir);
  const imgDir = path.resolve(root, o.imageDir);
  const log = new ProblemLog(OP, o.strict);
  if (!(await isDir(annDir)))
    throw new DataError(
      { op: OP, file: annDir, field: "annotationDir", value: o.annotationDir },
      `${o.annotationDir} folder not found (expected <root>/${o.annotationDir}/*.xml; set annotationDir to the folder of the xml files)`,
    );
  if (o.split && o.splitFile)
    throw new DataError(
      { op: OP, field: "splitFile", value: o.splitFile },
      `both split (${o.split}) and splitFile given; allowed: one of them`,
    );

  let ids: string[];
  const lineOf: number[] = []; // line of ids[i] in the split list
  let listFile: string;
  if (o.split || o.splitFile) {
    listFile = o.splitFile
      ? path.resolve(root, o.splitFile)
      : path.join(root, "ImageSets", "Main", `${o.split}.txt`);
    if (!(await isFile(listFile)))
      throw new DataError(
        {
          op: OP,
          file: listFile,
          field: o.splitFile ? "splitFile" : "split",
          value: o.splitFile ?? o.split,
        },
        "split list not found",
      );
    const seen = new Map<string, number>();
    ids = [];
    (await readText(listFile, OP)).split(/\r?\n/).forEach((l, i) => {
      const id = listEntryId(l.trim().split(/\s+/)[0] ?? "");
      if (!id) return;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, i + 1);
        ids.push(id);
        lineOf.push(i + 1);
      } else
        log.add({
          file: listFile,
          entry: `line ${i + 1}`,
          value: id,
          kind: "duplicate-id",
          message: `image id listed again (first at line ${first}); loaded once`,
          action: "skipped-entry",
        });
    });
  } else {
    listFile = annDir;
    ids = (await readdir(annDir))
      .filter((f) => f.endsWith(".xml"))
      .map((f) => f.slice(0, -4))
      .sort();
  }

  // Read and validate every xml of the split.
  const parsed = await mapLimit(ids, 16, async (id, i) => {
    const xmlPath = resolveInside(annDir, `${id}.xml`);
    if (!xmlPath.ok) {
      log.add({
        file: listFile,
        entry: `line ${lineOf[i] ?? i + 1}`,
        value: id,
        kind: "path-escape",
        message: `refused image id: ${xmlPath.reason}`,
        action: "skipped-image",
      });
      return null;
    }
    if (!(await isFile(xmlPath.path))) {
      log.add({
        file: xmlPath.path,
        entry: id,
        kind: "missing-annotation",
        message: "annotation xml not found",
        action: "skipped-image",
      });
      return null;
    }
    const real = await checkRealInside(annDir, xmlPath.path, o.allowLinksOutside);
    if (!real.ok) {
      log.add({
        file: xmlPath.path,
        entry: id,
        kind: "path-escape",
        message: `refused annotation: ${real.reason}`,
        action: "skipped-image",
      });
      return null;
    }
    const r = parseVocXml(await readText(xmlPath.path, OP));
    if (!r.ok) {
      log.add({
        file: xmlPath.path,
        entry: id,
        kind: "malformed-annotation",
        message: r.message,
        action: "skipped-image",
      });
      return null;
    }
    return { id, xmlFile: xmlPath.path, xml: r.xml.annotation };
  });

  const classNames = await resolveClasses(o.classes, parsed, annDir, o.allowLinksOutside);
  const index = new Map(classNames.map((n, k) => [n, k]));
  const off = o.oneBased ? 1 : 0;

  const records = await mapLimit(parsed, 16, async (p): Promise<SampleRecord | null> => {
    if (!p) return null;
    const { id, xmlFile, xml } = p;
    let name = `${id}.jpg`;
    if (xml.filename && !(await isFile(path.join(imgDir, name)))) name = xml.filename;
    const declared =
      xml.size && xml.size.width > 0 && xml.size.height > 0
        ? { width: xml.size.width, height: xml.size.height }
        : null;
    const c = await checkImageFile(
      imgDir,
      name,
      declared,
      o.checkImages,
      log,
      { file: xmlFile, entry: id, field: "filename" },
      o.allowLinksOutside,
    );
    if (!c) return null;
    const b = new AnnotationBuilder();
    xml.object.forEach((raw, j) => {
      const entry = `object[${j}]`;
      const r = VocObjectSchema.safeParse(raw);
      if (!r.success) {
        log.add({
          file: xmlFile,
          entry,
          value: raw,
          kind: "bad-entry",
          message: `object fails the schema: ${formatZodIssues(r.error)}`,
          action: "skipped-box",
        });
        return;
      }
      const obj = r.data;
      const k = index.get(obj.name);
      if (k === undefined) {
        log.add({
          file: xmlFile,
          entry,
          field: "name",
          value: obj.name,
          kind: "unknown-class",
          message: `class not in the class list (${classNames.join(", ")})`,
          action: "skipped-box",
        });
        return;
      }
      const bb = obj.bndbox;
      addCheckedBox(
        b,
        [bb.xmin - off, bb.ymin - off, bb.xmax, bb.ymax],
        c,
        k,
        k + 1,
        { difficult: obj.difficult, truncated: obj.truncated, ignore: obj.difficult && o.difficultAsIgnore },
        log,
        { file: xmlFile, entry, field: "bndbox" },
        o.clipTolerance,
      );
    });
    return { imageId: id, file: c.file, width: c.width, height: c.height, ...b.build() };
  });

  return createDataset({
    name:
      o.name ??
      `${path.basename(root)}${o.split ? `-${o.split}` : o.splitFile ? `-${path.basename(o.splitFile).replace(/\.[^.]*$/, "")}` : ""}`,
    format: "voc",
    root,
    classNames,
    categoryIds: classNames.map((_, k) => k + 1),
    records: records.filter((r): r is SampleRecord => r !== null),
    report: log.report(),
  });
}

/** The image id of a split-list entry: an id, or a file name (`images/0001.jpg`) without folders and extension. */
function listEntryId(entry: string): string {
  const base = entry.replace(/^.*[\\/]/, "");
  return /\.(xml|jpe?g|png|bmp|webp|tiff?)$/i.test(base) ? base.replace(/\.[^.]*$/, "") : entry;
}

async function resolveClasses(
  classes: "auto" | "voc20" | string[],
  parsed: ({ xml: VocXml["annotation"] } | null)[],
  annDir: string,
  allowLinksOutside: boolean,
): Promise<string[]> {
  if (Array.isArray(classes)) return classes;
  if (classes === "voc20") return [...VOC_CLASSES];
  const voc = new Set<string>(VOC_CLASSES);
  const names = new Set<string>();
  for (const p of parsed) if (p) for (const n of objectNames(p.xml)) names.add(n);
  if (names.size > 0 && [...names].every((n) => voc.has(n))) return [...VOC_CLASSES];
  // Not VOC's classes: scan every annotation of the dataset so all splits share one mapping.
  const all = new Set<string>();
  const files = (await readdir(annDir)).filter((f) => f.endsWith(".xml"));
  await mapLimit(files, 16, async (f) => {
    const file = path.join(annDir, f);
    if (!(await checkRealInside(annDir, file, allowLinksOutside)).ok) return; // refused: reported when loaded
    const r = parseVocXml(await readText(file, OP));
    if (r.ok) for (const n of objectNames(r.xml.annotation)) all.add(n);
  });
  if (all.size === 0)
    throw new DataError(
      { op: OP, file: annDir },
      "no object names found to build the class list; pass classes explicitly",
    );
  return [...all].sort();
}
