/**
 * Contract of the method presets: every preset of `kdet methods` runs through the CLI as
 * `kdet distill --method ID --teacher RUN --student yolov8-n --data FILE` on a tiny synthetic distill (64 px, one
 * step, one shared YOLOv8-s teacher run), exits 0 and logs a finite part for every term and level; presets that
 * cannot fit a pair are refused with the reason; and, when the BCCD dataset is present, one preset runs on it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LOSS_IDS, LOSSES } from "@kdet/losses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { main } from "./main";
import { METHOD_IDS, METHODS, type MethodPair } from "./methods";
import { RUN_FILES } from "./run-folder";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-methods-"));
const runs = path.join(T, "runs");
const data = path.join(T, "tiny.yaml");
const cwd = process.cwd();

async function kdet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

/** The step lines of a run's metrics.jsonl. */
function stepParts(dir: string): Array<Record<string, number>> {
  return readFileSync(path.join(dir, RUN_FILES.metrics), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; parts?: Record<string, number> })
    .filter((l) => l.kind === "step")
    .map((l) => l.parts!);
}

beforeAll(async () => {
  process.chdir(T);
  writeFileSync(
    data,
    `data:
  train: {type: synthetic, seed: 1, numImages: 2, size: 64, maxObjects: 2, minObjectSize: 16}
  val: {type: synthetic, seed: 2, numImages: 1, size: 64, maxObjects: 2, minObjectSize: 16}
  imageSize: 64
  batchSize: 2
  augment: false
model: {type: yolov8-s}
train: {epochs: 1, optimizer: {type: sgd, lr: 0.01}, ema: false, valEvery: 0}
output: {dir: ${runs}, samples: 0}
`,
  );
  const r = await kdet("train", "--config", data, "--name", "teacher", "--backend", "wasm");
  expect(r.err).not.toMatch(/internal error/);
  expect(r.code).toBe(0);
}, 300_000);
afterAll(() => {
  process.chdir(cwd);
  rmSync(T, { recursive: true, force: true });
});

describe("every method preset through kdet distill --method", () => {
  for (const id of METHOD_IDS) {
    it(`${id}: exit 0, one finite part per term and level`, async () => {
      const teacher = path.join(runs, "teacher");
      const r = await kdet(
        ...["distill", "--method", id, "--teacher", teacher, "--student", "yolov8-n", "--data", data],
        ...["--name", id, "--backend", "wasm"],
      );
      expect(r.err).not.toMatch(/internal error/);
      expect(r.code, r.err).toBe(0);
      const steps = stepParts(path.join(runs, id));
      expect(steps).toHaveLength(1);
      const parts = steps[0]!;
      for (const [k, v] of Object.entries(parts)) expect(Number.isFinite(v), `${k} = ${v}`).toBe(true);
      // a part per term and level: the term names of the preset (name, else loss type) at p3, p4 and p5
      const pair: MethodPair = {
        student: Object.fromEntries(["p3", "p4", "p5"].flatMap((l) => [[`neck.${l}`, { channels: 64 }]])),
        teacher: Object.fromEntries(["p3", "p4", "p5"].flatMap((l) => [[`neck.${l}`, { channels: 128 }]])),
        levels: ["p3", "p4", "p5"],
        anchorsPerLocation: 1,
      };
      // ld reads the head's box maps (not in this neck-only pair): its one term is named ld
      const terms: Array<{ name?: string; loss: { type: string } | Array<{ type: string }> }> =
        id === "ld"
          ? [{ loss: { type: "ld" } }]
          : (METHODS[id].terms(pair) as Array<{ name?: string; loss: unknown }> as never);
      const names = terms.map((t) => t.name ?? (Array.isArray(t.loss) ? t.loss[0]!.type : t.loss.type));
      for (const n of names)
        expect(
          Object.keys(parts).some((k) => k === n || k.startsWith(`${n}/`)),
          n,
        ).toBe(true);
    }, 120_000);
  }
});

describe("raw terms read the trainer's dense targets", () => {
  it("a target the trainer does not compute for the student is refused before training, listing the valid ones", async () => {
    const cfg = path.join(T, "raw-dkd.yaml");
    writeFileSync(
      cfg,
      `${readFileSync(data, "utf8").replace("model: {type: yolov8-s}", "model: {type: yolov8-n}")}
teacher: {type: yolov8-s, weights: ${path.join(runs, "teacher", RUN_FILES.weights)}}
distill:
  - {loss: {type: dkd, background: skip}, student: "head.cls.p{3..5}", teacher: "head.cls.p{3..5}", ctxFrom: {gtLabels: "targets:assigned.p6"}}
`,
    );
    const r = await kdet("distill", "--config", cfg, "--backend", "wasm");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /ctxFrom "targets:assigned.p6" is not a target the trainer computes for this student; allowed: assigned.p3, assigned.p4, assigned.p5, fg.p3/,
    );
  }, 120_000);
});

describe("refusals name the method and the reason", () => {
  const pair = (box: number, anchors = 1): MethodPair => {
    const side = Object.fromEntries(
      ["p3", "p4", "p5"].flatMap((l) => [
        [`neck.${l}`, { channels: 64 }],
        [`head.cls.${l}`, { channels: 3 * anchors }],
        [`head.box.${l}`, { channels: box }],
      ]),
    );
    return { student: side, teacher: side, levels: ["p3", "p4", "p5"], anchorsPerLocation: anchors };
  };
  it("ld needs box distributions of equal bins in both heads (yolov8 16 bins → regMax 15)", () => {
    expect(() => METHODS.ld.terms(pair(4))).toThrow(/method ld: box channels student 4\/4\/4.*DFL heads/);
    expect(METHODS.ld.terms(pair(64))[0]!.loss).toEqual({ type: "ld", regMax: 15 });
  });
  it("confidence reads the box distributions of two DFL heads (for loss.boxWeight), no box maps otherwise", () => {
    const ctx = (box: number, anchors = 1) => METHODS.confidence.terms(pair(box, anchors))[0]!.ctxFrom;
    expect(ctx(64)).toEqual({
      teacherScores: "teacher:head.cls.{level}",
      studentCls: "student:head.cls.{level}",
      teacherBox: "teacher:head.box.{level}",
      studentBox: "student:head.box.{level}",
    });
    for (const c of [ctx(4), ctx(36, 9)])
      expect(Object.keys(c ?? {}).sort()).toEqual(["studentCls", "teacherScores"]);
  });
  it("class-distribution methods need one prediction per location", () => {
    for (const m of ["kd", "dkd", "ld"] as const)
      expect(() => METHODS[m].terms(pair(36, 9))).toThrow(
        new RegExp(`method ${m}: .*9 anchors per location`),
      );
  });
  it("class-score methods need a teacher of the same classes", () => {
    const p = pair(64);
    const teacher = { ...p.teacher, "head.cls.p4": { channels: 8 } };
    for (const m of ["qfl-kd", "cwd-qfl", "kd", "dkd", "confidence", "adaptive"] as const)
      expect(() => METHODS[m].terms({ ...p, teacher })).toThrow(
        new RegExp(`method ${m}: the student's head.cls has 3/3/3 channels, the teacher's 3/8/3`),
      );
  });
  it("a map the teacher does not describe is named with the teacher's maps", () => {
    const p = pair(64);
    expect(() => METHODS.fgd.terms({ ...p, teacher: { "scores.p3": { channels: 80 } } })).toThrow(
      /method fgd: the teacher has no map "neck.p3".*scores.p3/,
    );
  });
  it("one preset per registered loss, each of its loss' kind (cwd-qfl: combined)", () => {
    expect(METHOD_IDS.filter((m) => m !== "cwd-qfl").sort()).toEqual([...LOSS_IDS].sort());
    for (const m of LOSS_IDS) expect(METHODS[m].kind, m).toBe(LOSSES[m].kind);
    expect(METHODS["cwd-qfl"].kind).toBe("combined");
  });
  it("cwd-qfl is the cwd and qfl-kd presets together", () => {
    const p = pair(64);
    expect(METHODS["cwd-qfl"].terms(p)).toEqual([...METHODS.cwd.terms(p), ...METHODS["qfl-kd"].terms(p)]);
  });
});

const bccd = path.join(
  process.env.KDET_DATA ?? path.join(process.env.KDET_SHARED!, ".."),
  "datasets",
  "bccd",
);
const bccdNote = existsSync(bccd) ? "" : ` (skipped: no BCCD dataset at ${bccd}; set KDET_DATA)`;
describe("kdet distill --method on BCCD (CI size)", () => {
  it.skipIf(!existsSync(bccd))(
    `fgd with the shipped BCCD config, two images, one step at 64 px; the synthetic teacher lends its maps${bccdNote}`,
    async () => {
      const list = path.join(T, "bccd-two.txt");
      writeFileSync(list, "BloodImage_00001\nBloodImage_00003\n");
      const split = `{type: voc, root: ${bccd}, splitFile: ${list}}`;
      const r = await kdet(
        ...["distill", "--method", "fgd", "--teacher", path.join(runs, "teacher"), "--student", "yolov8-n"],
        ...["--data", path.join(cwd, "packages", "cli", "configs", "yolov8n-bccd.yaml")],
        ...["--name", "bccd-fgd", "--backend", "wasm"],
        ...["--set", `data.train=${split}`, "--set", `data.val=${split}`, "--set", `data.test=${split}`],
        ...["--set", "data.imageSize=64", "--set", "data.batchSize=2", "--set", "train.epochs=1"],
        ...["--set", "train.valEvery=0", "--set", `output.dir=${runs}`, "--set", "output.samples=0"],
      );
      expect(r.code, r.err).toBe(0);
      const report = readFileSync(path.join(runs, "bccd-fgd", RUN_FILES.report), "utf8");
      expect(report).toMatch(/predicts 8 classes, the dataset has 3; its maps are used, it is not evaluated/);
      const steps = stepParts(path.join(runs, "bccd-fgd"));
      expect(steps).toHaveLength(1);
      for (const l of ["p3", "p4", "p5"]) expect(Number.isFinite(steps[0]![`fgd/${l}`])).toBe(true);
    },
    300_000,
  );
});
