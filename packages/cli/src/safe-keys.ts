/**
 * Keys that would reach an object's prototype when a config or JSON file is copied or merged:
 * `__proto__`, `constructor`, `prototype`. kdet refuses them wherever keys come from users or files.
 */
import { CliError } from "./errors";

/** The refused key names. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Throws a CliError naming `source` and the key path when `value` (parsed JSON/YAML) holds an
 * unsafe key at any depth. Iterative, so deeply nested input cannot overflow the stack.
 */
export function checkSafeKeys(value: unknown, source: string): void {
  const stack: Array<{ v: unknown; at: string }> = [{ v: value, at: "" }];
  while (stack.length > 0) {
    const { v, at } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    for (const k of Object.keys(v)) {
      const p = at ? `${at}.${k}` : k;
      if (UNSAFE_KEYS.has(k))
        throw new CliError(
          `${source}: key "${p}" is not allowed (${[...UNSAFE_KEYS].join(", ")} are refused as keys)`,
        );
      stack.push({ v: (v as Record<string, unknown>)[k], at: p });
    }
  }
}
