/**
 * "Did you mean" for mistyped ids, commands and keys: the allowed words closest to what was typed
 * by Levenshtein distance (insertions, deletions, substitutions, adjacent swaps; case-insensitive).
 */

/**
 * Edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two adjacent letters
 * (`trian` → `train`) cost 1 (optimal string alignment, three-row dynamic programme, O(|a|·|b|)).
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    [before, prev] = [prev, cur];
  }
  return prev[b.length]!;
}

/**
 * The allowed words nearest to `typed` (all those at the smallest distance), when that distance is at most a
 * third of the typed length (at least 1, at most 3); a word that starts with `typed` also counts as near.
 */
export function closest(typed: string, allowed: readonly string[]): string[] {
  const t = typed.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  let best = Number.POSITIVE_INFINITY;
  let out: string[] = [];
  for (const w of allowed) {
    const lw = w.toLowerCase();
    const d = Math.min(editDistance(t, lw), lw.startsWith(t) && t.length >= 2 ? 1 : Number.POSITIVE_INFINITY);
    if (d > limit) continue;
    if (d < best) [best, out] = [d, [w]];
    else if (d === best) out.push(w);
  }
  return out;
}

/** `; did you mean "x"?` (or `"x" or "y"`), or "" when nothing allowed is near `typed`. */
export function didYouMean(typed: unknown, allowed: readonly string[]): string {
  if (typeof typed !== "string" || typed === "") return "";
  const near = closest(typed, allowed).filter((w) => w !== typed);
  return near.length ? `; did you mean ${near.map((w) => JSON.stringify(w)).join(" or ")}?` : "";
}
