import { describe, expect, it } from "vitest";
import { nothingDrawnNote } from "./predict";

describe("kdet predict: nothing above --score", () => {
  it("says so and suggests a --score just below the best detection", () => {
    expect(nothingDrawnNote(3, 3, 0.25, 0.1234)).toBe(
      "note: no detection with score >= 0.25 in any of the 3 image(s), so the PNGs show no boxes; the highest score is 0.123: try --score 0.11 (predictions.json keeps every detection)",
    );
    expect(nothingDrawnNote(1, 4, 0.5, 0.9)).toMatch(
      /^note: 1 of 4 image\(s\) have no detection with score >= 0\.5; .* try --score 0\.89/,
    );
    expect(nothingDrawnNote(2, 2, 0.25, 0.005)).toMatch(/try --score 0\.01 /);
    expect(nothingDrawnNote(2, 2, 0.25, 0)).toMatch(/the model detected nothing at all/);
  });
});
