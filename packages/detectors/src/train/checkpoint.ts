import * as tf from "@tensorflow/tfjs-core";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../io/atomic-write";

const MAGIC = "KDETCKPT";

const headerSchema = z
  .object({
    format: z.literal("kdet-checkpoint"),
    version: z.literal(1),
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
 * Writes a checkpoint as one file, atomically (temporary file + fsync + rename): the 8-byte magic
 * `KDETCKPT`, a little-endian uint32 header length, the JSON header (state + tfjs weight specs),
 * then the tensor bytes in tfjs weights layout. Tensors are read, not disposed.
 */
export async function writeCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(ckpt.tensors);
  const header = new TextEncoder().encode(
    JSON.stringify({ format: "kdet-checkpoint", version: 1, state: ckpt.state, weights: specs }),
  );
  const out = new Uint8Array(12 + header.length + data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(new Uint8Array(data), 12 + header.length);
  await writeFileAtomic(file, out);
}

/** Reads a checkpoint written by {@link writeCheckpoint}; the caller owns (disposes) the tensors. */
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
  const copy = new Uint8Array(body.length);
  copy.set(body);
  const tensors = tf.io.decodeWeights(copy.buffer, header.weights as tf.io.WeightsManifestEntry[]);
  return { state: header.state, tensors };
}
