// Every pending changeset parses as changesets reads it (front matter between two `---` lines), names a package of
// this workspace and a bump type: a markdown formatter that turns the front matter into a heading makes
// `changeset version` fail at release time, long after the change landed (biome's markdown formatter does that to a
// one-package front matter, so biome.json leaves .changeset/*.md alone).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const fromCli = createRequire(
  createRequire(path.join(root, "package.json")).resolve("@changesets/cli/package.json"),
);
const parse = fromCli("@changesets/parse").default;
const packages = new Set(
  readdirSync(path.join(root, "packages")).map(
    (d) => JSON.parse(readFileSync(path.join(root, "packages", d, "package.json"), "utf8")).name,
  ),
);
const dir = path.join(root, ".changeset");
const bad = [];
const files = readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");
for (const f of files) {
  const file = path.join(".changeset", f);
  try {
    const { releases, summary } = parse(readFileSync(path.join(dir, f), "utf8"));
    if (releases.length === 0) bad.push(`${file}: no package in its front matter`);
    for (const r of releases) {
      if (!packages.has(r.name)) bad.push(`${file}: "${r.name}" is not a package of this workspace`);
      if (!["major", "minor", "patch", "none"].includes(r.type))
        bad.push(`${file}: ${r.name}: bump "${r.type}"`);
    }
    if (!summary.trim()) bad.push(`${file}: empty summary`);
  } catch (e) {
    bad.push(`${file}: ${String(e.message).split("\n")[0]}`);
  }
}
if (bad.length) {
  console.error(`check-changesets: ${bad.length} problem(s)\n${bad.join("\n")}`);
  process.exit(1);
}
console.log(`check-changesets: ${files.length} changeset(s) parse and name workspace packages`);
