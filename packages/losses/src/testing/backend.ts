/** Test-only: run tests on tfjs' reference `cpu` backend (float32, deterministic). */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// Registers gradients and chained ops in the right order (see core/src/gradients.ts).
import "@kdet/core";

/** Selects the cpu backend; call in `beforeAll`. */
export async function useCpuBackend(): Promise<void> {
  // Silences tfjs-cpu's "install tfjs-node" banner in test logs (it only gates log output).
  tf.env().set("IS_TEST", true);
  await tf.setBackend("cpu");
  await tf.ready();
}
