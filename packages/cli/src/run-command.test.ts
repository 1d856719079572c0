import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startCommand, writeRunManifest } from "./run-folder";

describe("run.json records the command that started the run", () => {
  it("a resumed run's report can name the original command", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-run-command-"));
    expect(startCommand(dir)).toBeUndefined();
    await writeRunManifest(
      dir,
      "distill",
      { name: "x" },
      "kdet distill --config c.yaml --set train.epochs=3",
    );
    expect(startCommand(dir)).toBe("kdet distill --config c.yaml --set train.epochs=3");
  });
});
