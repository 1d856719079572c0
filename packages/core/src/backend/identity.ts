import * as tf from "@tensorflow/tfjs-core";
import { input, shareData, type KernelArgs } from "./kernel-io";

/**
 * `Identity` without a copy: the output shares the input's data (refcount + 1), as the tfjs cpu
 * backend does. tfjs-wasm 4.22 copies, and the engine calls Identity for every tensor it saves
 * for the backward pass and for every same-dtype `cast` (kdet backend.md §3.2).
 */
export function identityKernel(args: KernelArgs): tf.TensorInfo {
  return shareData(input(args, tf.Identity, "x"), args.backend);
}
