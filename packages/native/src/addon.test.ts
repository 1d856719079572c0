import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADDON_PATH, loadAddon, loadAddonFile, nativeRequested, packageRoot } from "./addon";

describe("loading the addon: the native path is the default where it is built, with a clean fallback", () => {
  const saved = process.env.KDET_NATIVE;
  afterEach(() => {
    if (saved == null) delete process.env.KDET_NATIVE;
    else process.env.KDET_NATIVE = saved;
  });

  it("KDET_NATIVE: unset, empty or 1 ask for it, 0 turns it off, anything else throws and says what is allowed", () => {
    expect(nativeRequested({})).toBe(true);
    expect(nativeRequested({ KDET_NATIVE: "" })).toBe(true);
    expect(nativeRequested({ KDET_NATIVE: "1" })).toBe(true);
    expect(nativeRequested({ KDET_NATIVE: "0" })).toBe(false);
    expect(() => nativeRequested({ KDET_NATIVE: "yes" })).toThrow(
      /KDET_NATIVE='yes' is not allowed: use 0 \(off: kdet's XNNPACK kernels\), 1 or unset/,
    );
  });

  it("KDET_NATIVE=0 loads nothing and says so", () => {
    process.env.KDET_NATIVE = "0";
    expect(loadAddon()).toEqual({ addon: null, reason: "disabled by KDET_NATIVE=0" });
  });

  it("a missing addon file is reported as not built, with how to build it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kdet-native-"));
    const r = loadAddonFile(path.join(dir, "kdet_native.node"));
    expect(r.addon).toBeNull();
    expect(r.reason).toMatch(
      /^addon not built \(needs a C\+\+ compiler and oneDNN: apt-get install libdnnl-dev/,
    );
  });

  it("an addon that does not load (here: not a shared library) is reported, not thrown", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "kdet-native-")), "kdet_native.node");
    writeFileSync(file, "not an ELF file");
    const r = loadAddonFile(file);
    expect(r.addon).toBeNull();
    expect(r.reason).toMatch(/^addon failed to load: .+/);
    expect(r.reason).not.toMatch(/\n/);
  });
});

describe("the addon under a sampling profiler", () => {
  const file = path.join(packageRoot(), ADDON_PATH);
  it.skipIf(!existsSync(file))(
    "matrix products and RoIAlign at Faster R-CNN's sizes survive `node --cpu-prof` (its signal every 1 ms)",
    () => {
      // dnnl_sgemm, which batchMatMul first ran on, corrupted the heap under this (glibc abort or SIGSEGV; the
      // products alone in a loop: 2 runs of 3; this test with 10 rounds: 1 of 3)
      const dir = mkdtempSync(path.join(tmpdir(), "kdet-native-prof-"));
      const script = `
        const a = require(${JSON.stringify(file)});
        a.setThreads(1);
        const mm = [[512, 12544, 1024, 0, 0], [12544, 512, 1024, 1, 0], [512, 1024, 12544, 0, 1],
          [1024, 512, 1024, 1, 0], [512, 1024, 12, 0, 0], [100, 1024, 4, 0, 1], [7, 3, 5, 1, 1]];
        for (let it = 0; it < 20; it++)
          for (const [m, k, n, ta, tb] of mm)
            a.batchMatMul(new Float32Array(m * k).fill(0.01), new Float32Array(k * n).fill(0.02),
              new Float32Array(m * n), [1, 1, 1, m, k, n, ta, tb]);
        const [n, h, w, c, r] = [8, 32, 32, 256, 512];
        const rois = new Float32Array(r * 5).map((_, i) => (i % 5 === 0 ? (i / 5) % n : 10 + ((i * 7) % 90)));
        for (let it = 0; it < 4; it++) {
          a.roiAlign(0, new Float32Array(n * h * w * c), rois, new Float32Array(r * 49 * c), [n, h, w, c, r, 7, 7, 0, 1], 0.25);
          a.roiAlign(1, new Float32Array(r * 49 * c), rois, new Float32Array(n * h * w * c), [n, h, w, c, r, 7, 7, 0, 1], 0.25);
        }
        console.log("done");`;
      const run = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, "-e", script], {
        encoding: "utf8",
        timeout: 120_000,
      });
      rmSync(dir, { recursive: true, force: true });
      expect({ status: run.status, signal: run.signal, stderr: run.stderr.slice(0, 300) }).toEqual({
        status: 0,
        signal: null,
        stderr: "",
      });
      expect(run.stdout.trim()).toBe("done");
    },
  );
});
