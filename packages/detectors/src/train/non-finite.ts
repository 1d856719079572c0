/**
 * Non-finite training values (NaN/Inf loss, gradient norm or weights). A step that meets one does
 * not update the weights, checkpoints refuse non-finite tensors, and the trainer stops with
 * {@link NON_FINITE_ADVICE} so the last good `last.ckpt` stays the one to resume from.
 */

/** An error caused by a NaN/Inf value during training (loss, gradient norm, weights). */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NonFiniteError";
  }
}

/** What usually makes a loss diverge, and what to change. */
export const NON_FINITE_ADVICE =
  "usual causes: a learning rate too high (lower train.optimizer.lr, e.g. by 10x), no or too short warmup " +
  "(raise train.schedule.warmupSteps), or a teacher cache stored as float16 whose maps overflow " +
  "(rebuild it with `kdet cache build --dtype float32`)";
