// A CommonJS consumer (node >= 20.19 loads the ESM packages through require): gradients of a kdet loss.
const os = require("node:os");
const tf = require("@tensorflow/tfjs-core");
const { initBackend } = require("@kdet/core");
const { createLoss } = require("@kdet/losses");

initBackend({ quiet: true }).then((info) => {
  if (info.threads !== os.cpus().length)
    throw new Error(`expected ${os.cpus().length} threads: ${info.message}`);
  const s = tf.randomNormal([2, 8, 8, 4], 0, 1, "float32", 1);
  const t = tf.randomNormal([2, 8, 8, 4], 0, 1, "float32", 2);
  const g = tf.grad((x) => createLoss({ type: "cwd", tau: 1 }).compute(x, t).total)(s);
  if (!(tf.max(tf.abs(g)).dataSync()[0] > 0)) throw new Error("zero gradient");
  console.log(`CommonJS: ${info.backend}, ${info.threads} thread(s), CWD gradient ${g.shape.join("x")}`);
});
