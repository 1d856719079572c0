/**
 * Test helper run as a child process (see lazy-tfjs.test.ts): runs `main` in-process for each command line
 * given as JSON in argv[2] and prints, as JSON, each exit status and output, and whether TensorFlow.js was
 * loaded (tfjs-core creates its engine, `globalThis._tfengine`, when its module is evaluated).
 */
import { bufferIo } from "../cli-io";
import { main } from "../main";

const lines = JSON.parse(process.argv[2] ?? "[]") as string[][];
const results = [];
for (const argv of lines) {
  const io = bufferIo();
  const code = await main(argv, io);
  results.push({ argv, code, out: io.out.join(""), err: io.err.join("") });
}
const tfjsLoaded = (globalThis as { _tfengine?: unknown })._tfengine !== undefined;
process.stdout.write(JSON.stringify({ results, tfjsLoaded }));
