import * as tf from "@tensorflow/tfjs-core";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { readCheckpoint, writeCheckpoint } from "./checkpoint";
import { trimMetricsFile } from "./metrics-file";
import { NonFiniteError } from "./non-finite";

let root = "";
beforeAll(async () => {
  await useTestBackend();
  root = await mkdtemp(path.join(os.tmpdir(), "kdet-ckpt-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const tensors = () => ({ "model/w": tf.tensor2d([1, 2, 3, 4], [2, 2]), "optim/m": tf.tensor1d([0.5, -0.5]) });

describe("checkpoint files", () => {
  it("round-trips, leaves no temporary file, records the SHA-256 of the tensor bytes", async () => {
    const f = path.join(root, "a.ckpt");
    const t = tensors();
    await writeCheckpoint(f, { state: { step: 3 }, tensors: t });
    tf.dispose(Object.values(t));
    expect(await readdir(root)).toEqual(["a.ckpt"]);
    const back = await readCheckpoint(f);
    expect(back.state).toEqual({ step: 3 });
    expect(Array.from(back.tensors["model/w"]!.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose(Object.values(back.tensors));
    const buf = await readFile(f);
    const header = JSON.parse(buf.subarray(12, 12 + buf.readUInt32LE(8)).toString("utf8"));
    expect(header.version).toBe(2);
    expect(header.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a body of the right size overwritten with NaN bytes (checksum), naming the file", async () => {
    const f = path.join(root, "b.ckpt");
    const t = tensors();
    await writeCheckpoint(f, { state: {}, tensors: t });
    tf.dispose(Object.values(t));
    const buf = await readFile(f);
    const body = 12 + buf.readUInt32LE(8);
    for (let i = body; i < buf.length; i += 4) buf.writeFloatLE(Number.NaN, i);
    await writeFile(f, buf);
    await expect(readCheckpoint(f)).rejects.toThrow(`${f} is corrupt: SHA-256`);
  });

  it("refuses to write non-finite tensors and keeps the previous file", async () => {
    const f = path.join(root, "c.ckpt");
    const good = tensors();
    await writeCheckpoint(f, { state: { step: 1 }, tensors: good });
    tf.dispose(Object.values(good));
    const bad = { "model/w": tf.tensor1d([1, Number.POSITIVE_INFINITY]) };
    await expect(writeCheckpoint(f, { state: { step: 2 }, tensors: bad })).rejects.toBeInstanceOf(
      NonFiniteError,
    );
    tf.dispose(Object.values(bad));
    const back = await readCheckpoint(f);
    expect(back.state).toEqual({ step: 1 });
    tf.dispose(Object.values(back.tensors));
  });

  it("refuses a truncated file and a file that is no checkpoint", async () => {
    const f = path.join(root, "d.ckpt");
    const t = tensors();
    await writeCheckpoint(f, { state: {}, tensors: t });
    tf.dispose(Object.values(t));
    const buf = await readFile(f);
    await writeFile(f, buf.subarray(0, buf.length - 3));
    await expect(readCheckpoint(f)).rejects.toThrow(/holds \d+ tensor bytes/);
    await writeFile(f, buf.subarray(0, 20));
    await expect(readCheckpoint(f)).rejects.toThrow(/truncated/);
    await writeFile(f, "{}");
    await expect(readCheckpoint(f)).rejects.toThrow(/not a kdet checkpoint/);
  });
});

describe("trimMetricsFile", () => {
  it("keeps the lines up to the step, drops a torn final line, rewrites only when needed", async () => {
    const f = path.join(root, "metrics.jsonl");
    const lines = [1, 2, 3, 4].map((s) => JSON.stringify({ kind: "step", step: s }));
    await writeFile(f, `${lines.join("\n")}\n{"kind":"st`);
    expect(await trimMetricsFile(f, 2)).toBe(3);
    expect(await readFile(f, "utf8")).toBe(`${lines[0]}\n${lines[1]}\n`);
    expect(await trimMetricsFile(f, 2)).toBe(0);
    expect(await trimMetricsFile(path.join(root, "absent.jsonl"), 0)).toBe(0);
  });

  it("names the file and line of a malformed line that is not the last", async () => {
    const f = path.join(root, "bad.jsonl");
    await writeFile(f, '{"step":1}\nnot json\n{"step":2}\n');
    await expect(trimMetricsFile(f, 5)).rejects.toThrow(`${f}:2: not a JSON line`);
  });
});
