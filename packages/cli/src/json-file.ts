/**
 * Reading back the JSON files kdet wrote (run manifests, done.json, …): parsed, keys checked for
 * prototype names, validated by a zod schema; every error names the file and the bad field.
 */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { CliError } from "./errors";
import { checkSafeKeys } from "./safe-keys";

/** Reads and validates `file`; `what` says what the file is (e.g. "run manifest"). */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read the ${what} ${file}: ${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(
      `${file}: the ${what} is not valid JSON (${(e as Error).message}); the file is damaged (a crash while it was written?)`,
    );
  }
  checkSafeKeys(raw, file);
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CliError(
      `${file}: invalid ${what}: ${r.error.issues
        .map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`)
        .join("; ")}`,
    );
  return r.data;
}
