// `pnpm check:packages`: publint (strict) and @arethetypeswrong/cli (ESM-only profile: the packages publish ESM
// only, for node >= 20.19) on every publishable package. Run after `pnpm build`. Exit status 1 if any fails.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let failed = 0;
for (const dir of readdirSync(path.join(root, "packages"))) {
  const pkgDir = path.join(root, "packages", dir);
  const { name, private: priv } = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  if (priv) continue;
  for (const [tool, args] of [
    ["publint", ["publint", "run", pkgDir, "--strict"]],
    ["attw", ["attw", "--pack", pkgDir, "--profile", "esm-only", "--format", "table-flipped"]],
  ]) {
    try {
      execFileSync("pnpm", ["exec", ...args], { cwd: root, encoding: "utf8", stdio: "pipe" });
      console.log(`ok   ${name} ${tool}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name} ${tool}\n${(e.stdout ?? "") + (e.stderr ?? "")}`.trim());
    }
  }
}
console.log(failed === 0 ? "all packages pass publint and attw" : `${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
