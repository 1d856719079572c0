import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { distillTargets } from "./distill-targets";

beforeAll(() => useTestBackend());

describe("distillTargets", () => {
  it("centre-in-box assignment, smallest box wins, hand-computed on a 4×4 stride-8 grid", () => {
    // cell centres at 4, 12, 20, 28 px; box A (class 1) covers x,y in (0, 16): centres 4, 12;
    // box B (class 2, smaller) covers x in (10, 22), y in (0, 8): centres x 12, 20 at y 4
    const targets = {
      boxes: [Float32Array.from([0, 0, 16, 16, 10, 0, 22, 8])],
      classes: [Int32Array.from([1, 2])],
    };
    const before = tf.memory().numTensors;
    const t = distillTargets(
      ["assigned.p3", "fg.p3", "bg.p3"],
      [{ name: "p3", stride: 8 }],
      [32, 32],
      targets,
      3,
    );
    expect(Array.from(t["assigned.p3"]!.dataSync())).toEqual([
      1, 2, 2, 3, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    ]);
    expect(Array.from(t["fg.p3"]!.dataSync())).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(t["bg.p3"]!.dataSync())).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(t["assigned.p3"]!.shape).toEqual([1, 4, 4]);
    tf.dispose(Object.values(t));
    expect(tf.memory().numTensors).toBe(before);
  });
  it("an unlabelled image is neither foreground nor background (fg = bg = 0); its would-be boxes are not read", () => {
    const box = Float32Array.from([0, 0, 16, 16]);
    const t = { boxes: [box, box], classes: [Int32Array.from([1]), Int32Array.from([1])] };
    const out = distillTargets(
      ["fg.p3", "bg.p3", "assigned.p3"],
      [{ name: "p3", stride: 8 }],
      [16, 16],
      t,
      3,
      [true, false],
    );
    expect(Array.from(out["fg.p3"]!.dataSync())).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(out["bg.p3"]!.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(out["assigned.p3"]!.dataSync())).toEqual([1, 1, 1, 1, 3, 3, 3, 3]);
    tf.dispose(Object.values(out));
  });

  it("an unknown name lists the valid ones", () => {
    expect(() =>
      distillTargets(["mask.p3"], [{ name: "p3", stride: 8 }], [32, 32], { boxes: [], classes: [] }, 3),
    ).toThrow(/"mask.p3" is not a target; allowed: assigned.p3, fg.p3, bg.p3/);
  });
});
