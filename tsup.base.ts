import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Options } from "tsup";

/**
 * The one tsup configuration every package builds with: ESM + .d.ts, node20, sourcemaps, code
 * splitting (a package's bin and index share chunks instead of each bundling a full copy).
 */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    dts: true,
    target: "node20",
    platform: "node",
    sourcemap: true,
    clean: true,
    splitting: true,
    tsconfig: "tsconfig.json",
    ...extra,
  };
}

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

const TFJS_DIST = /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]/;
/** tfjs-core modules bundled as published: the gradient configs and chained-op registrations. */
const REGISTRATIONS =
  /[\\/]dist[\\/](register_all_gradients\.js|gradients[\\/][^\\/]+|public[\\/]chained_ops[\\/][^\\/]+)$/;

/** Which object of tfjs-core's public API holds the exports of an internal module (path relative to dist/; "" = the top level). */
function publicHolder(rel: string): string {
  if (rel === "util.js" || rel === "util_base.js") return "util";
  if (rel === "ops/slice_util.js") return "slice_util";
  if (/^ops\/[a-z_]+_util\.js$/.test(rel)) return "backend_util";
  if (rel === "tensor_util.js") return "tensor_util";
  return "";
}

/** Hand-written stand-ins for internal modules whose public form is not a plain re-export. */
const SPECIAL: Record<string, string> = {
  "engine.js": "export const ENGINE = tf.engine();",
  "environment.js": "export function env() { return tf.env(); }",
  "tensor.js":
    "export const Tensor = tf.Tensor;\nexport const Variable = tf.Variable;\nexport function getGlobalTensorClass() { return tf.Tensor; }",
};

/** Names an ES module of tfjs-core's dist exports (following `export *`). */
function exportedNames(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const src = readFileSync(file, "utf8");
  const names = new Set<string>();
  for (const m of src.matchAll(
    /^export (?:declare )?(?:const|let|var|function\*?|class|async function) ([\w$]+)/gm,
  ))
    names.add(m[1]!);
  for (const m of src.matchAll(/^export \{([^}]*)\}/gm))
    for (const part of m[1]!.split(",")) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  for (const m of src.matchAll(/^export \* from '([^']+)'/gm))
    for (const n of exportedNames(resolveModule(path.dirname(file), m[1]!), seen)) names.add(n);
  return [...names];
}

/** Resolves an extension-less relative specifier of tfjs-core's ESM build (`./ops/ops`, `./gradients`). */
function resolveModule(dir: string, spec: string): string {
  const base = path.resolve(dir, spec);
  for (const f of [base, `${base}.js`, path.join(base, "index.js")])
    if (f.endsWith(".js") && existsSync(f)) return f;
  throw new Error(`tfjs-core build: cannot resolve '${spec}' from ${dir}`);
}

/**
 * esbuild plugin for @kdet/core: tfjs-core publishes its gradient functions and chained tensor
 * methods only as extension-less ES modules under `dist/` (plain Node cannot import them, and
 * `@tensorflow/tfjs` bundles them into its own build). This bundles just those registration
 * modules, and every internal module they import is replaced by the same functions taken from the
 * public API of the user's `@tensorflow/tfjs-core` (external peer: one engine, one kernel and
 * gradient registry). An internal module with a name the public API lacks is bundled as is
 * (listed at the end of the build); a name that resolves nowhere fails the build.
 */
export function tfjsRegistrationsPlugin(): EsbuildPlugin {
  return {
    name: "kdet-tfjs-registrations",
    setup(build) {
      const require = createRequire(path.join(process.cwd(), "package.json"));
      const publicApi = require("@tensorflow/tfjs-core") as Record<string, Record<string, unknown>>;
      const copied = new Set<string>();
      const shimmed = new Set<string>();
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!TFJS_DIST.test(args.importer)) return undefined;
        const file = resolveModule(args.resolveDir, args.path);
        if (REGISTRATIONS.test(file)) return { path: file };
        return { path: file, namespace: "tfjs-public" };
      });
      build.onLoad({ filter: /.*/, namespace: "tfjs-public" }, (args) => {
        const dist = args.path.slice(
          0,
          args.path.search(TFJS_DIST) + "@tensorflow/tfjs-core/dist/".length + 1,
        );
        const rel = path.relative(dist, args.path).split(path.sep).join("/");
        const head = 'import * as tf from "@tensorflow/tfjs-core";\n';
        const special = SPECIAL[rel];
        if (special != null) return { contents: head + special, loader: "js" };
        const holder = publicHolder(rel);
        const names = exportedNames(args.path);
        const api = holder === "" ? publicApi : publicApi[holder];
        if (api != null && names.length > 0 && names.every((n) => n in api)) {
          const from = holder === "" ? "tf" : `tf.${holder}`;
          shimmed.add(rel);
          return {
            contents: head + names.map((n) => `export const ${n} = ${from}.${n};`).join("\n"),
            loader: "js",
          };
        }
        copied.add(rel);
        return {
          contents: readFileSync(args.path, "utf8"),
          loader: "js",
          resolveDir: path.dirname(args.path),
        };
      });
      build.onEnd(() => {
        if (process.env.KDET_BUILD_VERBOSE)
          console.info(`tfjs-core internals from its public API: ${[...shimmed].sort().join(", ")}`);
        if (copied.size > 0)
          console.info(
            `tfjs-core internals bundled (not in its public API): ${[...copied].sort().join(", ")}`,
          );
      });
    },
  };
}
