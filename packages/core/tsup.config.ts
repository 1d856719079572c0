import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

// tfjs-core's gradient registrations exist only as extension-less ES modules under dist/, which
// plain Node cannot import: bundle them (they use tfjs-core's global engine and registry).
export default defineConfig(
  packageBuild({ index: "src/index.ts" }, { noExternal: [/^@tensorflow\/tfjs-core\/dist\//] }),
);
