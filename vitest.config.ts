import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Tests run on sources: every `@kdet/<pkg>` import resolves to `packages/<pkg>/src/index.ts`. */
export default defineConfig({
  resolve: {
    alias: [{ find: /^@kdet\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Real data and reference vectors live beside the clone; tests read them from there.
    env: { KDET_SHARED: process.env.KDET_SHARED ?? resolve(root, "../shared") },
  },
});
