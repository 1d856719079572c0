import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./threads-child.fixture.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** Runs the fixture in plain Node (via tsx) with KDET_THREADS=threads (default: unset); it must exit by itself. */
function runChild(threads?: number): { status: number | null; out: string; err: string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KDET_THREADS: threads == null ? "" : String(threads),
    KDET_BACKEND: "",
  };
  delete env.VITEST;
  const r = spawnSync(process.execPath, ["--import", "tsx", fixture], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    timeout: 100_000,
  });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe("threaded wasm in plain Node", () => {
  it("defaults to all cores in plain Node, exits on its own, and is deterministic (same bits on 1 thread)", () => {
    const a = runChild();
    const b = runChild(2);
    const c = runChild(1);
    for (const r of [a, b, c]) expect(r.status, r.err).toBe(0);
    expect(a.out, a.err).toMatch(new RegExp(`^threads=${os.cpus().length} checksum=[0-9a-f]{16}$`));
    expect(b.out, b.err).toMatch(/^threads=2 /);
    expect(c.out, c.err).toMatch(/^threads=1 checksum=/);
    expect(b.out.split(" ")[1]).toBe(a.out.split(" ")[1]);
    expect(c.out.split(" ")[1]).toBe(a.out.split(" ")[1]);
  });
});
