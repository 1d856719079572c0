import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./threads-child.fixture.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** Runs the fixture in plain Node (via tsx) with KDET_THREADS=threads; it must exit by itself. */
function runChild(threads: number): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", fixture], {
    cwd: repoRoot,
    env: { ...process.env, KDET_THREADS: String(threads), KDET_BACKEND: "" },
    encoding: "utf8",
    timeout: 100_000,
  });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe("threaded wasm in plain Node", () => {
  it("runs on 2 threads, exits on its own, and is deterministic (same bits as 1 thread)", () => {
    const a = runChild(2);
    const b = runChild(2);
    const c = runChild(1);
    for (const r of [a, b, c]) expect(r.status, r.err).toBe(0);
    expect(a.out).toMatch(/^threads=2 checksum=[0-9a-f]{16}$/);
    expect(c.out).toMatch(/^threads=1 checksum=/);
    expect(b.out).toBe(a.out);
    expect(c.out.split(" ")[1]).toBe(a.out.split(" ")[1]);
  });
});
