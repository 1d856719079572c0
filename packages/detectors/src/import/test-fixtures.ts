import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseTorchCheckpoint, type TorchCheckpoint } from "./torch-checkpoint";

/** Test-only: the committed fixtures written by `fixtures/torch/make_fixtures.py` (PyTorch 1.13). */
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/torch");

/** Test-only: a gzipped checkpoint fixture, read as kdet reads a `.pt` file. */
export function fixtureCheckpoint(name: string): TorchCheckpoint {
  return parseTorchCheckpoint(new Uint8Array(gunzipSync(readFileSync(path.join(FIXTURES, name)))), name);
}

/** Test-only: PyTorch's tensors of a fixture (`<stem>-io.json` + `.bin`, NCHW float32). */
export function fixtureTensors(stem: string): Map<string, { shape: number[]; data: Float32Array }> {
  const meta = JSON.parse(readFileSync(path.join(FIXTURES, `${stem}-io.json`), "utf8")) as {
    tensors: Array<{ name: string; shape: number[]; offset: number }>;
  };
  const bin = readFileSync(path.join(FIXTURES, `${stem}-io.bin`));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  return new Map(
    meta.tensors.map((t) => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      return [t.name, { shape: t.shape, data: all.subarray(t.offset / 4, t.offset / 4 + n) }];
    }),
  );
}
