/**
 * Reading annotation files with errors that name the file, plus a small concurrency-limited map.
 */
import { readFile, stat } from "node:fs/promises";
import { DataError } from "./errors";

/** Read a UTF-8 text file; a missing or unreadable file throws a `DataError` naming it. */
export async function readText(file: string, op: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      { op, file },
      code === "ENOENT" ? "file not found" : `cannot read (${code ?? (e as Error).message})`,
    );
  }
}

/** Read and parse a JSON file; malformed JSON throws a `DataError` with the parser's position message. */
export async function readJson(file: string, op: string): Promise<unknown> {
  const text = await readText(file, op);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError({ op, file }, `malformed JSON: ${(e as Error).message}`);
  }
}

/** True when `file` exists and is a regular file. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** True when `dir` exists and is a directory. */
export async function isDir(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
