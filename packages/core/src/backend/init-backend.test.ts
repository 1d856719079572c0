import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { defaultWasmThreads, initBackend } from "./init-backend";
import { CPU_FIXES, isRegistered, WASM_TRAINING_KERNELS } from "./register-kernels";
import { findTensorflowPackage } from "./tensorflow-loader";

describe("initBackend", () => {
  afterEach(() => {
    delete process.env.KDET_BACKEND;
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

  it("rejects bad options", async () => {
    await expect(initBackend({ backend: "metal" as "cpu" })).rejects.toThrow(
      /invalid options \{"backend":"metal"\}: backend: .*allowed: backend auto\|tensorflow\|wasm\|cpu/,
    );
    await expect(initBackend({ threads: 0 })).rejects.toThrow(/invalid options \{"threads":0\}: threads: /);
  });
});
