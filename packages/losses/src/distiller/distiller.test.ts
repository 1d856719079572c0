import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAbf } from "../relation/abf";
import { Distiller } from "./distiller";
import { expandNames } from "./distiller-names";
import { createHcl } from "../relation/hcl";
import { createKd } from "../head/kd";
import { createLd } from "../head/ld";
import { useCpuBackend } from "../testing/backend";
import { expectNoLeak } from "../testing/head-golden";

beforeAll(useCpuBackend);

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);
const num = (x: tf.Tensor) => x.dataSync()[0]!;

/** A small pyramid record: neck.p3..p5 (8/4/2 px maps), head.cls logits, head.box DFL logits per level. */
function record(seed: number, c = 4): Record<string, tf.Tensor> {
  return {
    "neck.p3": rnd([2, 8, 8, c], seed),
    "neck.p4": rnd([2, 4, 4, c], seed + 1),
    "neck.p5": rnd([2, 2, 2, c], seed + 2),
    "head.cls": rnd([2, 10], seed + 3),
    "head.cls.p3": rnd([2, 8, 8, 3], seed + 4),
    "head.box.p3": rnd([2, 8, 8, 20], seed + 5),
  };
}

describe("distiller names", () => {
  it("expands ranges and {level} placeholders", () => {
    expect(expandNames("neck.p{3..5}")).toEqual({
      names: ["neck.p3", "neck.p4", "neck.p5"],
      labels: ["p3", "p4", "p5"],
    });
    expect(expandNames("fpn.{level}.out", ["a", "b"])).toEqual({
      names: ["fpn.a.out", "fpn.b.out"],
      labels: ["a", "b"],
    });
    expect(expandNames("head.cls")).toEqual({ names: ["head.cls"], labels: null });
    expect(() => expandNames("neck.p3", ["p3"])).toThrow(/needs a '\{level\}' placeholder/);
  });
});

describe("Distiller", () => {
  const sf = record(1);
  const tfe = record(100);

  it("total equals the hand-weighted sum of the individual losses; parts per term and level", () => {
    const d = Distiller.create([
      { loss: { type: "hcl" }, weight: 2, student: "neck.p{3..5}", teacher: "neck.p{3..5}" },
      { loss: { type: "kd", tau: 2 }, weight: 0.5, student: "head.cls", teacher: "head.cls" },
      {
        name: "ld3",
        loss: { type: "ld", regMax: 4 },
        weight: 3,
        student: "head.box.{level}",
        teacher: "head.box.{level}",
        levels: ["p3"],
        ctxFrom: { studentCls: "student:head.cls.{level}", assignedLabels: "teacher:labels" },
      },
    ]);
    const labels = tf.tensor3d(
      Array.from({ length: 128 }, (_, i) => i % 5),
      [2, 8, 8],
      "int32",
    );
    const r = d.compute(sf, { ...tfe, labels });
    expect(d.partNames).toEqual(["hcl/p3", "hcl/p4", "hcl/p5", "kd", "ld3/p3"]);
    expect(d.requiredFeatures).toEqual({
      student: ["neck.p3", "neck.p4", "neck.p5", "head.cls", "head.box.p3", "head.cls.p3"],
      teacher: ["neck.p3", "neck.p4", "neck.p5", "head.cls", "head.box.p3", "labels"],
      targets: [],
    });
    const hcl = createHcl();
    const kd = createKd({ tau: 2 });
    const ld = createLd({ regMax: 4 });
    const parts = {
      "hcl/p3": 2 * num(hcl.compute(sf["neck.p3"]!, tfe["neck.p3"]!).total),
      "hcl/p4": 2 * num(hcl.compute(sf["neck.p4"]!, tfe["neck.p4"]!).total),
      "hcl/p5": 2 * num(hcl.compute(sf["neck.p5"]!, tfe["neck.p5"]!).total),
      kd: 0.5 * num(kd.compute(sf["head.cls"]!, tfe["head.cls"]!).total),
      "ld3/p3":
        3 *
        num(
          ld.compute(sf["head.box.p3"]!, tfe["head.box.p3"]!, {
            studentCls: sf["head.cls.p3"]!,
            assignedLabels: labels,
          }).total,
        ),
    };
    for (const [k, v] of Object.entries(parts)) expect(num(r.parts[k]!), k).toBeCloseTo(v, 5);
    expect(parts["ld3/p3"]).toBeGreaterThan(0);
    expect(num(r.total)).toBeCloseTo(
      Object.values(parts).reduce((a, b) => a + b, 0),
      4,
    );
    expectNoLeak(() => d.compute(sf, { ...tfe, labels }));
    d.dispose();
  });

  it("per-level adapters are trainable and distinct; a multi-level term (abf) gets all levels at once", () => {
    const t6 = {
      "neck.p3": rnd([2, 8, 8, 6], 7),
      "neck.p4": rnd([2, 4, 4, 6], 8),
      "neck.p5": rnd([2, 2, 2, 6], 9),
    };
    const d = Distiller.create(
      [
        {
          loss: { type: "hcl" },
          student: "neck.p{3..5}",
          teacher: "neck.p{3..5}",
          adapter: { inChannels: 4, outChannels: 6 },
        },
        {
          loss: { type: "abf", studentChannels: [4, 4, 4], teacherChannels: [6, 6, 6], midChannel: 5 },
          student: "neck.p{3..5}",
          teacher: "neck.p{3..5}",
        },
      ],
      { seed: 3 },
    );
    expect(d.partNames).toEqual(["hcl/p3", "hcl/p4", "hcl/p5", "abf"]);
    const abf = createAbf({ studentChannels: [4, 4, 4], teacherChannels: [6, 6, 6], midChannel: 5 });
    expect(d.variables.length).toBe(3 * 2 + abf.variables.length);
    abf.dispose();
    const before = d.variables.map((v) => v.dataSync().slice());
    const { grads } = tf.variableGrads(() => d.compute(sf, t6).total, d.variables);
    tf.train.sgd(0.1).applyGradients(grads);
    d.variables.forEach((v, i) =>
      expect(
        v.dataSync().some((x, j) => x !== before[i]![j]),
        v.name,
      ).toBe(true),
    );
    d.dispose();
  });

  it("per-level loss configs and adapters (different channels per level)", () => {
    const s2 = { "f.q3": rnd([2, 4, 4, 4], 1), "f.q4": rnd([2, 2, 2, 8], 2) };
    const t2 = {
      "f.q3": rnd([2, 4, 4, 6], 3),
      "f.q4": rnd([2, 2, 2, 12], 4),
      "cls.q3": rnd([2, 4, 4, 3], 5),
      "cls.q4": rnd([2, 2, 2, 3], 6),
    };
    const levels = [
      { inChannels: 4, outChannels: 6 },
      { inChannels: 8, outChannels: 12 },
    ];
    const d = Distiller.create([
      {
        loss: levels.map((c) => ({
          type: "score-l2" as const,
          projector: "conv" as const,
          studentChannels: c.inChannels,
          teacherChannels: c.outChannels,
        })),
        student: "f.q{3..4}",
        teacher: "f.q{3..4}",
        ctxFrom: { teacherScores: "teacher:cls.q{3..4}" },
      },
      { loss: { type: "hcl" }, student: "f.q{3..4}", teacher: "f.q{3..4}", adapter: levels },
    ]);
    const r = d.compute(s2, t2);
    expect(Object.keys(r.parts)).toEqual(["score-l2/q3", "score-l2/q4", "hcl/q3", "hcl/q4"]);
    expect(d.variables.map((v) => v.shape)).toEqual([
      [1, 1, 4, 6],
      [6],
      [1, 1, 8, 12],
      [12],
      [1, 1, 4, 6],
      [6],
      [1, 1, 8, 12],
      [12],
    ]);
    expect(() =>
      Distiller.create([
        { loss: [{ type: "kd" }, { type: "hcl" }], student: "f.q{3..4}", teacher: "f.q{3..4}" },
      ]),
    ).toThrow(/must share one type/);
    expect(() =>
      Distiller.create([
        {
          loss: { type: "hcl" },
          student: "f.q{3..4}",
          teacher: "f.q{3..4}",
          adapter: [levels[0]!, levels[0]!, levels[0]!],
        },
      ]),
    ).toThrow(/3 adapters for 2 levels/);
    d.dispose();
  });

  it("errors: unknown names list the available ones; shape mismatches name term, names and shapes", () => {
    const d = Distiller.create([{ loss: { type: "hcl" }, student: "neck.p{3..5}", teacher: "neck.q{3..5}" }]);
    expect(() => d.compute(sf, tfe)).toThrow(
      /term 'hcl\/p3': teacher feature 'neck.q3' not found; available teacher features: head.box.p3, head.cls, head.cls.p3, neck.p3, neck.p4, neck.p5/,
    );
    const c = Distiller.create([{ loss: { type: "hcl" }, student: "neck.p3", teacher: "neck.p3" }]);
    expect(() => c.compute(sf, { "neck.p3": rnd([2, 8, 8, 5], 1) })).toThrow(
      "distiller: term 'hcl': student 'neck.p3' [2,8,8,4] vs teacher 'neck.p3' [2,8,8,5]: channels differ and the term has no adapter",
    );
    expect(() => c.compute(sf, { "neck.p3": rnd([2, 8, 7, 4], 1) })).toThrow(
      /\[2,8,8,4\] vs teacher 'neck.p3' \[2,8,7,4\]: spatial sizes differ/,
    );
    expect(() => c.compute(sf, { "neck.p3": rnd([3, 8, 8, 4], 1) })).toThrow(/batch sizes differ/);
    const a = Distiller.create([
      {
        loss: { type: "hcl" },
        student: "neck.p3",
        teacher: "neck.p3",
        adapter: { inChannels: 3, outChannels: 4 },
      },
    ]);
    expect(() => a.compute(sf, tfe)).toThrow(/the adapter maps 3 → 4 channels/);
    expect(() => Distiller.create([{ loss: { type: "kd", tau: -1 }, student: "a", teacher: "b" }])).toThrow(
      /invalid terms[\s\S]*tau/,
    );
    expect(() => Distiller.create([{ loss: { type: "nope" } as never, student: "a", teacher: "b" }])).toThrow(
      /terms\[0\].loss.type 'nope' is not a loss; known: .*\bkd\b/,
    );
    expect(() =>
      Distiller.create([
        { loss: { type: "kd" }, student: "a", teacher: "b" },
        { loss: { type: "kd" }, student: "c", teacher: "d" },
      ]),
    ).toThrow(/two terms produce the part 'kd'/);
    expect(() =>
      Distiller.create([{ loss: { type: "hcl" }, student: "neck.p{3..5}", teacher: "neck.p3" }]),
    ).toThrow(/expands to 3 names but teacher 'neck.p3' to 1/);
    for (const x of [d, c, a]) x.dispose();
  });
});
