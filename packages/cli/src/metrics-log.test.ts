import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMetricsLog } from "./metrics-log";

const step = (s: number, loss = 1) =>
  JSON.stringify({ kind: "step", step: s, epoch: 0, lr: 0.01, ms: 5, loss, parts: { box: loss } });

describe("readMetricsLog", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-metrics-"));

  it("ignores a torn final line, keeps the last line of a step logged twice", () => {
    const f = path.join(dir, "torn.jsonl");
    writeFileSync(f, `${step(1)}\n${step(2, 5)}\n${step(2, 3)}\n{"kind":"step","st`);
    expect(readMetricsLog(f).steps.map((s) => [s.step, s.loss])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it("names the file and line of a bad line that is not a torn last line", () => {
    const f = path.join(dir, "bad.jsonl");
    writeFileSync(f, `${step(1)}\n{"kind":"step","st\n${step(2)}\n`);
    expect(() => readMetricsLog(f)).toThrow(`${f}:2: not a metrics line`);
    // a complete last line (with its newline) that is invalid is not a torn write: an error too
    writeFileSync(f, `${step(1)}\n{"kind":"step"}\n`);
    expect(() => readMetricsLog(f)).toThrow(`${f}:2: not a metrics line`);
  });
});
