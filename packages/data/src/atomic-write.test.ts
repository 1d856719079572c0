import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDirAtomic, writeFileAtomic, writeFileSynced } from "./atomic-write";
import { DataError } from "./errors";
import { tempDir } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("kdet-atomic-");
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Names in `dir` that look like leftovers of an atomic write (temporary or old copies). */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(tmp|old)-/.test(n));

describe("writeFileAtomic", () => {
  it("replaces a file's content and leaves no temporary file", async () => {
    const dir = path.join(tmp.dir, "replace");
    await mkdir(dir);
    const file = path.join(dir, "a.json");
    await writeFileAtomic(file, "old");
    await writeFileAtomic(file, new TextEncoder().encode("new"));
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("a write that fails keeps the previous version and removes its temporary file", async () => {
    const dir = path.join(tmp.dir, "fail");
    await mkdir(dir);
    const file = path.join(dir, "a.json");
    await writeFileAtomic(file, "previous");
    // a value the file handle cannot write: the failure happens after the temporary file was created
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow();
    expect(readFileSync(file, "utf8")).toBe("previous");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("exclusive: writes a new file, refuses an existing one naming it and leaves it as it was", async () => {
    const dir = path.join(tmp.dir, "exclusive");
    await mkdir(dir);
    const file = path.join(dir, "gt.json");
    await writeFileAtomic(file, "first", { exclusive: true });
    expect(readFileSync(file, "utf8")).toBe("first");
    const err = await writeFileAtomic(file, "second", { exclusive: true, op: "save gt" }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      `save gt: ${file}: already exists and is not overwritten (pass overwrite: true to replace it, or choose another path)`,
    );
    expect(readFileSync(file, "utf8")).toBe("first");
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("writeDirAtomic", () => {
  it("builds a folder under a temporary name and renames it into place", async () => {
    const target = path.join(tmp.dir, "built", "ds");
    const seen: string[] = [];
    const r = await writeDirAtomic(target, async (dir) => {
      seen.push(dir);
      expect(existsSync(target)).toBe(false); // nothing visible at the target while it is being written
      await writeFileSynced(path.join(dir, "x.txt"), "x");
      return 7;
    });
    expect(r).toBe(7);
    expect(path.dirname(seen[0]!)).toBe(path.dirname(target)); // same folder: the rename stays on one disk
    expect(readFileSync(path.join(target, "x.txt"), "utf8")).toBe("x");
    expect(readdirSync(path.dirname(target))).toEqual(["ds"]);
  });

  it("a fill that throws leaves the existing folder untouched and no temporary folder", async () => {
    const target = path.join(tmp.dir, "keep");
    await writeDirAtomic(target, (dir) => writeFileSynced(path.join(dir, "a.txt"), "v1"));
    const failing = writeDirAtomic(
      target,
      async (dir) => {
        await writeFileSynced(path.join(dir, "a.txt"), "v2");
        throw new Error("disk full");
      },
      { overwrite: true },
    );
    await expect(failing).rejects.toThrow("disk full");
    expect(readdirSync(target)).toEqual(["a.txt"]);
    expect(readFileSync(path.join(target, "a.txt"), "utf8")).toBe("v1");
    expect(leftovers(tmp.dir)).toEqual([]);
  });

  it("refuses a non-empty folder or a file at the target unless overwrite; accepts an empty folder", async () => {
    const target = path.join(tmp.dir, "exists");
    await mkdir(target);
    await writeFile(path.join(target, "mine.txt"), "user data");
    let filled = false;
    const err = await writeDirAtomic(target, async () => {
      filled = true;
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(`write folder: ${target}: already exists and is not overwritten`);
    expect(filled).toBe(false); // refused before any work
    expect(readFileSync(path.join(target, "mine.txt"), "utf8")).toBe("user data");

    const file = path.join(tmp.dir, "a-file");
    await writeFile(file, "f");
    await expect(writeDirAtomic(file, async () => {})).rejects.toThrow(`${file}: already exists`);

    const empty = path.join(tmp.dir, "empty");
    await mkdir(empty);
    await writeDirAtomic(empty, (dir) => writeFileSynced(path.join(dir, "b.txt"), "b"));
    expect(readdirSync(empty)).toEqual(["b.txt"]);

    await writeDirAtomic(target, (dir) => writeFileSynced(path.join(dir, "new.txt"), "n"), {
      overwrite: true,
    });
    expect(readdirSync(target)).toEqual(["new.txt"]); // replaced as a whole
    expect(leftovers(tmp.dir)).toEqual([]);
  });

  it("a folder that appears at the target while filling is refused at the rename, not replaced", async () => {
    const target = path.join(tmp.dir, "race");
    const err = await writeDirAtomic(target, async (dir) => {
      await writeFileSynced(path.join(dir, "ours.txt"), "ours");
      await mkdir(target);
      await writeFile(path.join(target, "theirs.txt"), "theirs"); // another writer got there first
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(`${target}: already exists`);
    expect(readdirSync(target)).toEqual(["theirs.txt"]);
    expect(leftovers(tmp.dir)).toEqual([]);
  });
});
