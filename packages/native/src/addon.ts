import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The functions of the compiled addon (csrc/kdet_native.cc); every array is a float32 view, never copied. */
export interface NativeAddon {
  /**
   * One NHWC conv on oneDNN. `op` 0 = forward (a = x, b = filter, c = y), 1 = input gradient
   * (a = dy, b = filter, c = dx), 2 = filter gradient (a = x, b = dy, c = dW). `geom` is
   * [N, H, W, Ci, OH, OW, Co, kh, kw, sh, sw, padTop, padLeft]; filters are [kh, kw, Ci, Co].
   */
  conv(op: 0 | 1 | 2, geom: readonly number[], a: Float32Array, b: Float32Array, c: Float32Array): void;
  /** oneDNN's implementation name for that conv (e.g. "brg:avx512_core"). */
  convImpl(op: 0 | 1 | 2, geom: readonly number[]): string;
  /** Fused BatchNorm (batch statistics over m rows of c channels) + SiLU forward; writes out, mean, inv. */
  bnSiluForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
    m: number,
    c: number,
    out: Float32Array,
    mean: Float32Array,
    inv: Float32Array,
  ): void;
  /** Its gradient; writes dx, dgamma, dbeta. */
  bnSiluBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    mean: Float32Array,
    inv: Float32Array,
    m: number,
    c: number,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  /**
   * `dst[dstOff + r·dstStride + j] = src[srcOff + r·srcStride + j]` for r < rows, j < width
   * (4-byte elements; threaded above 32k elements).
   */
  copyBands(
    src: Float32Array | Int32Array,
    dst: Float32Array | Int32Array,
    rows: number,
    width: number,
    srcOff: number,
    srcStride: number,
    dstOff: number,
    dstStride: number,
  ): void;
  /** Max-pool gradient (NHWC, first maximum); geom [N, H, W, C, OH, OW, fh, fw, sh, sw, padTop, padLeft]. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geom: readonly number[]): void;
  /**
   * Nearest-neighbour resize gradient (NHWC): `dx[n, rows[i], cols[j], :] += dy[n, i, j, :]`, dx zeroed first;
   * geom [N, H, W, C, OH, OW]; `rows`/`cols` hold the forward kernel's source row/column of each output
   * row/column. Threaded over dx rows; the same bits as the sequential scatter. Absent in addons built
   * before it was added (the kernel is then not registered).
   */
  resizeNearestGrad?(
    dy: Float32Array,
    dx: Float32Array,
    geom: readonly number[],
    rows: Int32Array,
    cols: Int32Array,
  ): void;
  /**
   * Row-major float32 matrix products on oneDNN's matmul primitive: `c[i] = op(a[i or 0]) · op(b[i or 0])` for i < batch, dims
   * [batch, batchA, batchB, m, k, n, transA, transB] (a side whose batch is 1 is broadcast; `a[i]` is [m, k], or
   * [k, m] when transA; `b[i]` is [k, n], or [n, k] when transB; `c[i]` is [m, n]). Absent in addons built before it
   * was added (the kernel is then not registered).
   */
  batchMatMul?(a: Float32Array, b: Float32Array, c: Float32Array, dims: readonly number[]): void;
  /**
   * RoIAlign on NHWC features, threaded: `op` 0 = forward (a = features [N,H,W,C], out = [K,ph,pw,C]), 1 = gradient
   * w.r.t. the features (a = dy [K,ph,pw,C], out = dx [N,H,W,C]); rois [K, 5] = (b, x1, y1, x2, y2); dims
   * [N, H, W, C, K, ph, pw, samplingRatio, aligned]. Throws naming a RoI whose batch index is not an integer in
   * [0, N). Absent in addons built before it was added (the kernels are then not registered).
   */
  roiAlign?(
    op: 0 | 1,
    a: Float32Array,
    rois: Float32Array,
    out: Float32Array,
    dims: readonly number[],
    spatialScale: number,
  ): void;
  /** Sets the OpenMP thread count (oneDNN and the fused loops); returns the previous one. */
  setThreads(n: number): number;
  /** "oneDNN x.y.z, n thread(s)". */
  version(): string;
}

/** The addon, or why it is absent (not built: no compiler or no oneDNN headers at install time). */
export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Where node-gyp puts the addon, relative to this package's root. */
export const ADDON_PATH = path.join("build", "Release", "kdet_native.node");

/** This package's root (the folder holding package.json), from src/ or dist/. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
}

let cached: AddonLoad | undefined;

/** What env `KDET_NATIVE` asks for: "0" = off, "1" or unset/empty = on where the addon is built and loads. */
export function nativeRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.KDET_NATIVE ?? "";
  if (flag !== "" && flag !== "0" && flag !== "1")
    throw new Error(
      `@kdet/native: env KDET_NATIVE='${flag}' is not allowed: use 0 (off: kdet's XNNPACK kernels), 1 or unset (on where the addon is built)`,
    );
  return flag !== "0";
}

/**
 * Loads the compiled addon once. The native path is the default where the addon was built (C++ compiler and
 * oneDNN at install) and loads; env `KDET_NATIVE=0` turns it off (then nothing is loaded or cached, so a later
 * call without it still loads). When the addon is absent or fails to load, `reason` says why and the caller
 * falls back to the wasm kernels. Throws on an invalid `KDET_NATIVE` value (see {@link nativeRequested}).
 * OpenMP's idle threads are set to yield (`OMP_WAIT_POLICY=passive` unless set) before the library
 * loads, so that they do not spin against tfjs-wasm's XNNPACK threads between native calls.
 */
export function loadAddon(): AddonLoad {
  if (!nativeRequested()) return { addon: null, reason: "disabled by KDET_NATIVE=0" };
  cached ??= loadAddonFile(path.join(packageRoot(), ADDON_PATH));
  return cached;
}

/** Loads the addon at `file` (not cached): the addon, or why not (missing file, or the load error's first line). */
export function loadAddonFile(file: string): AddonLoad {
  if (!existsSync(file))
    return {
      addon: null,
      reason:
        "addon not built (needs a C++ compiler and oneDNN: apt-get install libdnnl-dev, then pnpm install)",
    };
  try {
    process.env.OMP_WAIT_POLICY ??= "passive";
    return { addon: createRequire(import.meta.url)(file) as NativeAddon, reason: null };
  } catch (e) {
    return { addon: null, reason: `addon failed to load: ${(e as Error).message.split("\n")[0]}` };
  }
}
