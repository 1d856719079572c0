/**
 * Resolving file names from annotation files without leaving the dataset folder.
 */
import path from "node:path";

/** Result of resolving a relative file name inside a root folder. */
export type SafePath = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolve `name` (from an annotation file) inside `root`. Backslashes count as separators (Windows-made files).
 * Refused: empty names, NUL bytes, absolute paths (`/x`, `C:\x`), and any name whose normalised form leaves `root`
 * (`../../etc/passwd`). The check is lexical: symbolic links inside the dataset are followed as the user set them up.
 */
export function resolveInside(root: string, name: string): SafePath {
  if (name.length === 0) return { ok: false, reason: "empty file name" };
  if (name.includes("\0")) return { ok: false, reason: "NUL byte in file name" };
  const norm = name.replace(/\\/g, "/");
  if (norm.startsWith("/") || /^[a-zA-Z]:\//.test(norm))
    return { ok: false, reason: "absolute path not allowed" };
  const absRoot = path.resolve(root);
  const full = path.resolve(absRoot, norm);
  const rel = path.relative(absRoot, full);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    return { ok: false, reason: `path leaves the dataset folder ${absRoot}` };
  }
  return { ok: true, path: full };
}
