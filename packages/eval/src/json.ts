import {
  type Stats,
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  readSync,
  statSync,
} from "node:fs";
import { constants as bufferConstants } from "node:buffer";
import { type ZlibOptions, createGunzip, gunzipSync } from "node:zlib";
import { EvalInputError, INF_TOKEN, NAN_TOKEN, NEG_INF_TOKEN } from "./errors";

/**
 * The longest JSON text `JSON.parse` can take: V8's string length limit (2^29 - 24 characters on 64-bit). The
 * generic parser needs the whole file as one string; the fast column loader does not.
 */
export const MAX_STRING_LENGTH: number = bufferConstants.MAX_STRING_LENGTH;

/**
 * Default limit on the (uncompressed) size of one input file: 512 MiB, capped at MAX_STRING_LENGTH so that
 * every accepted file can also go through `JSON.parse` when it needs the generic path. COCO's largest
 * instances file (train2017, 448 MB) fits.
 */
export const DEFAULT_MAX_INPUT_BYTES: number = Math.min(512 * 2 ** 20, MAX_STRING_LENGTH);

/** A size in MiB with one decimal at most ("512 MiB", "0.5 MiB"). */
const mib = (n: number) => `${Number((n / 2 ** 20).toFixed(1))} MiB`;

/**
 * Reads an input file into memory, gunzipped when it starts with the gzip magic bytes (so `.json.gz` and
 * mislabelled files both work). Only regular files are read (a device such as /dev/zero, a FIFO or a directory
 * is refused before any read), and neither the file nor its gzip content may exceed `maxBytes` (the size is
 * checked before reading; gunzip stops at the limit, so a gzip bomb costs at most `maxBytes` of memory).
 */
export function readInputFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Buffer {
  const raw = readRawFile(path, maxBytes);
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: Math.max(1, maxBytes), chunkSize: gunzipChunk(raw, maxBytes) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(path, maxBytes);
    throw new EvalInputError(`corrupt gzip data: ${(e as Error).message}`, path);
  }
}

/**
 * readInputFile, with gzip content inflated on libuv's thread pool and handed to `onPiece` as it arrives (the
 * bytes so far, a view of one growing buffer), so that a caller can scan while the rest is decompressed. The
 * same checks and limits; resolves to the whole content (`onPiece` is not called for plain files).
 */
export async function readInputFileStreaming(
  path: string,
  maxBytes: number,
  onPiece: (prefix: Uint8Array) => void,
): Promise<Buffer> {
  const raw = readRawFile(path, maxBytes);
  if (!isGzip(raw)) return raw;
  let out = Buffer.allocUnsafe(gunzipChunk(raw, maxBytes));
  let n = 0;
  const gz = createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: 1 << 30 } as ZlibOptions);
  gz.end(raw);
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      if (n + chunk.length > maxBytes) {
        gz.destroy();
        throw tooLarge(path, maxBytes);
      }
      if (n + chunk.length > out.length) {
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(2 * out.length, n + chunk.length)));
        out.copy(bigger, 0, 0, n);
        out = bigger;
      }
      chunk.copy(out, n);
      n += chunk.length;
      onPiece(out.subarray(0, n));
    }
  } catch (e) {
    if (e instanceof EvalInputError) throw e;
    if (!(e instanceof Error && "errno" in e)) throw e; // the consumer's error, not zlib's
    throw new EvalInputError(`corrupt gzip data: ${e.message}`, path);
  }
  return out.subarray(0, n);
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

const tooLarge = (path: string, maxBytes: number) =>
  new EvalInputError(
    `the gzip data expands past the input limit of ${mib(maxBytes)} (raise it with --max-input-mb / maxInputBytes)`,
    path,
  );

/** The bytes of a regular file of at most maxBytes (checked before reading). */
function readRawFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // stat before open: opening a FIFO for reading would block until a writer appears
    refuseSpecial(statSync(path), path);
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof EvalInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String((e as Error).message);
    throw new EvalInputError(`cannot read: ${why}`, path);
  }
  try {
    const st = fstatSync(fd);
    refuseSpecial(st, path);
    if (st.size > maxBytes) {
      throw new EvalInputError(
        `the file is ${mib(st.size)}, over the input limit of ${mib(maxBytes)} (raise it with --max-input-mb / maxInputBytes)`,
        path,
      );
    }
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break; // the file shrank while being read
      off += n;
    }
    return buf.subarray(0, off);
  } catch (e) {
    if (e instanceof EvalInputError) throw e;
    throw new EvalInputError(`cannot read: ${(e as Error).message}`, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Output chunk size for gunzip: the size the gzip trailer announces (ISIZE, the last member's size mod 2^32), so
 * that a typical file inflates into one buffer without a final copy; only a hint (bounded by the limit and by
 * deflate's maximum ratio of 1032:1), a wrong value just costs more chunks.
 */
function gunzipChunk(gz: Buffer, maxBytes: number): number {
  const isize = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  return Math.max(1 << 16, Math.min(isize + 64, maxBytes + 64, gz.length * 1032 + (1 << 16)));
}

function refuseSpecial(st: Stats, path: string): void {
  if (st.isDirectory()) throw new EvalInputError("cannot read: is a directory", path);
  if (!st.isFile()) {
    throw new EvalInputError(
      "cannot read: not a regular file (a device, FIFO or socket); give a JSON file, or save the stream to a file first",
      path,
    );
  }
}

/** Decodes UTF-8 bytes for `JSON.parse`, with a clear error past the string length limit. */
export function decodeText(buf: Uint8Array, source: string): string {
  if (buf.length > MAX_STRING_LENGTH) {
    throw new EvalInputError(
      `the file is ${mib(buf.length)}, too large for JSON.parse (V8's string limit is ${mib(MAX_STRING_LENGTH)})`,
      source,
    );
  }
  return Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString("utf8");
}

/** Reads a file as text (see readInputFile for the limits). */
export function readTextFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): string {
  return decodeText(readInputFile(path, maxBytes), path);
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
export function readJsonFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): unknown {
  return parseJson(readTextFile(path, maxBytes), path);
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
