import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadCoco } from "@kdet/data";
import { afterAll, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { ensureSyntheticSplits, type SyntheticSplits } from "./synthetic-splits";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-splits-"));
afterAll(() => rmSync(T, { recursive: true, force: true }));

const SPLITS: SyntheticSplits = {
  imageSize: 32,
  synthetic: { maxObjects: 2 },
  splits: {
    train: { seed: 1, numImages: 3 },
    val: { seed: 2, numImages: 2 },
    test: { seed: 3, numImages: 1 },
  },
};

it("writes the three splits once, reuses them, and replaces a split folder left without annotations.json", async () => {
  const dir = path.join(T, "data");
  // an interrupted older layout: a split folder with images but no annotations.json
  mkdirSync(path.join(dir, "val", "images"), { recursive: true });
  writeFileSync(path.join(dir, "val", "images", "stale.png"), "torn");
  const io = bufferIo();
  const splits = await ensureSyntheticSplits(dir, SPLITS, io);
  expect(io.err.length).toBe(3);
  for (const [split, n] of [
    ["train", 3],
    ["val", 2],
    ["test", 1],
  ] as const) {
    const ds = await loadCoco(splits[split]);
    expect(ds.records.length).toBe(n);
    expect(ds.report.problems).toEqual([]);
  }
  expect(readdirSync(path.join(dir, "val", "images"))).toEqual(["000001.png", "000002.png"]);
  expect(readdirSync(dir).sort()).toEqual(["test", "train", "val"]); // no temporary folder left

  const mtime = statSync(splits.train.annotationFile).mtimeMs;
  const again = bufferIo();
  expect(await ensureSyntheticSplits(dir, SPLITS, again)).toEqual(splits);
  expect(again.err).toEqual([]); // nothing generated the second time
  expect(statSync(splits.train.annotationFile).mtimeMs).toBe(mtime);
});
