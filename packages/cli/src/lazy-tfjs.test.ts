/**
 * Help, `kdet models`, `kdet methods`, `kdet config print|schema` and usage errors answer without loading
 * TensorFlow.js (issue: every command took 4–7 s because tfjs loaded first): they read the static tables of
 * `@kdet/detectors/config` and `@kdet/losses/config`. Checked in a child process by tfjs-core's engine global
 * (created when its module is evaluated), not by timing.
 */
import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

  it("kdet models, kdet methods, kdet config schema and kdet config print (a preset expanded) never load tfjs", async () => {
    const configs = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "configs");
    const preset = path.join(os.tmpdir(), `kdet-lazy-preset-${process.pid}.yaml`);
    writeFileSync(
      preset,
      [
        "data: {train: {type: synthetic, numImages: 8, size: 64}, imageSize: 64}",
        "model: {type: yolov8-n}",
        "teacher: {type: yolov8-s, weights: runs/teacher/weights}",
        "distill: {method: fgd}",
        "train: {epochs: 1, optimizer: {type: sgd}}",
        "",
      ].join("\n"),
    );
    const p = await probe([
      ["models"],
      ["methods"],
      ["config", "schema"],
      ["config", "print", path.join(configs, "cwd-yolov8s-to-n.yaml")],
      ["config", "print", preset],
    ]).finally(() => rmSync(preset, { force: true }));
    const [models, methods, schema, print, expanded] = p.results;
    for (const r of p.results) expect(r.code, `${r.argv.join(" ")}: ${r.err}`).toBe(0);
    expect(models!.out).toMatch(/^ {2}yolov8-n +YOLOv8n/m);
    expect(models!.out).toMatch(/^ {2}nanodet-g +NanoDet/m);
    expect(methods!.out).toMatch(/^ {2}fgd +feature +FGD/m);
    expect(methods!.out).toMatch(/^ {2}score-l2 +ultralytics/m);
    expect(JSON.parse(schema!.out).$schema).toMatch(/2020-12/);
    expect(print!.out).toMatch(/^# kdet config print .*cwd-yolov8s-to-n\.yaml$/m);
    expect(expanded!.out).toMatch(/teacherChannels: 512/); // yolov8-s P5, from the static map description
    expect(p.tfjsLoaded).toBe(false);
  });
});
