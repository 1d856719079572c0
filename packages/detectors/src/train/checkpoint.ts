import * as tf from "@tensorflow/tfjs-core";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../io/atomic-write";
import { NonFiniteError } from "./non-finite";

const MAGIC = "KDETCKPT";

const headerSchema = z
  .object({
    format: z.literal("kdet-checkpoint"),
    version: z.union([z.literal(1), z.literal(2)]),
    /** Version 2: SHA-256 (hex) of the tensor bytes that follow the header. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    state: z.record(z.string(), z.unknown()),
    weights: z.array(
      z
        .object({
          name: z.string(),
          shape: z.array(z.number().int().min(0)),
          dtype: z.enum(["float32", "int32", "bool"]),
        })
        .passthrough(),
    ),
  })
  .strict();

/** A checkpoint: JSON state plus named tensors (prefixes by convention: `model/`, `ema/`, `optim/`, `adapter/`). */
export interface Checkpoint {
  state: Record<string, unknown>;
  tensors: Record<string, tf.Tensor>;
}

/**
 * Writes a checkpoint as one file, atomically (temporary file + fsync + rename + directory fsync):
 * the 8-byte magic `KDETCKPT`, a little-endian uint32 header length, the JSON header (format
 * version 2: state, tfjs weight specs and the SHA-256 of the tensor bytes), then the tensor bytes in
 * tfjs weights layout. Tensors are read, not disposed; a non-finite float tensor is refused (a
 * checkpoint is only ever written from good weights).
 */
export async function writeCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(ckpt.tensors);
  const bad = firstNonFinite(new Uint8Array(data), specs);
  if (bad)
    throw new NonFiniteError(
      `writeCheckpoint: ${file}: tensor "${bad}" holds NaN or Inf values; not written`,
    );
  const sha256 = createHash("sha256").update(new Uint8Array(data)).digest("hex");
  const header = new TextEncoder().encode(
    JSON.stringify({ format: "kdet-checkpoint", version: 2, sha256, state: ckpt.state, weights: specs }),
  );
  const out = new Uint8Array(12 + header.length + data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(new Uint8Array(data), 12 + header.length);
  await writeFileAtomic(file, out);
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint} and verifies it: magic, header schema, the
 * byte count, the SHA-256 of the tensor bytes (version 2) and that every float tensor is finite.
 * Errors name the file and what is wrong. The caller owns (disposes) the tensors.
 */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new Error(`readCheckpoint: cannot read ${file}: ${(e as Error).message}`);
  }
  if (buf.length < 12 || buf.subarray(0, 8).toString("latin1") !== MAGIC)
    throw new Error(`readCheckpoint: ${file} is not a kdet checkpoint (magic "${MAGIC}" missing)`);
  const n = buf.readUInt32LE(8);
  if (12 + n > buf.length)
    throw new Error(`readCheckpoint: ${file} is truncated (header of ${n} bytes, file ${buf.length})`);
  let header: z.output<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(buf.subarray(12, 12 + n).toString("utf8")));
  } catch (e) {
    throw new Error(`readCheckpoint: ${file} has an invalid header: ${(e as Error).message}`);
  }
  const body = buf.subarray(12 + n);
  const expected = header.weights.reduce((a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
  if (body.length !== expected)
    throw new Error(
      `readCheckpoint: ${file} holds ${body.length} tensor bytes, the header describes ${expected}`,
    );
  if (header.version === 2) {
    const sum = createHash("sha256").update(body).digest("hex");
    if (sum !== header.sha256)
      throw new Error(
        `readCheckpoint: ${file} is corrupt: SHA-256 of its tensor bytes is ${sum.slice(0, 12)}…, its header says ${String(header.sha256).slice(0, 12)}…`,
      );
  }
  const copy = new Uint8Array(body.length);
  copy.set(body);
  const bad = firstNonFinite(copy, header.weights);
  if (bad) throw new Error(`readCheckpoint: ${file}: tensor "${bad}" holds NaN or Inf values`);
  const tensors = tf.io.decodeWeights(copy.buffer, header.weights as tf.io.WeightsManifestEntry[]);
  return { state: header.state, tensors };
}

/** Name of the first float32 tensor in `data` (tfjs weights layout, `specs` order) with a NaN/Inf value. */
function firstNonFinite(
  data: Uint8Array,
  specs: ReadonlyArray<{ name: string; shape: readonly number[]; dtype?: string }>,
): string | undefined {
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype === "float32") {
      const v = new Float32Array(data.buffer, data.byteOffset + offset, n);
      for (let i = 0; i < n; i++) if (!Number.isFinite(v[i]!)) return s.name;
    }
    offset += 4 * n;
  }
  return undefined;
}
