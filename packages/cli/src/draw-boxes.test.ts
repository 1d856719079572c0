import { describe, expect, it } from "vitest";
import { drawText, GLYPH_H, glyph, textWidth } from "./bitmap-font";
import { colourOf, drawBoxes, textColourOn, withLegend } from "./draw-boxes";

const blank = (width: number, height: number) => ({
  width,
  height,
  data: new Uint8Array(width * height * 3),
});
const at = (c: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(c.data.subarray((y * c.width + x) * 3, (y * c.width + x) * 3 + 3));
/** The set pixels of a canvas as rows of "#" and ".". */
const picture = (c: { data: Uint8Array; width: number; height: number }) =>
  Array.from({ length: c.height }, (_, y) =>
    Array.from({ length: c.width }, (_, x) => (at(c, x, y)[0]! > 0 ? "#" : ".")).join(""),
  );

describe("5×7 font", () => {
  it("draws the glyph shapes, scaled by whole pixels; lower case as upper case, unknown as ?", () => {
    const c = blank(11, 7);
    drawText(c, 0, 0, "L1", 1, [255, 255, 255]);
    expect(picture(c)).toEqual([
      "#.......#..",
      "#......##..",
      "#.......#..",
      "#.......#..",
      "#.......#..",
      "#.......#..",
      "#####..###.",
    ]);
    const s2 = blank(10, 14);
    drawText(s2, 0, 0, "t", 2, [255, 255, 255]);
    expect(picture(s2).slice(0, 4)).toEqual(["##########", "##########", "....##....", "....##...."]);
    expect(glyph("é")).toEqual(glyph("?"));
    expect(textWidth("RBC 0.91", 2)).toBe((8 * 6 - 1) * 2);
  });
});

describe("boxes, labels and legend", () => {
  it("box lines are `thickness` px of the class colour; the label tab sits above the box with readable text", () => {
    const c = blank(80, 60);
    drawBoxes(c, { boxes: [10, 30, 50, 55], classes: [3], scores: [0.5] }, 1, 3, {
      names: ["a", "b", "c", "WBC"],
      textScale: 1,
    });
    const col = [...colourOf(3)];
    for (const y of [30, 31, 32, 52, 53, 54]) expect(at(c, 20, y), `row ${y}`).toEqual(col);
    expect(at(c, 20, 33)).toEqual([0, 0, 0]);
    for (const x of [10, 11, 12, 47, 48, 49]) expect(at(c, x, 40), `column ${x}`).toEqual(col);
    // tab: 9 rows above the box (7 + 2), as wide as "WBC 0.50" + 2; its text in black or white
    const tabTop = 30 - (GLYPH_H + 2);
    expect(at(c, 10, tabTop)).toEqual(col);
    expect(at(c, 10 + textWidth("WBC 0.50", 1) + 1, tabTop + 4)).toEqual(col);
    expect(at(c, 10 + textWidth("WBC 0.50", 1) + 2, tabTop + 4)).toEqual([0, 0, 0]);
    const text = [...textColourOn(col)];
    // "W" starts one pixel in: its first column is set on rows 0..5 of the glyph
    expect(at(c, 11, tabTop + 1)).toEqual(text);
    expect(at(c, 11, tabTop + 7)).toEqual(col); // the last glyph row of "W" is .#.#.
  });

  it("text colour contrasts with the tab; the legend adds a strip with a swatch per class and a note", () => {
    expect(textColourOn([255, 225, 25])).toEqual([0, 0, 0]);
    expect(textColourOn([128, 0, 0])).toEqual([255, 255, 255]);
    const img = blank(60, 20);
    const out = withLegend(
      img,
      [
        { name: "RBC", classIndex: 1 },
        { name: "Platelets", classIndex: 0 },
      ],
      1,
      "note",
    );
    // 60 px hold "RBC" (10 + 17 + 18 = 45) but not "Platelets" too: two rows, then the note; 11 px per line + 2
    expect(out.width).toBe(60);
    expect(out.height).toBe(20 + 3 * 11 + 2);
    expect(at(out, 2, 22)).toEqual([...colourOf(1)]);
    expect(at(out, 2, 33)).toEqual([...colourOf(0)]);
    // dark pixels of the strip: the note "note" in the third line, nothing below it
    const dark = Array.from({ length: out.height }, (_, y) =>
      Array.from({ length: 60 }, (_, x) => (at(out, x, y)[0]! < 128 ? "#" : ".")).join(""),
    );
    expect(dark[44]!.startsWith("..#...#..###..#####.#####")).toBe(true);
    expect(dark.slice(51).every((r) => !r.includes("#"))).toBe(true);
  });
});
