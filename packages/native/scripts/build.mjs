// Builds the oneDNN addon with node-gyp when a C++ compiler and the oneDNN headers exist; otherwise
// prints why and exits 0, so that installing never fails (kdet then runs its wasm kernels).
// An addon newer than its sources is kept (KDET_NATIVE_BUILD=force rebuilds); KDET_NATIVE_BUILD=0 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (m) => console.log(`@kdet/native: ${m}`);

function which(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim() || null;
}

function nodeGyp() {
  const onPath = which("node-gyp");
  if (onPath) return [onPath];
  const npmBundled = path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  return existsSync(npmBundled) ? [process.execPath, npmBundled] : null;
}

function main() {
  if (process.env.KDET_NATIVE_BUILD === "0") return say("build skipped (KDET_NATIVE_BUILD=0)");
  if (process.platform !== "linux") return say(`not built: ${process.platform} (only Linux is supported)`);
  if (!which(process.env.CXX ?? "g++") && !which("c++")) return say("not built: no C++ compiler (g++)");
  const include = ["/usr/include", "/usr/local/include"].find((d) => existsSync(path.join(d, "dnnl.hpp")));
  if (include == null) return say("not built: oneDNN headers missing (apt-get install libdnnl-dev)");
  const addon = path.join(root, "build", "Release", "kdet_native.node");
  const sources = ["csrc/kdet_native.cc", "binding.gyp"].map((f) => statSync(path.join(root, f)).mtimeMs);
  if (
    process.env.KDET_NATIVE_BUILD !== "force" &&
    existsSync(addon) &&
    statSync(addon).mtimeMs > Math.max(...sources)
  )
    return say("build/Release/kdet_native.node is up to date");
  const gyp = nodeGyp();
  if (gyp == null) return say("not built: node-gyp not found (it ships with npm)");
  // Node's own headers (node_api.h) next to the node binary keep node-gyp offline.
  const nodedir = path.resolve(path.dirname(process.execPath), "..");
  const extra = existsSync(path.join(nodedir, "include", "node", "node_api.h"))
    ? [`--nodedir=${nodedir}`]
    : [];
  const r = spawnSync(gyp[0], [...gyp.slice(1), "rebuild", ...extra], { cwd: root, stdio: "inherit" });
  if (r.status !== 0)
    return say(`not built: node-gyp exited with ${r.status} (kdet falls back to wasm kernels)`);
  say("built build/Release/kdet_native.node (oneDNN)");
}

main();
