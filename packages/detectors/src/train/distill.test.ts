import * as tf from "@tensorflow/tfjs-core";
import { Distiller } from "@kdet/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import { detectorTeacher } from "../teachers/detector-teacher";
import { useTestBackend } from "../testing/backend";
import { tinySynthetic } from "../testing/synthetic";
import { Trainer, type TrainLog } from "./trainer";

beforeAll(useTestBackend);

const values = (vs: readonly { name: string; variable: tf.Variable }[]): Record<string, number[]> =>
  Object.fromEntries(vs.map((v) => [v.name, Array.from(v.variable.dataSync())]));

describe("distillation step (teacher yolov8-s → student yolov8-n, CWD on P3–P5)", () => {
  it("updates the student and the adapters and leaves the teacher bit-identical", async () => {
    const data = tinySynthetic({ n: 2, batchSize: 2, size: 64 });
    const teacher = createDetector("yolov8-s", { numClasses: 8, seed: 1 });
    const student = createDetector("yolov8-n", { numClasses: 8, seed: 2 });
    const distiller = Distiller.create([
      {
        loss: { type: "cwd", tau: 1 },
        weight: 1,
        student: "neck.p{3..5}",
        teacher: "neck.p{3..5}",
        adapter: [64, 128, 256].map((c) => ({ inChannels: c, outChannels: 2 * c })),
      },
    ]);
    // counted after Distiller.create: ConvAdapter (in @kdet/losses) keeps its init tensors alive
    const before = tf.memory().numTensors;
    teacher.train(true); // the teacher adapter must switch it to inference mode
    const teacher0 = values(namedVariables(teacher));
    const student0 = values(namedVariables(student));
    const adapters0 = distiller.variables.map((v) => Array.from(v.dataSync()));
    const logs: TrainLog[] = [];
    const trainer = new Trainer({
      model: student,
      data: data.train,
      config: { epochs: 2, optimizer: { type: "sgd", lr: 0.01 }, ema: false },
      distill: { teacher: detectorTeacher(teacher), distiller },
      onLog: (e) => logs.push(e),
    });
    await trainer.fit();

    expect(values(namedVariables(teacher))).toEqual(teacher0);
    const student1 = values(namedVariables(student));
    const changed = Object.keys(student0).filter((k) => student1[k]!.some((v, i) => v !== student0[k]![i]));
    expect(changed.length).toBeGreaterThan(0.9 * Object.keys(student0).length);
    expect(changed).toContain("backbone.stem.conv.weight");
    // adapter kernels learn; adapter biases get exactly zero gradient from CWD (a per-channel shift
    // does not change the spatial softmax), so only the kernels are required to move
    const kernels = distiller.variables.map((v, i) => [v, i] as const).filter(([v]) => v.rank === 4);
    expect(kernels.length).toBe(3);
    for (const [v, i] of kernels) expect(Array.from(v.dataSync())).not.toEqual(adapters0[i]);
    const step = logs.find((l) => l.kind === "step");
    expect(step && "parts" in step && Object.keys(step.parts).sort()).toEqual([
      "box",
      "cls",
      "cwd/p3",
      "cwd/p4",
      "cwd/p5",
      "dfl",
    ]);
    expect(
      step && "parts" in step && Object.values(step.parts).every((v) => Number.isFinite(v) && v > 0),
    ).toBe(true);

    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [teacher, student, distiller].forEach((m) => m.dispose());
  });
});

describe("detectionWeight", () => {
  const cwd = () =>
    Distiller.create([
      {
        loss: { type: "cwd", tau: 1 },
        weight: 1,
        student: "neck.p{3..5}",
        teacher: "neck.p{3..5}",
        adapter: [64, 128, 256].map((c) => ({ inChannels: c, outChannels: 2 * c })),
      },
    ]);
  /** Trains a fresh student (same seeds) for 2 steps; returns its logs and final weights. */
  async function run(
    detectionWeight: number,
    dropLabels: boolean,
  ): Promise<{ logs: TrainLog[]; weights: Record<string, number[]> }> {
    const data = tinySynthetic({ n: 2, batchSize: 2, size: 64 });
    const train = dropLabels
      ? {
          batchesPerEpoch: data.train.batchesPerEpoch,
          async *epoch(e: number) {
            for await (const b of data.train.epoch(e))
              yield {
                ...b,
                items: b.items.map((it) => ({
                  ...it,
                  boxes: new Float32Array(0),
                  classes: new Int32Array(0),
                  categoryIds: new Int32Array(0),
                  iscrowd: new Uint8Array(0),
                })),
              };
          },
        }
      : data.train;
    const teacher = createDetector("yolov8-s", { numClasses: 8, seed: 1 });
    const student = createDetector("yolov8-n", { numClasses: 8, seed: 2 });
    const distiller = cwd();
    const logs: TrainLog[] = [];
    const trainer = new Trainer({
      model: student,
      data: train,
      config: { epochs: 2, optimizer: { type: "sgd", lr: 0.01 }, ema: false, detectionWeight },
      distill: { teacher: detectorTeacher(teacher), distiller },
      onLog: (e) => logs.push(e),
    });
    await trainer.fit();
    const weights = values(namedVariables(student));
    trainer.dispose();
    [teacher, student, distiller].forEach((m) => m.dispose());
    return { logs, weights };
  }
  const firstParts = (logs: TrainLog[]) =>
    (logs.find((l) => l.kind === "step") as Extract<TrainLog, { kind: "step" }>).parts;

  it("scales the detection parts; 0 ignores the labels (unlabeled images: the student learns from the teacher alone)", async () => {
    const one = firstParts((await run(1, false)).logs);
    const half = firstParts((await run(0.5, false)).logs);
    for (const k of ["box", "cls", "dfl"]) expect(half[k]! / one[k]!).toBeCloseTo(0.5, 5);
    expect(half["cwd/p3"]).toBeCloseTo(one["cwd/p3"]!, 5);
    const zero = await run(0, false);
    expect(Object.keys(firstParts(zero.logs)).sort()).toEqual(["cwd/p3", "cwd/p4", "cwd/p5"]);
    // the same images without any box give the same student, weight for weight
    expect((await run(0, true)).weights).toEqual(zero.weights);
  });

  it("0 without a teacher is refused", () => {
    const data = tinySynthetic({ n: 2, batchSize: 2, size: 64 });
    const student = createDetector("yolov8-n", { numClasses: 8, seed: 2 });
    expect(
      () =>
        new Trainer({
          model: student,
          data: data.train,
          config: { epochs: 1, optimizer: { type: "sgd", lr: 0.01 }, detectionWeight: 0 },
        }),
    ).toThrow(/detectionWeight is 0 but there is no teacher/);
    student.dispose();
  });
});
