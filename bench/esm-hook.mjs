/**
 * Node module-resolution hook for the bench/* scripts under tsx (`register("../esm-hook.mjs", import.meta.url)`): tfjs-core's ESM build (reached through
 * `@tensorflow/tfjs-core/dist/register_all_gradients`) imports `./gradients`, which is both
 * `gradients.js` and a directory; Node then fails with ERR_UNSUPPORTED_DIR_IMPORT. Retry with `.js`.
 */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e && e.code === "ERR_UNSUPPORTED_DIR_IMPORT" && context.parentURL?.includes("/@tensorflow/")) {
      return next(`${specifier}.js`, context);
    }
    throw e;
  }
}
