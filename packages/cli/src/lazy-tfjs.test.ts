/**
 * Help, config groups and usage errors answer without loading TensorFlow.js (issue: every command took 4–7 s
 * because tfjs loaded first). Checked in a child process by tfjs-core's engine global, not by timing.
 */
import os from "node:os";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./main";
import { runSourceFile } from "./testing/kdet-process";

type Probe = {
  results: Array<{ argv: string[]; code: number; out: string; err: string }>;
  tfjsLoaded: boolean;
};

async function probe(lines: string[][]): Promise<Probe> {
  const r = await runSourceFile("src/testing/help-probe.ts", [JSON.stringify(lines)], os.tmpdir());
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Probe;
}

describe("kdet without TensorFlow.js", () => {
  it("kdet --help, every kdet <command> --help, kdet config --help and usage errors never load tfjs", async () => {
    const names = Object.keys(COMMANDS);
    const p = await probe([
      ["--help"],
      ...names.map((n) => [...n.split(" "), "--help"]),
      ["config", "--help"],
      ["trian"],
      ["config", "prnt"],
      ["train", "--confg", "x.yaml"],
    ]);
    const [top, ...rest] = p.results;
    expect(top!.code).toBe(0);
    for (const n of names) expect(top!.out).toContain(`  ${n} `);
    for (const [i, n] of names.entries()) {
      const r = rest[i]!;
      expect(r.code, n).toBe(0);
      expect(r.out, n).toMatch(new RegExp(`^Usage: kdet ${n}\\b`));
      expect(r.out, n).not.toMatch(/kdet-eval/);
    }
    const [group, trian, prnt, flag] = rest.slice(names.length);
    expect(group!.code).toBe(0);
    expect(group!.out).toMatch(/^Usage: kdet config <subcommand>/);
    expect(group!.out).toMatch(/config print +print the resolved/);
    expect(trian!.code).toBe(2);
    expect(trian!.err).toMatch(/unknown command "trian".*did you mean "train"\?/);
    expect(prnt!.err).toMatch(/did you mean "config print"\?/);
    expect(flag!.code).toBe(2);
    expect(flag!.err).toMatch(/'--confg'.*did you mean "--config"\?/);
    expect(p.tfjsLoaded).toBe(false);
  });
});
