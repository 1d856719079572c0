import { defineConfig } from "tsup";
import { packageBuild, tfjsRegistrationsPlugin } from "../../tsup.base";

// tfjs-core's gradient and chained-op registrations are published only as extension-less ES
// modules, which plain Node cannot import: bundle those registration modules, with everything
// they use taken from the public API of the external @tensorflow/tfjs-core peer.
// `ignoreAnnotations`: `src/gradients.ts` is imported for its side effects only, and this package's
// `sideEffects` field (which describes the published dist/, for users' bundlers) would let esbuild drop it.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts" },
    {
      noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
      esbuildPlugins: [tfjsRegistrationsPlugin()],
      esbuildOptions: (o) => {
        o.ignoreAnnotations = true;
      },
    },
  ),
);
