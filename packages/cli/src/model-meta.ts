/**
 * `kdet.json` beside a model folder's `model.json`: what is needed to use the weights on new
 * images — class names and the dataset's category ids, the input size and the post-processing.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { CliError } from "./errors";
import { writeRunFile } from "./run-folder";

/** The metadata file's schema. */
export const ModelMetaSchema = z
  .object({
    format: z.literal("kdet-model-meta"),
    classNames: z.array(z.string()).min(1),
    categoryIds: z.array(z.number().int()).min(1),
    /** Square network input (images are letterboxed to it; pixels scaled to 0..1, RGB, NHWC). */
    imageSize: z.number().int().positive(),
    postprocess: z
      .object({ scoreThreshold: z.number(), iouThreshold: z.number(), maxDetections: z.number().int() })
      .strict(),
  })
  .strict();
/** Parsed metadata. */
export type ModelMeta = z.output<typeof ModelMetaSchema>;

/** File name of the metadata inside a model folder. */
export const META_FILE = "kdet.json";

/** Writes `dir/kdet.json` (atomically). */
export async function writeModelMeta(dir: string, meta: Omit<ModelMeta, "format">): Promise<void> {
  await writeRunFile(
    path.join(dir, META_FILE),
    JSON.stringify({ format: "kdet-model-meta", ...meta }, null, 1),
  );
}

/** Reads and validates `dir/kdet.json` (undefined when absent). */
export function readModelMeta(dir: string): ModelMeta | undefined {
  const file = path.join(dir, META_FILE);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${file}: not JSON (${(e as Error).message})`);
  }
  const r = ModelMetaSchema.safeParse(raw);
  if (!r.success)
    throw new CliError(
      `${file}: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return r.data;
}
