import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

// Code splitting keeps every dynamic `import()` a separate chunk, so TensorFlow.js (imported by the chunks of
// the commands that run models) is not loaded by help, config and usage errors.
export default defineConfig(packageBuild({ index: "src/index.ts", bin: "src/bin.ts" }, { splitting: true }));
