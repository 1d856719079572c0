/**
 * Registers tfjs-core's gradient functions (Sum, Conv2D, …) and chained tensor methods
 * (`x.reshape(…)`), as `@tensorflow/tfjs` does on import. Plain `@tensorflow/tfjs-core` does
 * neither, and training then fails with "gradient function not found". Imported by the core
 * index, so every kdet package can train.
 *
 * In Node, `@tensorflow/tfjs-core` resolves to its CommonJS bundle while these two deep imports
 * are ES modules of the same package. tfjs keeps its engine, kernel registry and tensor class in
 * globals, so both copies share them — but only if the CommonJS bundle initialises first: with
 * the ES copy first, `addN`/`where` gradients fail ("reading 'clone'"). Hence the first import.
 */
import "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
