/**
 * Pack the workspace packages and install them the way a user does: `pnpm pack` each package (workspace ranges
 * become versions), then `npm install` the tarballs into an empty project outside the workspace.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** name → tarball path of every publishable workspace package. */
export type Tarballs = Record<string, string>;

/** Packs every non-private package under packages/ into `dest` (built dist must exist: run `pnpm build` first). */
export function packAll(dest: string): Tarballs {
  mkdirSync(dest, { recursive: true });
  const out: Tarballs = {};
  for (const dir of readdirSync(path.join(ROOT, "packages"))) {
    const pkgDir = path.join(ROOT, "packages", dir);
    const manifest = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as {
      name: string;
      private?: boolean;
    };
    if (manifest.private) continue;
    const printed = execFileSync("pnpm", ["pack", "--pack-destination", dest], {
      cwd: pkgDir,
      encoding: "utf8",
    });
    const tgz = printed.trim().split("\n").pop()!.trim();
    out[manifest.name] = path.isAbsolute(tgz) ? tgz : path.join(dest, path.basename(tgz));
  }
  return out;
}

/** The `@kdet/*` packages `name` depends on at run time (transitively, from the tarballs' manifests), itself included. */
export function kdetClosure(name: string, tarballs: Tarballs): string[] {
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n) || tarballs[n] == null) return;
    seen.add(n);
    const manifest = JSON.parse(
      execFileSync("tar", ["-xzOf", tarballs[n]!, "package/package.json"], { encoding: "utf8" }),
    ) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  visit(name);
  return [...seen];
}

/**
 * Creates an empty ESM project in `dir` and runs `npm install` of `name` from its tarball, the `@kdet/*` tarballs
 * it needs (not on the registry), and `extra` registry packages (e.g. the user's own `@tensorflow/tfjs-core`).
 */
export function installProject(dir: string, name: string, tarballs: Tarballs, extra: string[] = []): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  const specs = kdetClosure(name, tarballs).map((n) => tarballs[n]!);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs, ...extra], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** Bytes (apparent file sizes) and installed-package count under `dir` (e.g. a project's node_modules). */
export function dirSize(dir: string): { bytes: number; packages: number } {
  let bytes = 0;
  let packages = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        bytes += statSync(p).size;
        const owner = path.basename(path.dirname(path.dirname(p)));
        if (e.name === "package.json" && (owner === "node_modules" || owner.startsWith("@"))) packages++;
      }
    }
  };
  walk(dir);
  return { bytes, packages };
}
