import { describe, expect, it } from "vitest";
import { atssAssign } from "./atss-assigner";

const f = (xs: number[][]): Float32Array => Float32Array.from(xs.flat());

describe("atssAssign (hand cases)", () => {
  it("threshold = mean + unbiased std of the candidates' IoU", () => {
    // IoUs with gt [0,0,10,10]: 1, 1/3, 0 → mean 0.444, std 0.509 → threshold 0.954 → only anchor 0
    const r = atssAssign(
      {
        anchors: f([
          [0, 0, 10, 10],
          [5, 0, 15, 10],
          [20, 0, 30, 10],
        ]),
        levelCounts: [3],
        gtBoxes: f([[0, 0, 10, 10]]),
      },
      3,
    );
    expect(Array.from(r)).toEqual([0, -1, -1]);
  });

  it("equal IoUs (std 0) make every centre-inside candidate positive", () => {
    const cells = [4, 12, 20, 28].flatMap((y) => [4, 12, 20, 28].map((x) => [x - 4, y - 4, x + 4, y + 4]));
    const r = atssAssign({ anchors: f(cells), levelCounts: [16], gtBoxes: f([[0, 0, 16, 16]]) }, 4);
    expect([...r.keys()].filter((a) => r[a] === 0)).toEqual([0, 1, 4, 5]);
  });

  it("selects top-k per level; the adaptive threshold keeps the large anchor of level 2", () => {
    // level 1: four 8×8 cells (IoU 0.209 each with gt [2,2,14,14]); level 2: one 16×16 anchor (IoU 0.5625)
    // mean 0.280, std 0.158 → threshold 0.438
    const anchors = f([
      [0, 0, 8, 8],
      [8, 0, 16, 8],
      [0, 8, 8, 16],
      [8, 8, 16, 16],
      [0, 0, 16, 16],
    ]);
    const r = atssAssign({ anchors, levelCounts: [4, 1], gtBoxes: f([[2, 2, 14, 14]]) }, 9);
    expect(Array.from(r)).toEqual([-1, -1, -1, -1, 0]);
    // with topk 2 per level only the two nearest cells (ties: lower index) and the big anchor are candidates
    const r2 = atssAssign({ anchors, levelCounts: [4, 1], gtBoxes: f([[2, 2, 14, 14]]) }, 2);
    expect(Array.from(r2)).toEqual([-1, -1, -1, -1, 0]);
  });

  it("an anchor positive for two gts takes the gt of higher IoU; centres outside the gt are never positive", () => {
    // anchor 0 [0,0,10,10]: IoU 0.5 with gt0 [0,0,10,20]... and 0.8 with gt1 [0,0,10,12.5]
    const anchors = f([
      [0, 0, 10, 10],
      [40, 40, 50, 50],
      [60, 60, 70, 70],
    ]);
    const r = atssAssign(
      {
        anchors,
        levelCounts: [3],
        gtBoxes: f([
          [0, 0, 10, 20],
          [0, 0, 10, 12.5],
        ]),
      },
      3,
    );
    expect(Array.from(r)).toEqual([1, -1, -1]);
    // a gt whose only high-IoU candidate has its centre outside: [5.5,0,30,10] does not contain (5,5)
    const out = atssAssign({ anchors, levelCounts: [3], gtBoxes: f([[5.5, 0, 30, 10]]) }, 3);
    expect(Array.from(out)).toEqual([-1, -1, -1]);
  });

  it("no gts, or a single candidate (std undefined, as torch.std), give no positives", () => {
    expect(
      Array.from(
        atssAssign({ anchors: f([[0, 0, 10, 10]]), levelCounts: [1], gtBoxes: new Float32Array(0) }),
      ),
    ).toEqual([-1]);
    expect(
      Array.from(
        atssAssign({ anchors: f([[0, 0, 10, 10]]), levelCounts: [1], gtBoxes: f([[0, 0, 10, 10]]) }),
      ),
    ).toEqual([-1]);
  });
});
