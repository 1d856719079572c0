/** Test-only: selects tfjs' reference `cpu` backend. */
import "../gradients";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";

/** Selects the cpu backend; call in `beforeAll`. */
export async function useCpuBackend(): Promise<void> {
  // Silences tfjs-cpu's "install tfjs-node" banner in test logs (it only gates log output).
  tf.env().set("IS_TEST", true);
  await tf.setBackend("cpu");
  await tf.ready();
}
