import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CliError } from "./errors";
import { checkResumeConfig, createRunFolder, openRunFolder, RUN_FILES, writeRunManifest } from "./run-folder";

describe("run folders", () => {
  it("never reuse a folder: taken names get -2, -3, … and concurrent runs get distinct folders", async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), "kdet-runs-"));
    const first = await createRunFolder(parent, "exp");
    writeFileSync(path.join(first, "marker"), "first run");
    const dirs = await Promise.all(Array.from({ length: 12 }, () => createRunFolder(parent, "exp")));
    expect(new Set([first, ...dirs]).size).toBe(13);
    expect(readdirSync(parent).sort()).toEqual(
      ["exp", ...Array.from({ length: 12 }, (_, i) => `exp-${i + 2}`)].sort(),
    );
    expect(readdirSync(first)).toEqual(["marker"]);
    for (const d of dirs) expect(readdirSync(d)).toEqual([]);
  });

  it("rejects names that are not a folder name, and --resume of a non-run folder", async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), "kdet-runs-"));
    await expect(createRunFolder(parent, "../escape")).rejects.toThrow(/allowed: letters, digits/);
    expect(() => openRunFolder(path.join(parent, "nope"))).toThrow(/no such run folder/);
    const d = await createRunFolder(parent, "x");
    expect(() => openRunFolder(d)).toThrow(/not a kdet run folder \(no config\.yaml\)/);
    writeFileSync(path.join(d, RUN_FILES.config), "x: 1\n");
    expect(openRunFolder(d)).toBe(d);
    expect(existsSync(path.join(parent, "escape"))).toBe(false);
  });

  it("an output dir that is a file, or under a file, is a clear error naming it", async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), "kdet-runs-"));
    const file = path.join(parent, "file");
    writeFileSync(file, "x");
    for (const [p, name] of [
      [file, "exp"],
      [path.join(file, "sub"), "exp"],
      [parent, "file"],
    ] as const) {
      const e = await createRunFolder(p, name).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CliError);
      expect((e as Error).message).toMatch(/cannot create the run folder .*is a file, not a folder/);
    }
  });

  it("a resume compares the config with run.json: changed fields named with old and new value", async () => {
    const d = await createRunFolder(mkdtempSync(path.join(os.tmpdir(), "kdet-runs-")), "r");
    const started = {
      train: { epochs: 6, optimizer: { lr: 0.01 } },
      data: { train: { seed: 1, numImages: 8 } },
    };
    await writeRunManifest(d, "train", started);
    expect(readdirSync(d)).toEqual([RUN_FILES.run]);
    expect(checkResumeConfig(d, structuredClone(started))).toEqual([]);
    const edited = structuredClone(started);
    edited.train.epochs = 8;
    edited.data.train.numImages = 16;
    expect(() => checkResumeConfig(d, edited)).toThrow(
      /data\.train\.numImages: was 8, now 16\n {2}train\.epochs: was 6, now 8\n.*--allow-config-change/s,
    );
    expect(checkResumeConfig(d, edited, true)).toEqual([
      "data.train.numImages: was 8, now 16",
      "train.epochs: was 6, now 8",
    ]);
    // no run.json (a run from an older kdet): nothing to compare
    expect(checkResumeConfig(path.join(d, "nope"), edited)).toEqual([]);
    writeFileSync(path.join(d, RUN_FILES.run), '{"format": "kdet-run", "version": 1, "kind": "tr');
    expect(() => checkResumeConfig(d, edited)).toThrow(/run\.json: the run manifest is not valid JSON/);
    writeFileSync(path.join(d, RUN_FILES.run), '{"format": "kdet-run", "version": 1, "kind": "x"}');
    expect(() => checkResumeConfig(d, edited)).toThrow(/run\.json: invalid run manifest: kind: /);
  });
});
