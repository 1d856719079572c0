import type { Options } from "tsup";

/** The one tsup configuration every package builds with: ESM + .d.ts, node20, sourcemaps. */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    dts: true,
    target: "node20",
    platform: "node",
    sourcemap: true,
    clean: true,
    splitting: false,
    tsconfig: "tsconfig.json",
    ...extra,
  };
}
