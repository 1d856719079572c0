import { open, readFile } from "node:fs/promises";
import { writeFileAtomic } from "../io/atomic-write";

/**
 * Trims a trainer's `metrics.jsonl` (one JSON object with a numeric `step` per line) to the lines of
 * steps `<= step`, so a run resumed from a checkpoint at `step` does not log the lost steps twice.
 * A torn final line (no newline: the process died mid-write) is dropped; a malformed line before it
 * is an error naming the file and line. The file is rewritten atomically, only when something
 * changes. Returns the number of lines dropped (0 when the file does not exist).
 */
export async function trimMetricsFile(file: string, step: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  const lines = text.split("\n");
  const torn = lines.pop() !== ""; // text ends with "\n" unless the last write was cut
  const kept: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let s: unknown;
    try {
      s = (JSON.parse(line) as { step?: unknown }).step;
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not a JSON line (${(e as Error).message})`);
    }
    if (typeof s !== "number") throw new Error(`${file}:${i + 1}: no numeric "step" in the line`);
    if (s <= step) kept.push(line);
  });
  const dropped = lines.filter((l) => l.trim() !== "").length - kept.length + (torn ? 1 : 0);
  if (dropped > 0) await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(""));
  return dropped;
}

/** Fsyncs `file` (its appended lines reach the disk); a missing file is skipped. */
export async function syncFile(file: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r+");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
