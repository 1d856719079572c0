import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadAddon, loadAddonFile, nativeRequested } from "./addon";

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
