import { describe, expect, it } from "vitest";
import { BoxFilterSchema, clipAndFilterBoxes } from "./box-filter";
import { sampleOf } from "./test-fixtures";

describe("clipAndFilterBoxes", () => {
  const f = BoxFilterSchema.parse({});
  it("clips to the image and applies minSize, minVisible and maxAspect (hand cases)", () => {
    const s = sampleOf({ data: new Uint8Array(0), width: 100, height: 50, channels: 3 }, [
      [-10, -10, 20, 20], // clipped to [0,0,20,20], visible 400/900 = 0.44 → kept
      [90, 40, 190, 140], // visible 10·10/10000 = 0.01 → dropped
      [10, 10, 11.5, 30], // w 1.5 < 2 → dropped
      [0, 0, 99, 4], // aspect 24.75 > 20 → dropped
      [50, 10, 70, 30], // kept
      [120, 0, 130, 10], // outside → dropped
    ]);
    const out = clipAndFilterBoxes(s, 100, 50, f);
    expect(Array.from(out.classes)).toEqual([0, 4]);
    expect(Array.from(out.boxes)).toEqual([0, 0, 20, 20, 50, 10, 70, 30]);
    const strict = clipAndFilterBoxes(s, 100, 50, BoxFilterSchema.parse({ minArea: 401 }));
    expect(Array.from(strict.classes)).toEqual([]);
  });
});
