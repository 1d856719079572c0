/** Test-only: run tests on tfjs' reference `cpu` backend (float32, deterministic). */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";

/** Selects the cpu backend; call in `beforeAll`. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}
