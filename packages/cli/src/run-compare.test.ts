import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { main } from "./main";
import { compareRuns, readRun } from "./run-compare";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-compare-"));
const cwd = { loss: { type: "cwd", tau: 1 }, weight: 5, student: "neck.p3", teacher: "neck.p3" };

/** A finished run folder: config.yaml as kdet saves it and eval/metrics.json. */
function run(
  name: string,
  seed: number,
  mAP: number,
  opts: { distill?: unknown[]; split?: string; lr?: number; folder?: string } = {},
): string {
  const dir = path.join(T, `${opts.folder ?? name}-s${seed}`);
  mkdirSync(path.join(dir, "eval"), { recursive: true });
  const config = {
    name,
    data: { dataset: undefined, train: { type: "voc", root: "bccd", split: "train" }, seed, imageSize: 320 },
    model: { type: "yolov8-n", seed },
    distill: opts.distill ?? [],
    train: { epochs: 30, optimizer: { type: "adamw", lr: opts.lr ?? 0.002 } },
    output: { dir: "runs" },
  };
  writeFileSync(path.join(dir, "config.yaml"), JSON.stringify(config));
  writeFileSync(
    path.join(dir, "eval", "metrics.json"),
    JSON.stringify({ split: opts.split ?? "test", numImages: 72, mAP, AP50: mAP * 2, stats: [mAP] }),
  );
  return dir;
}

const base = [run("base", 1, 0.1), run("base", 2, 0.11), run("base", 3, 0.105)];
const cwdRuns = [
  run("cwd", 3, 0.14, { distill: [cwd] }),
  run("cwd", 1, 0.15, { distill: [cwd] }),
  run("cwd", 2, 0.16, { distill: [cwd] }),
];

describe("kdet compare", () => {
  it("pairs by seed: per-seed gains 5.0, 5.0, 3.5 → +4.5 ± 0.87, a real gain (stds 0.5 and 1.0)", () => {
    const c = compareRuns([...cwdRuns, ...base].map(readRun));
    expect(c.baseline).toBe("base");
    const [b, m] = c.rows;
    expect(b!.mAP).toBeCloseTo(0.105, 12);
    expect(b!.mAPStd).toBeCloseTo(0.005, 12);
    expect(b!.gain).toBeNull();
    expect(m!.label).toBe("cwd");
    expect(m!.gain).toBeCloseTo(4.5, 10);
    expect(m!.gainStd).toBeCloseTo(Math.sqrt(0.75), 10);
    expect(m!.mAPStd).toBeCloseTo(0.01, 12);
    expect(c.seeds).toEqual([
      ["1/1", "2/2", "3/3"],
      ["1/1", "2/2", "3/3"],
    ]);
    expect(c.verdicts).toEqual(["cwd: real gain: |mean gain| 4.5 > std of baseline 0.5 and of cwd 1.0"]);
  });

  it("one distill run gets its gain column against the baseline run of its seed", () => {
    const c = compareRuns([base[1]!, cwdRuns[2]!, base[0]!].map(readRun));
    expect(c.rows[1]!.gain).toBeCloseTo(100 * (0.16 - 0.11), 10);
    expect(c.verdicts[0]).toMatch(/^cwd: one seed: no spread measured/);
  });

  it("refuses unpaired seeds, different splits, a seed twice; --baseline picks by name or folder", () => {
    expect(() => compareRuns([base[0]!, run("cwd", 7, 0.2, { distill: [cwd] })].map(readRun))).toThrow(
      /no base run with the same seeds \(model\.seed\/data\.seed 7\/7\).*allowed seeds: 1\/1/,
    );
    expect(() =>
      compareRuns([base[0]!, run("base", 1, 0.2, { split: "val", folder: "val-run" })].map(readRun)),
    ).toThrow(/evaluated on different data: test \(72 images\), val \(72 images\)/);
    const again = run("base-again", 1, 0.3);
    expect(() => compareRuns([base[0]!, again].map(readRun))).toThrow(
      /the same configuration with the same seeds/,
    );
    const lr = [1, 2].map((s) => run("base", s, 0.12, { lr: 0.001, folder: "base-lr" }));
    // two configurations without distillation: the one named (by a run folder) is the baseline; labels stay unique
    const c = compareRuns([base[0]!, base[1]!, ...lr].map(readRun), lr[0]);
    expect(c.rows.map((r) => r.label)).toEqual(["base#2", "base"]);
    expect(() => compareRuns(base.map(readRun))).toThrow(/one configuration/);
  });

  it("the command prints the table, seeds and verdict; a folder that is not a run is named", async () => {
    const io = bufferIo();
    expect(await main(["compare", ...base, ...cwdRuns], io)).toBe(0);
    const out = io.out.join("");
    expect(out).toContain("| base | yolov8-n | 3 | 10.5 ± 0.5 | 21.0 ± 1.0 |  |");
    expect(out).toContain("| cwd | yolov8-n | 3 | 15.0 ± 1.0 | 30.0 ± 2.0 | +4.5 ± 0.9 |");
    expect(out).toMatch(/^cwd: real gain/m);
    const bad = bufferIo();
    expect(await main(["compare", base[0]!, T], bad)).toBe(1);
    expect(bad.err.join("")).toMatch(
      /config\.yaml: cannot read the run's config \(no such file: not a finished kdet run folder\?\)/,
    );
  });
});
