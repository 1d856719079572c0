import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bufferIo } from "../cli-io";
import { main } from "../main";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-config-cmd-"));
afterAll(() => rmSync(T, { recursive: true, force: true }));

describe("kdet config schema --out", () => {
  it("never replaces an existing file without --force; with it, renames the complete schema over it", async () => {
    const out = path.join(T, "kdet.schema.json");
    writeFileSync(out, '{"truncated": ');
    const inode = statSync(out).ino;
    const refused = bufferIo();
    expect(await main(["config", "schema", "--out", out], refused)).toBe(1);
    expect(refused.err.join("")).toBe(
      `kdet config schema: error: --out ${out}: the file exists; allowed: another file name, or --force to replace it\n`,
    );
    expect(readFileSync(out, "utf8")).toBe('{"truncated": ');
    const io = bufferIo();
    expect(await main(["config", "schema", "--out", out, "--force"], io), io.err.join("")).toBe(0);
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

  it("--force without --out is a usage error", async () => {
    const io = bufferIo();
    expect(await main(["config", "schema", "--force"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--force needs --out FILE/);
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

describe("kdet config print", () => {
  const cfg = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    "..",
    "..",
    "configs",
    "yolov8n-baseline.yaml",
  );

  it("takes the config as its argument (or with --config, the same output) and prints the header, then YAML", async () => {
    const a = bufferIo();
    expect(await main(["config", "print", cfg], a), a.err.join("")).toBe(0);
    const b = bufferIo();
    expect(await main(["config", "print", "--config", cfg], b)).toBe(0);
    expect(b.out.join("")).toBe(a.out.join(""));
    const lines = a.out.join("").split("\n");
    expect(lines[0]).toBe(`# kdet config print ${cfg}`);
    expect(lines.findIndex((l) => !l.startsWith("#"))).toBe(3);
  });

  it("the config given twice, or not at all, is a usage error", async () => {
    const twice = bufferIo();
    expect(await main(["config", "print", cfg, "--config", cfg], twice)).toBe(2);
    expect(twice.err.join("")).toMatch(/give the config once/);
    const none = bufferIo();
    expect(await main(["config", "print"], none)).toBe(2);
    expect(none.err.join("")).toMatch(/the config file is required/);
  });
});
