// The @kdet/losses README example in a user's project: a distillation loss inside the user's own tfjs training
// loop, on the wasm backend started by @kdet/core (threads = cores). Exits non-zero if anything is off.
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@kdet/core";
import { createLoss } from "@kdet/losses";

const info = await initBackend();
if (info.backend !== "wasm" || info.threads !== os.cpus().length)
  throw new Error(`expected wasm with ${os.cpus().length} threads, got: ${info.message}`);

const x = tf.randomNormal([2, 16, 16, 8], 0, 1, "float32", 1);
const teacher = tf.tidy(() =>
  tf.relu(tf.conv2d(x, tf.randomNormal([3, 3, 8, 16], 0, 0.5, "float32", 2), 1, "same")),
);
const w = tf.variable(tf.randomNormal([3, 3, 8, 16], 0, 0.1, "float32", 3)); // the student
const cwd = createLoss({ type: "cwd", tau: 1 });
const optimizer = tf.train.adam(0.02);
const step = () =>
  optimizer.minimize(() => cwd.compute(tf.relu(tf.conv2d(x, w, 1, "same")), teacher).total, true);

const first = step().dataSync()[0];
const tensors = tf.memory().numTensors;
let last = first;
for (let i = 0; i < 40; i++) {
  const loss = step();
  last = loss.dataSync()[0];
  loss.dispose();
}
if (!(last < 0.5 * first)) throw new Error(`CWD loss did not fall: ${first} -> ${last}`);
if (tf.memory().numTensors > tensors + 1)
  throw new Error(`tensors leak: ${tensors} -> ${tf.memory().numTensors}`);
console.log(
  `${info.message.split(" — ")[0]}; CWD loss ${first.toFixed(4)} -> ${last.toFixed(4)} in 40 adam steps`,
);
