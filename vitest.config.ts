import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Tests run on sources: every `@kdet/<pkg>` import resolves to `packages/<pkg>/src/index.ts`, and the
 * TensorFlow.js-free subpath `@kdet/<pkg>/config` to `packages/<pkg>/src/config.ts`.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@kdet\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
      { find: /^@kdet\/([a-z-]+)\/config$/, replacement: `${root}packages/$1/src/config.ts` },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["./vitest.tmpdir.ts"],
    // One test file per core. Vitest's default keeps a core free (on 2 cores: 1 worker, every file in sequence),
    // while each test process runs the wasm backend on a single XNNPACK thread (`defaultWasmThreads` under
    // vitest), so files in parallel are what uses the machine. Env VITEST_MAX_WORKERS or --maxWorkers overrides.
    maxWorkers: availableParallelism(),
    // Small reference data is in the repository (testdata/; KDET_LOSS_GOLDENS / KDET_EVAL_CASES point the suites
    // at another folder in the same format). Large real data (coco128, BCCD, the large eval case) is found under
    // KDET_DATA (default: `shared/` beside the clone, holding datasets/{coco128,coco128-json,bccd} and
    // eval-cases/large); suites that need it skip with a message naming the missing folder.
    env: { KDET_DATA: process.env.KDET_DATA ?? resolve(root, "../shared") },
  },
});
