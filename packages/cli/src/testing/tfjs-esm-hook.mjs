/**
 * Node module-resolution hook for kdet: tfjs-core's ESM build (its gradient and chained-op
 * registrations are only published as ESM) imports its own files without extensions
 * (`./gradients/Abs_grad`, `./ops/ops`), which Node's ESM loader refuses. Inside @tensorflow
 * packages, retry such a specifier with `.js`, then `/index.js`.
 */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const code = e?.code;
    const fromTfjs = context.parentURL?.includes("/@tensorflow/");
    if (
      !fromTfjs ||
      (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") ||
      /\.[cm]?js$/.test(specifier)
    )
      throw e;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
