import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_FILES } from "./run-folder";
import { lockStage, STAGE_LOCK, writeStageConfig } from "./stage-guard";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "kdet-guard-"));

describe("lockStage", () => {
  it("refuses a stage held by another live process or machine, takes over a dead process's lock", async () => {
    const dir = tmp();
    const lock = path.join(dir, STAGE_LOCK);
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await new Promise((r) => child.once("spawn", r));
    writeFileSync(lock, JSON.stringify({ pid: child.pid, host: os.hostname() }));
    await expect(lockStage(dir, "cwd-s1")).rejects.toThrow(
      new RegExp(`stage cwd-s1: .* is being run by process ${child.pid} on ${os.hostname()}; two processes`),
    );
    child.kill();
    await new Promise((r) => child.once("exit", r));
    const release = await lockStage(dir, "cwd-s1");
    expect(JSON.parse(readFileSync(lock, "utf8")).pid).toBe(process.pid);
    await release();
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, JSON.stringify({ pid: process.pid + 1, host: "elsewhere" }));
    await expect(lockStage(dir, "cwd-s1")).rejects.toThrow(/on elsewhere \(another machine\)/);
  });
});

describe("writeStageConfig", () => {
  const yaml = (epochs: number, out: string) =>
    `backend: ${out === "a" ? "wasm" : "auto"}\ntrain:\n  epochs: ${epochs}\n  lr: 0.002\neval:\n  split: ${out === "a" ? "test" : "val"}\noutput:\n  dir: ${out}\n`;

  it("writes a fresh stage's config, keeps a trained one's when only output, eval or backend differ, refuses training changes", async () => {
    const dir = tmp();
    const file = path.join(dir, RUN_FILES.config);
    await writeStageConfig(dir, "baseline-s1", yaml(6, "a"));
    expect(readFileSync(file, "utf8")).toBe(yaml(6, "a"));
    // not trained yet (no checkpoint): the current settings replace the file
    await writeStageConfig(dir, "baseline-s1", yaml(8, "a"));
    expect(readFileSync(file, "utf8")).toBe(yaml(8, "a"));
    writeFileSync(path.join(dir, RUN_FILES.last), "checkpoint");
    await writeStageConfig(dir, "baseline-s1", yaml(8, "b"));
    expect(readFileSync(file, "utf8")).toBe(yaml(8, "a"));
    await expect(writeStageConfig(dir, "baseline-s1", yaml(6, "a"))).rejects.toThrow(
      /stage baseline-s1: .* was trained with other settings \(train\.epochs: was 8, now 6\)/,
    );
    expect(readFileSync(file, "utf8")).toBe(yaml(8, "a"));
  });
});
