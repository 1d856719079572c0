/**
 * A method preset entry (`distill: {method: fgd, weight?, levels?, loss?}`) expanded into its terms for a
 * student/teacher pair: the preset's terms with the entry's `weight` and `loss` settings applied, validated as
 * raw terms. Free of TensorFlow.js: the pair is described by the built models when a run starts
 * (distiller-build.ts) and by the registry's static map descriptions in `kdet config print`.
 */
import { type MethodTermSection, TermSchema, type TermSection } from "./config-schema";
import { CliError } from "./errors";
import { type MethodPair, METHODS } from "./methods";

/** The pyramid levels a preset entry reads (default p3–p5). */
export const methodLevels = (e: MethodTermSection): string[] => e.levels ?? ["p3", "p4", "p5"];

/** The terms of the preset entry `e` (at `key`, e.g. `distill[0]`) for `pair`; errors name the entry and method. */
export function methodTerms(e: MethodTermSection, pair: MethodPair, key: string): TermSection[] {
  return METHODS[e.method].terms(pair).map((t) => {
    const withLoss = (l: object) => ({ ...l, ...e.loss });
    const raw = {
      ...t,
      ...(e.weight !== undefined ? { weight: e.weight } : {}),
      loss: Array.isArray(t.loss) ? t.loss.map(withLoss) : withLoss(t.loss),
    };
    const r = TermSchema.safeParse(raw);
    if (!r.success)
      throw new CliError(
        `${key} (method ${e.method}): ${r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`,
      );
    return r.data;
  });
}
