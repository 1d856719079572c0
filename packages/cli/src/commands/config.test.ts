import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bufferIo } from "../cli-io";
import { main } from "../main";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-config-cmd-"));
afterAll(() => rmSync(T, { recursive: true, force: true }));

describe("kdet config schema --out", () => {
  it("replaces an existing file by renaming the complete schema over it, leaving no temporary file", async () => {
    const out = path.join(T, "kdet.schema.json");
    writeFileSync(out, '{"truncated": ');
    const inode = statSync(out).ino;
    const io = bufferIo();
    expect(await main(["config", "schema", "--out", out], io), io.err.join("")).toBe(0);
    const schema = JSON.parse(readFileSync(out, "utf8")) as { $schema: string; properties: object };
    expect(schema.$schema).toMatch(/json-schema\.org\/draft\/2020-12/);
    expect(Object.keys(schema.properties)).toContain("model");
    // the file equals what stdout prints
    const printed = bufferIo();
    expect(await main(["config", "schema"], printed)).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(printed.out.join(""));
    expect(readdirSync(T)).toEqual(["kdet.schema.json"]);
    expect(statSync(out).ino).not.toBe(inode); // renamed over the old file, not rewritten in place
  });

  it("a missing folder is a clear error naming --out, not an internal error", async () => {
    const out = path.join(T, "no-such-folder", "s.json");
    const io = bufferIo();
    expect(await main(["config", "schema", "--out", out], io)).toBe(1);
    expect(io.err.join("")).toBe(
      `kdet config schema: error: --out ${out}: cannot write the schema: its folder does not exist\n`,
    );
  });
});
