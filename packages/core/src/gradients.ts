/**
 * Registers tfjs-core's gradient functions (Sum, Conv2D, …) and chained tensor methods
 * (`x.reshape(…)`), as `@tensorflow/tfjs` does on import. Plain `@tensorflow/tfjs-core` does
 * neither, and training then fails with "gradient function not found". Imported by the core
 * index, so every kdet package can train.
 */
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
