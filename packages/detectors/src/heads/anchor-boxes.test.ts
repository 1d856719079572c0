import { describe, expect, it } from "vitest";
import { anchorsPerLocation, baseAnchors, makeAnchorBoxes } from "./anchor-boxes";

describe("RetinaNet anchor boxes (mmdet AnchorGenerator)", () => {
  it("base anchors at stride 8: ratio-major, scales 4·2^(0, 1/3, 2/3), w = s·σ/√r, h = s·σ·√r", () => {
    const b = Array.from(baseAnchors(8));
    expect(b).toHaveLength(36);
    // ratio 1, scale 4: a 32 px square around (0, 0) (index 3)
    expect(b.slice(12, 16)).toEqual([-16, -16, 16, 16]);
    // ratio 0.5 (wide), scale 4: w = 32·√2 = 45.255, h = 32/√2 = 22.627 (index 0)
    expect(b.slice(0, 4)).toEqual(
      [-22.627417, -11.313708, 22.627417, 11.313708].map((v) => expect.closeTo(v, 4)),
    );
    // ratio 2 (tall), scale 4·2^(2/3) = 6.3496: w = 8·6.3496/√2 = 35.919, h = 71.838 (index 8)
    expect(b.slice(32, 36)).toEqual(
      [-17.959393, -35.918786, 17.959393, 35.918786].map((v) => expect.closeTo(v, 4)),
    );
  });

  it("grid: level, then location row-major, then anchor; shifts x·s, y·s (cell corners)", () => {
    const { boxes, counts } = makeAnchorBoxes(
      [
        [2, 3],
        [1, 1],
      ],
      [8, 16],
      { ratios: [1], scalesPerOctave: 1, octaveBaseScale: 2 },
    );
    expect(anchorsPerLocation({ ratios: [1], scalesPerOctave: 1 })).toBe(1);
    expect(counts).toEqual([6, 1]);
    // level 0: 16 px squares centred at (0,0) (8,0) (16,0) (0,8) (8,8) (16,8); level 1: 32 px at (0,0)
    const centres = [
      [0, 0],
      [8, 0],
      [16, 0],
      [0, 8],
      [8, 8],
      [16, 8],
    ];
    expect(Array.from(boxes)).toEqual([
      ...centres.flatMap(([x, y]) => [x! - 8, y! - 8, x! + 8, y! + 8]),
      -16,
      -16,
      16,
      16,
    ]);
    expect(makeAnchorBoxes([[2, 2]], [8]).counts).toEqual([36]);
  });
});
