import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { EvalInputError, INF_TOKEN, NAN_TOKEN, NEG_INF_TOKEN } from "./errors";

/** Reads a file as text; gzip is detected by its magic bytes (so `.json.gz` and mislabelled files both work). */
export function readTextFile(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a directory"
          : String((e as Error).message);
    throw new EvalInputError(`cannot read: ${why}`, path);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new EvalInputError(`corrupt gzip data: ${(e as Error).message}`, path);
    }
  }
  return buf.toString("utf8");
}

/**
 * JSON.parse with errors that name the source and give line:column. Python's json module writes NaN / Infinity
 * as bare tokens, which are not JSON; they are accepted here and turned into marker strings so that validation can
 * report "score is NaN" at the right entry instead of a bare syntax error.
 */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const fixed = replaceNonFiniteTokens(text);
    if (fixed !== null) {
      try {
        return JSON.parse(fixed);
      } catch {
        /* report the original error below */
      }
    }
    throw new EvalInputError(`malformed JSON: ${jsonErrorText(e as Error, text)}`, source);
  }
}

/** readTextFile + parseJson. */
export function readJsonFile(path: string): unknown {
  return parseJson(readTextFile(path), path);
}

function jsonErrorText(e: Error, text: string): string {
  const msg = e.message;
  const m = /position (\d+)/.exec(msg);
  if (text.trim() === "") return "the file is empty";
  if (!m) return msg;
  const pos = Number(m[1]);
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `${msg.replace(/\s*\(line \d+ column \d+\)/, "")} (line ${line}, column ${col})`;
}

/** Replaces bare NaN, Infinity, -Infinity outside strings by marker strings; null if there are none. */
function replaceNonFiniteTokens(text: string): string | null {
  if (!/NaN|Infinity/.test(text)) return null;
  let out = "";
  let last = 0;
  let inStr = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 92) i++;
      else if (c === 34) inStr = false;
      continue;
    }
    if (c === 34) {
      inStr = true;
      continue;
    }
    let tok: string | null = null;
    let len = 0;
    if (c === 78 && text.startsWith("NaN", i)) [tok, len] = [NAN_TOKEN, 3];
    else if (c === 73 && text.startsWith("Infinity", i)) [tok, len] = [INF_TOKEN, 8];
    else if (c === 45 && text.startsWith("-Infinity", i)) [tok, len] = [NEG_INF_TOKEN, 9];
    if (tok !== null) {
      out += text.slice(last, i) + JSON.stringify(tok);
      i += len - 1;
      last = i + 1;
      found = true;
    }
  }
  return found ? out + text.slice(last) : null;
}
