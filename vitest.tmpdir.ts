/**
 * Vitest global setup: every test process (and every process a test spawns) gets its own temporary folder for
 * the run as `TMPDIR`, removed when the run ends — so `os.tmpdir()` in tests and in the code they call never
 * leaves files behind, even when a test fails before its own clean-up. Set KDET_KEEP_TEST_TMP=1 to keep it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-test-run-"));
  process.env.TMPDIR = dir;
  return () => {
    if (process.env.KDET_KEEP_TEST_TMP === "1") console.log(`test files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
