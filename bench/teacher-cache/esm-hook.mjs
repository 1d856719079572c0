/**
 * Node module-resolution hook for the benchmark: tfjs-core's ESM build (needed for
 * `register_all_gradients`) imports `./gradients`, which is both `gradients.js` and a directory;
 * tsx resolves the directory and fails with ERR_UNSUPPORTED_DIR_IMPORT. Retry with `.js`.
 */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e && e.code === "ERR_UNSUPPORTED_DIR_IMPORT" && context.parentURL && context.parentURL.includes("/@tensorflow/")) {
      return next(`${specifier}.js`, context);
    }
    throw e;
  }
}
