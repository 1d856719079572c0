/**
 * Deprecated alias of the one development resolution hook, `packages/cli/src/testing/tfjs-esm-hook.mjs` (tfjs-core's
 * extension-less ES modules under tsx); bench scripts register that file directly. Kept only until no script
 * registers this path.
 */
export { resolve } from "../packages/cli/src/testing/tfjs-esm-hook.mjs";
