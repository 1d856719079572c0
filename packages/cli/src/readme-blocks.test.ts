/**
 * Every code block of the root README.md and packages/cli/README.md, checked from a copy of the repository root:
 * `pnpm kdet …` commands run (in order, in-process; train/distill with `--set train.epochs=1` appended, the CI
 * budget), `pnpm <script>` and `npm i -g pnpm@V` name the root scripts and the pinned pnpm, the TypeScript block
 * imports only what @kdet/cli exports, the demo table's numbers are those of bench/demo/RESULTS.md and the run
 * folder tree lists every run file.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { parseConfigText, readConfigFile } from "./config-load";
import { ExperimentSchema } from "./config-schema";
import * as cli from "./index";
import { main } from "./main";
import { RUN_FILES } from "./run-folder";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const READMES = ["README.md", "packages/cli/README.md"];
const pkgJson = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  packageManager: string;
};

/** Fenced blocks of a markdown file: language and text. */
function blocks(file: string): Array<{ lang: string; text: string; where: string }> {
  const md = readFileSync(path.join(repo, file), "utf8");
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    text: m[2]!,
    where: `${file}:${md.slice(0, m.index).split("\n").length}`,
  }));
}

/** Shell words of one command line (single and double quotes; `#` starts a comment outside quotes). */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let has = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === "'" || c === '"') [quote, has] = [c, true];
    else if (c === "#" && !has && cur === "") break;
    else if (/\s/.test(c)) {
      if (has) out.push(cur);
      [cur, has] = ["", false];
    } else [cur, has] = [cur + c, true];
  }
  if (has) out.push(cur);
  return out;
}

/** The commands of a shell block: continuation lines joined, `&&` chains split. */
function commands(text: string): string[][] {
  return text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .flatMap((l) => l.split("&&"))
    .map(words)
    .filter((w) => w.length > 0);
}

const all = READMES.flatMap(blocks);
const shell = all
  .filter((b) => b.lang === "sh")
  .flatMap((b) => commands(b.text).map((c) => ({ c, where: b.where })));
const kdetCommands = shell
  .filter(({ c }) => c[0] === "pnpm" && c[1] === "kdet")
  .map(({ c, where }) => ({ argv: c.slice(2), where }));

describe("README code blocks", () => {
  it("every block is a shell, TypeScript, YAML or output block, and the shell blocks hold kdet commands", () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const b of all) expect(["sh", "ts", "yaml", ""], b.where).toContain(b.lang);
    expect(kdetCommands.length).toBeGreaterThanOrEqual(12);
  });

  it("pnpm scripts exist at the root and the pnpm install line pins the repository's pnpm", () => {
    for (const { c, where } of shell) {
      if (c[0] === "npm") expect(c.join(" "), where).toBe(`npm i -g ${pkgJson.packageManager}`);
      if (c[0] === "pnpm" && c[1] !== "install" && c[1] !== "exec")
        expect(Object.keys(pkgJson.scripts), where).toContain(c[1]);
      expect(["npm", "pnpm"], where).toContain(c[0]);
    }
    expect(pkgJson.scripts.kdet).toBe("node packages/cli/bin/kdet.js");
  });

  it("YAML blocks are config fragments: merged into a shipped config, the experiment validates", () => {
    const base = readConfigFile(path.join(repo, "packages/cli/configs/cwd-yolov8s-to-n.yaml")) as Record<
      string,
      unknown
    >;
    const merge = (a: unknown, b: unknown): unknown =>
      a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)
        ? Object.fromEntries(
            [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
              k,
              k in b
                ? merge((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
                : (a as Record<string, unknown>)[k],
            ]),
          )
        : b;
    const yaml = all.filter((b) => b.lang === "yaml");
    expect(yaml.length).toBeGreaterThan(0);
    for (const b of yaml) {
      const r = ExperimentSchema.safeParse(merge(base, parseConfigText(b.text, b.where)));
      expect(r.success, `${b.where}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
  });

  it("the TypeScript block imports only names @kdet/cli exports", () => {
    const ts = all.filter((b) => b.lang === "ts");
    expect(ts.length).toBeGreaterThan(0);
    for (const b of ts) {
      const names = /import\s*{([^}]*)}\s*from\s*"@kdet\/cli"/
        .exec(b.text)?.[1]
        ?.split(",")
        .map((n) => n.trim())
        .filter(Boolean);
      expect(names?.length, b.where).toBeGreaterThan(0);
      for (const n of names!) expect(n in cli, `${b.where}: ${n}`).toBe(true);
    }
  });

  it("output blocks: the demo table's numbers are bench/demo/RESULTS.md's; the run folder tree lists every run file", () => {
    const results = readFileSync(path.join(repo, "bench/demo/RESULTS.md"), "utf8");
    const out = all.filter((b) => b.lang === "");
    const tables = out.filter((b) => b.text.startsWith("| model |"));
    expect(tables.length).toBe(2);
    for (const t of tables)
      for (const row of t.text.split("\n").filter((l) => /^\| (teacher|baseline|cwd) \|/.test(l)))
        for (const cell of row
          .split("|")
          .slice(6, 9)
          .map((s) => s.trim())
          .filter(Boolean))
          expect(results, `${t.where}: ${cell}`).toContain(cell.replace(/ ± 0\.0$/, ""));
    const tree = out.find((b) => b.text.startsWith("runs/<name>/"));
    for (const f of Object.values(RUN_FILES).filter((f) => !["done.json", "run.json"].includes(f)))
      expect(tree?.text, f).toContain(f);
  });

  describe("pnpm kdet commands run from a copy of the repository root", () => {
    let base = "";
    const cwd = process.cwd();
    beforeAll(() => {
      base = mkdtempSync(path.join(os.tmpdir(), "kdet-readme-"));
      const root = path.join(base, "repo");
      mkdirSync(path.join(root, "photos"), { recursive: true });
      symlinkSync(path.join(repo, "packages"), path.join(root, "packages"));
      symlinkSync(process.env.KDET_DATA!, path.join(base, "shared"));
      const jpgs = readdirSync(path.join(process.env.KDET_DATA!, "datasets/bccd/JPEGImages")).slice(0, 2);
      for (const f of jpgs)
        copyFileSync(
          path.join(process.env.KDET_DATA!, "datasets/bccd/JPEGImages", f),
          path.join(root, "photos", f),
        );
      process.chdir(root);
    });
    afterAll(() => {
      process.chdir(cwd);
      rmSync(base, { recursive: true, force: true });
    });

    for (const { argv, where } of kdetCommands) {
      const budget =
        ["train", "distill"].includes(argv[0]!) && !argv.includes("--resume")
          ? ["--set", "train.epochs=1"]
          : [];
      it(`${where}: kdet ${argv.join(" ")}`, async () => {
        const io = bufferIo();
        const code = await main([...argv, ...budget], io);
        expect(code, io.err.join("")).toBe(0);
      }, 600_000);
    }

    it("kdet train --resume continues the distill run of the example as a distill run", async () => {
      const io = bufferIo();
      expect(await main(["train", "--resume", "runs/cwd-yolov8s-to-n"], io), io.err.join("")).toBe(0);
      expect(io.err.join("")).toContain(
        "note: runs/cwd-yolov8s-to-n is a kdet distill run; continuing it as one",
      );
    }, 600_000);
  });
});
