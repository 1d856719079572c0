import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createRunFolder, openRunFolder, RUN_FILES } from "./run-folder";

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
});
