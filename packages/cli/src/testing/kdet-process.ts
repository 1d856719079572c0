/** Test helper: the kdet command as a child process, run from the sources (tsx + the tfjs ESM hook). */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const root = path.resolve(pkg, "..", "..");
/** tsx's loader, resolved from the repository root (a dev dependency there). */
const tsxLoader = pathToFileURL(createRequire(path.join(root, "package.json")).resolve("tsx")).href;

/** Starts `kdet <args>` in `cwd` (stderr and stdout collected). */
export function spawnKdet(
  args: readonly string[],
  cwd: string,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      "--import",
      tsxLoader,
      "--import",
      pathToFileURL(path.join(pkg, "src", "testing", "register-hook.mjs")).href,
      path.join(pkg, "src", "bin.ts"),
      ...args,
    ],
    {
      cwd,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Runs a TypeScript file of this package (`src/...`) as a child process from the sources; resolves when it exits. */
export function runSourceFile(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      tsxLoader,
      "--import",
      pathToFileURL(path.join(pkg, "src", "testing", "register-hook.mjs")).href,
      path.join(pkg, file),
      ...args,
    ],
    {
      cwd,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
