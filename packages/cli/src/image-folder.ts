/**
 * An unlabeled dataset of image files (for `kdet predict`): files and folders (not recursive) with
 * image extensions, sizes from their headers, class names from the model's metadata. Image ids are
 * the file names without extension.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import {
  createDataset,
  emptyAnnotations,
  emptyReport,
  IMAGE_EXTENSIONS,
  readImageHeader,
  type Dataset,
  type SampleRecord,
} from "@kdet/data";
import { CliError } from "./errors";

/** The image files named by `inputs` (files as given, folders listed and sorted). */
export function listImages(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const inside = readdirSync(p)
        .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
        .sort();
      files.push(...inside.map((f) => path.resolve(p, f)));
    } else files.push(path.resolve(p));
  }
  if (files.length === 0)
    throw new CliError(
      `no images in ${inputs.join(", ")}; allowed: ${IMAGE_EXTENSIONS.join(", ")} files or folders holding them`,
    );
  return files;
}

/** A dataset over `files` without annotations. */
export async function imageFolderDataset(
  files: readonly string[],
  classNames: string[],
  categoryIds: number[],
): Promise<Dataset> {
  const records: SampleRecord[] = [];
  for (const file of files) {
    let h;
    try {
      h = await readImageHeader(file);
    } catch (e) {
      throw new CliError(`${file}: not a readable image (${(e as Error).message})`);
    }
    records.push({
      ...emptyAnnotations(),
      imageId: path.basename(file).replace(/\.[^.]+$/, ""),
      file,
      width: h.width,
      height: h.height,
    });
  }
  const root = files.length === 1 ? path.dirname(files[0]!) : commonDir(files);
  return createDataset({
    name: "images",
    format: "coco",
    root,
    classNames,
    categoryIds,
    records,
    report: emptyReport(),
  });
}

function commonDir(files: readonly string[]): string {
  let dir = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(dir + path.sep))) dir = path.dirname(dir);
  return dir;
}
