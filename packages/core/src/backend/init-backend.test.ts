import { isNativeRegistered, loadAddon } from "@kdet/native";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { defaultWasmThreads, initBackend } from "./init-backend";
import { CPU_FIXES, isRegistered, WASM_TRAINING_KERNELS } from "./register-kernels";
import { findTensorflowPackage } from "./tensorflow-loader";

describe("initBackend", () => {
  const savedNative = process.env.KDET_NATIVE;
  afterEach(() => {
    delete process.env.KDET_BACKEND;
    if (savedNative == null) delete process.env.KDET_NATIVE;
    else process.env.KDET_NATIVE = savedNative;
  });

  it("auto picks wasm here (no tfjs-node installed), with the kdet kernels registered", async () => {
    expect(findTensorflowPackage()).toBeNull();
    const info = await initBackend({ quiet: true });
    expect(info.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(info.requested).toBe("auto");
    expect(info.skipped.map((s) => s.backend)).toEqual(["tensorflow"]);
    expect(info.skipped[0]!.reason).toMatch(/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
    expect(info.message).toMatch(/^kdet backend: wasm, \d+ thread\(s\) \[auto\]/);
    for (const k of WASM_TRAINING_KERNELS) expect(isRegistered(k, "wasm"), k.kernelName).toBe(true);
  });

  it("defaults to 1 thread under vitest (test files already use every core)", async () => {
    expect(process.env.VITEST).toBeDefined();
    expect(defaultWasmThreads()).toBe(1);
  });

  it("is idempotent: repeated calls give the same answer and register nothing twice", async () => {
    const a = await initBackend({ backend: "wasm", quiet: true });
    const kernels = tf.getKernelsForBackend("wasm").length;
    const b = await initBackend({ backend: "wasm", quiet: true });
    expect(b).toEqual(a);
    expect(tf.getKernelsForBackend("wasm").length).toBe(kernels);
  });

  it("switches to cpu on request, with the ResizeNearestNeighborGrad fix", async () => {
    const info = await initBackend({ backend: "cpu", quiet: true });
    expect(info).toMatchObject({ backend: "cpu", requested: "cpu", requestSource: "option", threads: 1 });
    expect(tf.getBackend()).toBe("cpu");
    for (const k of CPU_FIXES) expect(isRegistered(k, "cpu"), k.kernelName).toBe(true);
  });

  it("honours env KDET_BACKEND and validates it", async () => {
    process.env.KDET_BACKEND = "cpu";
    expect(await initBackend({ quiet: true })).toMatchObject({
      backend: "cpu",
      requestSource: "env KDET_BACKEND",
    });
    process.env.KDET_BACKEND = "gpu";
    await expect(initBackend({ quiet: true })).rejects.toThrow(
      /KDET_BACKEND='gpu' is not one of auto, tensorflow, wasm, cpu/,
    );
  });

  it("an explicit option wins over the environment", async () => {
    process.env.KDET_BACKEND = "cpu";
    expect(await initBackend({ backend: "wasm", quiet: true })).toMatchObject({
      backend: "wasm",
      requestSource: "option",
    });
  });

  it("a forced tensorflow backend that is not installed throws and says how to install it", async () => {
    await expect(initBackend({ backend: "tensorflow", quiet: true })).rejects.toThrow(
      /backend 'tensorflow' \(option\) is not available: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed \(GPU: pnpm add/,
    );
  });

  it("says which conv path runs and why: oneDNN by default where the addon loads, XNNPACK with KDET_NATIVE=0", async () => {
    process.env.KDET_NATIVE = "0";
    const off = await initBackend({ backend: "wasm", quiet: true });
    expect(off.message).toMatch(/; convs on XNNPACK \(native oneDNN path off: disabled by KDET_NATIVE=0\)$/);
    expect(isNativeRegistered(tf.Conv2D)).toBe(false);
    for (const k of WASM_TRAINING_KERNELS) expect(isRegistered(k, "wasm"), k.kernelName).toBe(true);
    delete process.env.KDET_NATIVE;
    const on = await initBackend({ backend: "wasm", quiet: true });
    const load = loadAddon();
    if (load.addon != null) {
      expect(on.message).toMatch(
        /; convs \+ BN\/SiLU \+ matmuls on oneDNN \d+\.\d+\.\d+, \d+ thread\(s\) \(@kdet\/native; KDET_NATIVE=0 for XNNPACK\)$/,
      );
      expect(isNativeRegistered(tf.Conv2D)).toBe(true);
    } else {
      expect(on.message).toContain(`; convs on XNNPACK (native oneDNN path off: ${load.reason})`);
      expect(isNativeRegistered(tf.Conv2D)).toBe(false);
    }
  });

  it("rejects an invalid KDET_NATIVE before choosing a backend", async () => {
    process.env.KDET_NATIVE = "yes";
    await expect(initBackend({ quiet: true })).rejects.toThrow(
      /^initBackend: @kdet\/native: env KDET_NATIVE='yes' is not allowed: use 0 .*, 1 or unset/,
    );
  });

  it("rejects bad options", async () => {
    await expect(initBackend({ backend: "metal" as "cpu" })).rejects.toThrow(
      /invalid options \{"backend":"metal"\}: backend: .*allowed: backend auto\|tensorflow\|wasm\|cpu/,
    );
    await expect(initBackend({ threads: 0 })).rejects.toThrow(/invalid options \{"threads":0\}: threads: /);
  });
});
