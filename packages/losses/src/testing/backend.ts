/** Test-only: run tests on tfjs' reference `cpu` backend (float32, deterministic). */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import * as tf from "@tensorflow/tfjs-core";

/** Selects the cpu backend; call in `beforeAll`. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}
