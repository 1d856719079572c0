/**
 * Atomic, durable file and folder writes: the content goes to a temporary name in the same folder, is fsynced and
 * then renamed (or hard-linked) into place, and the parent folder is fsynced, so a reader or a crash never leaves a
 * half-written file behind: either the previous version or the new one is there.
 *
 * `@kdet/detectors` keeps a private copy of `writeFileAtomic` for its checkpoints and weights: the import rules of
 * the architecture document let neither package import the other, and this helper needs no TensorFlow.js.
 */
import { existsSync } from "node:fs";
import { link, mkdir, open, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { DataError } from "./errors";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Refuse to replace an existing `file` (checked atomically when it is committed); default false: replace it. */
  exclusive?: boolean;
  /** Operation named in errors (default "write file"). */
  op?: string;
}

let counter = 0;

/** A temporary path beside `target` (same folder, so the final rename stays on one file system). */
export function tempPathBeside(target: string): string {
  return `${target}.tmp-${process.pid}-${counter++}`;
}

/** The error for an existing target that the caller did not allow to be replaced. */
export function existsError(op: string, target: string): DataError {
  return new DataError(
    { op, file: target },
    "already exists and is not overwritten (pass overwrite: true to replace it, or choose another path)",
  );
}

/**
 * Writes `data` to `file` atomically and durably: a temporary file beside it, fsync, rename over the target (or,
 * with `exclusive`, a hard link that fails if the target exists), then fsync of the folder so the rename itself
 * survives a power loss. With `exclusive`, an existing `file` is a `DataError` naming it and nothing is written.
 */
export async function writeFileAtomic(
  file: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const op = options.op ?? "write file";
  if (options.exclusive && existsSync(file)) throw existsError(op, file);
  const tmp = tempPathBeside(file);
  try {
    await writeFileSynced(tmp, data);
    if (options.exclusive) await commitExclusive(tmp, file, op);
    else await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  await fsyncDir(path.dirname(file));
}

/** Writes a new file (refused if it exists) and fsyncs it: the files of a folder built by {@link writeDirAtomic}. */
export async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, "wx");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Links `tmp` to `file` unless `file` exists (atomic check); file systems without hard links check, then rename. */
async function commitExclusive(tmp: string, file: string, op: string): Promise<void> {
  try {
    await link(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw existsError(op, file);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw e;
    if (existsSync(file)) throw existsError(op, file);
    await rename(tmp, file);
  }
}

/**
 * Builds a folder atomically: `fill` writes into a fresh temporary folder beside `dir`, which is then renamed to
 * `dir` and the parent folder fsynced. An existing `dir` is a `DataError` naming it unless it is an empty folder or
 * `overwrite` is set, in which case the old folder is removed after the new one is in place. If `fill` throws, the
 * temporary folder is removed and `dir` is untouched. Files written by `fill` should be fsynced
 * ({@link writeFileSynced}) for the folder to be durable as well as atomic.
 */
export async function writeDirAtomic<T>(
  dir: string,
  fill: (tmpDir: string) => Promise<T>,
  options: { overwrite?: boolean; op?: string } = {},
): Promise<T> {
  const op = options.op ?? "write folder";
  const target = path.resolve(dir);
  if (!options.overwrite && !(await isAbsentOrEmptyDir(target))) throw existsError(op, target);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathBeside(target);
  await mkdir(tmp);
  let result: T;
  try {
    result = await fill(tmp);
    await fsyncDir(tmp);
    if (options.overwrite && existsSync(target)) {
      const old = tempPathBeside(`${target}.old`);
      await rename(target, old);
      try {
        await rename(tmp, target);
      } catch (e) {
        await rename(old, target); // put the previous folder back
        throw e;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      if (await isAbsentOrEmptyDir(target)) await rmdir(target).catch(() => {});
      // a folder or file that appeared meanwhile makes the rename fail: refused, never replaced
      await rename(tmp, target).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOTEMPTY" || e.code === "EEXIST" || e.code === "ENOTDIR")
          throw existsError(op, target);
        throw e;
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await fsyncDir(path.dirname(target));
  return result;
}

/** True when nothing is at `p`, or an empty folder. */
async function isAbsentOrEmptyDir(p: string): Promise<boolean> {
  if (!existsSync(p)) return true;
  try {
    return (await readdir(p)).length === 0;
  } catch {
    return false; // a file, or unreadable
  }
}

/**
 * Fsyncs a folder (its entries: created, renamed or removed files) so they survive a power loss. Platforms that
 * cannot open a folder for syncing (Windows: EISDIR/EPERM) are skipped.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw e;
  } finally {
    await fh?.close();
  }
}
