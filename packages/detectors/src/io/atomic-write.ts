import { open, rename, rm } from "node:fs/promises";

/**
 * Writes `data` to `file` atomically: a temporary file beside it (`<file>.tmp-<pid>-<n>`), fsync,
 * then rename over the target, so a reader never sees a half-written file and a crash leaves the
 * previous version intact.
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
  await rename(tmp, file);
}

let counter = 0;
