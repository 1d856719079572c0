/**
 * Resolving file names from annotation files without leaving the dataset folder.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";

/** Result of resolving a relative file name inside a root folder. */
export type SafePath = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Resolve `name` (from an annotation file) inside `root`. Backslashes count as separators (Windows-made files).
 * Refused: empty names, NUL bytes, absolute paths (`/x`, `C:\x`), and any name whose normalised form leaves `root`
 * (`../../etc/passwd`). The check is lexical; {@link checkRealInside} then checks where symbolic links lead.
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

/**
 * Checks that the existing file `file` (already resolved inside `root`) really lies inside `root` once
 * symbolic links are followed: a link that leads out of the dataset folder is refused (nothing of the
 * target is read) unless `allowOutside`. A missing file passes (the caller reports it as missing).
 */
export async function checkRealInside(root: string, file: string, allowOutside = false): Promise<SafePath> {
  if (allowOutside) return { ok: true, path: file };
  let real: string;
  let realRoot: string;
  try {
    real = await realpath(file);
    realRoot = await realpath(root);
  } catch {
    return { ok: true, path: file };
  }
  const rel = path.relative(realRoot, real);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel))
    return {
      ok: false,
      reason: `a symbolic link leads outside the dataset folder ${root} (set allowLinksOutside: true to follow it)`,
    };
  return { ok: true, path: file };
}
