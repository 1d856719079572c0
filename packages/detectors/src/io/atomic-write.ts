/**
 * Atomic file writes of this package (checkpoints, weights, teacher caches, graph exports). `@kdet/data` exports the
 * same helper for everyone else (`writeFileAtomic`, with an `exclusive` option); the architecture's import rules let
 * neither package import the other, so detectors keeps this private copy.
 */
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` to `file` atomically and durably: a temporary file beside it
 * (`<file>.tmp-<pid>-<n>`), fsync, rename over the target, then fsync of the directory (so the
 * rename itself survives a power loss). A reader never sees a half-written file and a crash leaves
 * the previous version intact.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${counter++}`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/**
 * Fsyncs a directory (its entries: created, renamed or removed files) so they survive a power loss.
 * Platforms that cannot open a directory for syncing (Windows: EISDIR/EPERM) are skipped.
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

let counter = 0;
