/**
 * FLIR ADAS thermal loader (Teledyne FLIR "free ADAS thermal dataset"), v1 and v2. Both are COCO json inside;
 * this module knows where the files are and how the categories are named, then uses `loadCoco`.
 *
 * v1 (FLIR_ADAS_1_3):
 * ```
 * <root>/<split>/thermal_annotations.json   split = train | val | video; file_name "thermal_8_bit/FLIR_00001.jpeg"
 * <root>/<split>/thermal_8_bit/*.jpeg       8-bit AGC frames, 640×512
 * <root>/<split>/thermal_16_bit/*.tiff      16-bit raw frames (where present)
 * ```
 * v2 (FLIR_ADAS_v2):
 * ```
 * <root>/images_thermal_<split>/coco.json   split = train | val; file_name "data/video-….jpg"
 * <root>/video_thermal_test/coco.json       split = test
 * ```
 * Categories (COCO-style ids chosen by FLIR):
 * - v1 ReadMe: 1 person, 2 bicycle (bicycles and motorcycles), 3 car, 18 dog, 91 other vehicle
 *   (`FLIR_V1_CATEGORIES`).
 * - v2: the 4 v1 classes named person, bike, car, dog plus the extras motor, bus, train, truck, light, hydrant,
 *   sign, skateboard, stroller, scooter, other vehicle (`FLIR_V2_CLASS_NAMES`); ids are read from the file.
 * - `categories` selects by id or name; names match case-insensitively with the aliases bike ≡ bicycle,
 *   motor ≡ motorcycle, `other vehicle` ≡ other_vehicle. Default: `FLIR_COMMON_CLASSES`
 *   (person, bicycle, car, dog) — the classes both versions share; `"all"` keeps every category of the file.
 * - `thermal16: true` (v1) loads `thermal_16_bit/<stem>.tiff` instead of the 8-bit frame where it exists (a `note`
 *   counts the frames without one); 16-bit pixels become float32 by `highBitDepth` (default `stretch`: per-frame
 *   min–max to 0..1, since raw counts span a narrow band of the 16-bit range).
 * The problem policy is COCO's (`coco-loader.ts`).
 */
import path from "node:path";
import { z } from "zod";
import { loadCoco } from "./coco-loader";
import { DataError, parseWith } from "./errors";
import { ImageCheckSchema } from "./image-check";
import { isDir, isFile } from "./read-file";
import { resolveInside } from "./safe-path";
import type { Dataset } from "./types";

const OP = "load FLIR";

/** FLIR ADAS v1 categories as documented in its ReadMe (COCO numbering where possible). */
export const FLIR_V1_CATEGORIES = [
  { id: 1, name: "person" },
  { id: 2, name: "bicycle" },
  { id: 3, name: "car" },
  { id: 18, name: "dog" },
  { id: 91, name: "other vehicle" },
] as const;

/** FLIR ADAS v2 class names (15 annotated classes); ids come from each `coco.json`. */
export const FLIR_V2_CLASS_NAMES = [
  "person",
  "bike",
  "car",
  "motor",
  "bus",
  "train",
  "truck",
  "light",
  "hydrant",
  "sign",
  "dog",
  "skateboard",
  "stroller",
  "scooter",
  "other vehicle",
] as const;

/** The classes v1 and v2 share, the default selection. */
export const FLIR_COMMON_CLASSES = ["person", "bicycle", "car", "dog"] as const;

/** Name aliases between FLIR versions (and COCO): lower-case name → canonical lower-case name. */
export const FLIR_ALIASES: Record<string, string> = {
  bike: "bicycle",
  motor: "motorcycle",
  other_vehicle: "other vehicle",
};

/** Options of `loadFlir`. */
export const FlirOptionsSchema = z.object({
  root: z.string().min(1),
  version: z.enum(["v1", "v2", "auto"]).default("auto"),
  split: z.string().min(1).default("train"),
  categories: z
    .union([z.literal("all"), z.array(z.union([z.number().int(), z.string().min(1)])).min(1)])
    .default([...FLIR_COMMON_CLASSES]),
  thermal16: z.boolean().default(false),
  highBitDepth: z.enum(["float", "stretch", "uint8"]).default("stretch"),
  checkImages: ImageCheckSchema.default("header"),
  strict: z.boolean().default(false),
  /** Follow symbolic links to images outside the dataset folder (refused by default). */
  allowLinksOutside: z.boolean().default(false),
  name: z.string().optional(),
});
/** Input of `loadFlir`. */
export type FlirOptions = z.input<typeof FlirOptionsSchema>;

/** Where the json and the image folder of a FLIR split are, per version. */
export function flirSplitPaths(
  root: string,
  version: "v1" | "v2",
  split: string,
): { annotationFile: string; imageDir: string } {
  if (version === "v1") {
    const dir = path.join(root, split);
    return { annotationFile: path.join(dir, "thermal_annotations.json"), imageDir: dir };
  }
  const dir = path.join(root, split === "test" ? "video_thermal_test" : `images_thermal_${split}`);
  return { annotationFile: path.join(dir, "coco.json"), imageDir: dir };
}

/** Load one split of FLIR ADAS v1 or v2; see the module comment. */
export async function loadFlir(options: FlirOptions): Promise<Dataset> {
  const o = parseWith(FlirOptionsSchema, options, OP);
  const root = path.resolve(o.root);
  let version = o.version;
  if (version === "auto") {
    if (await isFile(flirSplitPaths(root, "v2", o.split).annotationFile)) version = "v2";
    else if (await isFile(flirSplitPaths(root, "v1", o.split).annotationFile)) version = "v1";
    else {
      throw new DataError(
        {
          op: OP,
          file: root,
          field: "split",
          value: o.split,
          allowed:
            "v1: <root>/<split>/thermal_annotations.json; v2: <root>/images_thermal_<split>/coco.json or video_thermal_test/coco.json",
        },
        "no FLIR annotation file found for this split",
      );
    }
  }
  if (o.thermal16 && version !== "v1")
    throw new DataError(
      { op: OP, file: root, field: "thermal16", value: true, allowed: "v1 only" },
      "16-bit frames are part of FLIR v1 only",
    );
  const { annotationFile, imageDir } = flirSplitPaths(root, version, o.split);
  if (!(await isDir(imageDir))) throw new DataError({ op: OP, file: imageDir }, "split folder not found");

  let missing16 = 0;
  const fileFor = o.thermal16
    ? async (img: { file_name: string }): Promise<string> => {
        const stem = path.basename(img.file_name).replace(/\.[^.]+$/, "");
        const rel = `thermal_16_bit/${stem}.tiff`;
        const p = resolveInside(imageDir, rel);
        if (p.ok && (await isFile(p.path))) return rel;
        missing16++;
        return img.file_name;
      }
    : undefined;

  const ds = await loadCoco(
    {
      annotationFile,
      imageDir,
      categories: o.categories === "all" ? undefined : o.categories,
      checkImages: o.checkImages,
      strict: o.strict,
      allowLinksOutside: o.allowLinksOutside,
      name: o.name ?? `flir-${version}-${o.split}`,
    },
    { format: "flir", op: OP, decode: { highBitDepth: o.highBitDepth }, fileFor, aliases: FLIR_ALIASES },
  );
  if (missing16 > 0) {
    ds.report.problems.push({
      file: path.join(imageDir, "thermal_16_bit"),
      kind: "no-16-bit-frame",
      value: missing16,
      message: `${missing16} frames have no 16-bit TIFF; their 8-bit frame is used`,
      action: "note",
    });
  }
  return ds;
}
