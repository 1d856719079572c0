import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "./init-backend";
import { findTensorflowPackage } from "./tensorflow-loader";

const require = createRequire(import.meta.url);

/**
 * A user project (outside kdet's node_modules) with a package named @tensorflow/tfjs-node that
 * registers a backend 'tensorflow' on the same tfjs-core — standing in for the real N-API package,
 * which cannot be installed here (its install downloads libtensorflow).
 */
function makeUserProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-user-project-"));
  const pkg = path.join(dir, "node_modules", "@tensorflow", "tfjs-node");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, "package.json"),
    JSON.stringify({ name: "@tensorflow/tfjs-node", version: "4.22.0", main: "index.js" }),
  );
  writeFileSync(
    path.join(pkg, "index.js"),
    `const tf = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-core"))});
const { MathBackendCPU } = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-backend-cpu"))});
tf.registerBackend("tensorflow", () => new MathBackendCPU(), 0);\n`,
  );
  return dir;
}

describe("tensorflow backend discovery", () => {
  const project = makeUserProject();
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(project, { recursive: true, force: true });
  });

  it("finds nothing from kdet itself, and the user's package from the user's project", () => {
    expect(findTensorflowPackage([cwd])).toBeNull();
    const found = findTensorflowPackage([cwd, project]);
    expect(found?.name).toBe("@tensorflow/tfjs-node");
    expect(found?.path).toBe(path.join(project, "node_modules", "@tensorflow", "tfjs-node", "index.js"));
  });

  it("initBackend run from the user's project selects 'tensorflow' first", async () => {
    process.chdir(project);
    const info = await initBackend({ quiet: true });
    expect(info).toMatchObject({
      backend: "tensorflow",
      requested: "auto",
      threads: null,
      kernels: [],
      skipped: [],
    });
    expect(info.message).toMatch(/native libtensorflow from @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe("tensorflow");
    process.chdir(cwd);
    expect((await initBackend({ backend: "wasm", quiet: true })).backend).toBe("wasm");
  });
});
