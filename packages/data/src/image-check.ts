/**
 * Load-time checks of image files, shared by the loaders: path inside the root, existence, and (by default) a
 * header read that proves the file is a readable JPEG/PNG/TIFF and gives its oriented size.
 */
import { z } from "zod";
import { DataError, type ProblemLog } from "./errors";
import { readImageHeader } from "./image-header";
import { isFile } from "./read-file";
import { checkRealInside, resolveInside } from "./safe-path";

/**
 * How much a loader checks each image when loading: `header` (default) reads the header (existence, format,
 * truncation inside the header, size against the annotation); `exists` only stats the file; `none` trusts the
 * annotation (formats without a size in the annotations, such as YOLO, always read the header).
 */
export const ImageCheckSchema = z.enum(["header", "exists", "none"]);
/** See `ImageCheckSchema`. */
export type ImageCheck = z.infer<typeof ImageCheckSchema>;

/** Where an image entry came from, for reports. */
export interface ImageEntrySource {
  /** The annotation file (or folder) that lists the image. */
  file: string;
  entry: string | number;
  field: string;
}

/**
 * Resolve `name` inside `root` and check the image file. Returns its absolute path and size, or `null` after
 * reporting a skipped image (path escaping the root, missing file, unreadable header, size mismatch).
 * `declared` is the size the annotations state (or `null` when they state none: then the header is read). A
 * symbolic link that leads outside `root` is refused (and nothing of its target read) unless `allowLinksOutside`.
 */
export async function checkImageFile(
  root: string,
  name: string,
  declared: { width: number; height: number } | null,
  mode: ImageCheck,
  log: ProblemLog,
  src: ImageEntrySource,
  allowLinksOutside = false,
): Promise<{ file: string; width: number; height: number } | null> {
  const where = { file: src.file, entry: src.entry, field: src.field, value: name };
  const p = resolveInside(root, name);
  if (!p.ok) {
    log.add({
      ...where,
      kind: "path-escape",
      message: `refused image path: ${p.reason}`,
      action: "skipped-image",
    });
    return null;
  }
  if (mode === "none" && declared) return { file: p.path, ...declared };
  const real = await checkRealInside(root, p.path, allowLinksOutside);
  if (!real.ok) {
    log.add({
      ...where,
      kind: "path-escape",
      message: `refused image: ${real.reason}`,
      action: "skipped-image",
    });
    return null;
  }
  if (mode === "exists" && declared) {
    if (await isFile(p.path)) return { file: p.path, ...declared };
    log.add({
      ...where,
      kind: "missing-image",
      message: `image file not found: ${p.path}`,
      action: "skipped-image",
    });
    return null;
  }
  try {
    const h = await readImageHeader(p.path);
    if (declared && (h.width !== declared.width || h.height !== declared.height)) {
      log.add({
        ...where,
        kind: "size-mismatch",
        message: `annotation says ${declared.width}x${declared.height} but ${p.path} is ${h.width}x${h.height}${h.orientation > 1 ? ` after EXIF orientation ${h.orientation}` : ""}`,
        action: "skipped-image",
      });
      return null;
    }
    return { file: p.path, width: h.width, height: h.height };
  } catch (e) {
    const missing = e instanceof DataError && /ENOENT/.test(e.message);
    log.add({
      ...where,
      kind: missing ? "missing-image" : "unreadable-image",
      message: missing ? `image file not found: ${p.path}` : (e as Error).message,
      action: "skipped-image",
    });
    return null;
  }
}
