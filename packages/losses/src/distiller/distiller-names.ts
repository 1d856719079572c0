/**
 * Feature-name patterns of distillation terms: per-level expansion of `neck.p{3..5}` or
 * `neck.{level}` with explicit levels.
 */

/** An expanded pattern: one feature name per level, and the level labels (null = single, unexpanded). */
export interface ExpandedNames {
  names: string[];
  labels: string[] | null;
}

const RANGE = /\{(-?\d+)\.\.(-?\d+)\}/;

/**
 * Expands a feature-name pattern:
 * - with `levels` (e.g. `["p3","p4","p5"]`): every `{level}` is replaced by each level, labels = levels;
 * - `prefix{a..b}suffix` (one integer range, ascending or descending): one name per integer, label = the
 *   last dot-separated segment of the expanded name (`neck.p{3..5}` → `p3`, `p4`, `p5`);
 * - otherwise the single name, label null.
 * Throws when `levels` is given but the pattern has no `{level}`, or both forms are mixed.
 */
export function expandNames(pattern: string, levels?: readonly string[]): ExpandedNames {
  if (levels) {
    if (!pattern.includes("{level}"))
      throw new Error(`feature name '${pattern}' needs a '{level}' placeholder when 'levels' is given`);
    if (RANGE.test(pattern)) throw new Error(`feature name '${pattern}' mixes '{level}' with a range`);
    return { names: levels.map((l) => pattern.replaceAll("{level}", l)), labels: [...levels] };
  }
  if (pattern.includes("{level}"))
    throw new Error(`feature name '${pattern}' has '{level}' but the term gives no 'levels'`);
  const m = RANGE.exec(pattern);
  if (!m) return { names: [pattern], labels: null };
  const [a, b] = [Number(m[1]), Number(m[2])];
  const step = a <= b ? 1 : -1;
  const names: string[] = [];
  for (let i = a; step > 0 ? i <= b : i >= b; i += step) names.push(pattern.replace(RANGE, String(i)));
  if (names.some((n) => RANGE.test(n)))
    throw new Error(`feature name '${pattern}' may hold only one {a..b} range`);
  return { names, labels: names.map((n) => n.slice(n.lastIndexOf(".") + 1)) };
}

/** `record[name]`, or an error naming the term, the side and the available names. */
export function lookupFeature<T>(
  record: Record<string, T>,
  name: string,
  side: "student" | "teacher" | "targets",
  term: string,
): T {
  const v = record[name];
  if (v === undefined) {
    const avail = Object.keys(record).sort();
    throw new Error(
      `distiller: term '${term}': ${side} feature '${name}' not found; available ${side} features: ${avail.length ? avail.join(", ") : "(none)"}`,
    );
  }
  return v;
}
