/**
 * Differences between two resolved configs (plain JSON values): every changed, added or removed
 * leaf as a dotted path with the old and new value, in key order. Used by `--resume` to refuse a run
 * whose config was edited after it started.
 */

/** One changed field. */
export interface ConfigChange {
  /** Dotted path, list items by index (`distill.0.weight`). */
  path: string;
  /** Value when the run started (undefined: the key was absent). */
  before: unknown;
  /** Value now (undefined: the key was removed). */
  after: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

/** The fields that differ between `before` and `after` (deep, lists compared item by item). */
export function configChanges(before: unknown, after: unknown, at = ""): ConfigChange[] {
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) =>
      Array.isArray(before) ? Number(a) - Number(b) : a.localeCompare(b),
    );
    return keys.flatMap((k) =>
      configChanges(
        (before as Record<string, unknown>)[k],
        (after as Record<string, unknown>)[k],
        at ? `${at}.${k}` : k,
      ),
    );
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at || "(config)", before, after }];
}
