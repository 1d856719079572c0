import { describe, expect, it } from "vitest";
import { createDataset, emptyReport } from "./dataset";
import { DataError } from "./errors";
import { formatInspection, inspectDataset } from "./inspect";
import type { SampleRecord } from "./types";

const rec = (
  id: string,
  boxes: number[],
  classes: number[],
  crowd: number[] = classes.map(() => 0),
): SampleRecord => ({
  imageId: id,
  file: `/d/${id}.jpg`,
  width: 500,
  height: 500,
  boxes: Float32Array.from(boxes),
  classes: Int32Array.from(classes),
  categoryIds: Int32Array.from(classes.map((c) => c + 1)),
  iscrowd: Uint8Array.from(crowd),
  difficult: new Uint8Array(classes.length),
  truncated: new Uint8Array(classes.length),
  ignore: Uint8Array.from(crowd),
});

describe("inspectDataset", () => {
  it("counts classes, COCO size ranges (box area < 32², < 96²), histogram, empty images and problems (hand-computed)", async () => {
    const ds = createDataset({
      name: "t",
      format: "coco",
      root: "/d",
      classNames: ["a", "b"],
      categoryIds: [1, 2],
      records: [
        rec("x", [0, 0, 10, 10, 0, 0, 31, 33, 0, 0, 96, 96], [0, 0, 1], [0, 1, 0]), // areas 100 (small), 1023 (small), 9216 (large)
        rec("y", [0, 0, 32, 32, 0, 0, 100, 50], [1, 1]), // 1024 (medium), 5000 (medium)
        rec("z", [], []),
      ],
      report: {
        ...emptyReport(),
        problems: [
          { file: "f", kind: "missing-image", message: "m", action: "skipped-image" },
          { file: "g", kind: "missing-image", message: "m", action: "skipped-image" },
          { file: "h", kind: "no-label-file", message: "m", action: "note", value: 5 },
        ],
      },
      readImage: async (r) => {
        if (r.imageId === "y") throw new DataError({ op: "decode image", file: r.file }, "truncated");
        return { data: new Uint8Array(500 * 500 * 3), width: 500, height: 500, channels: 3 };
      },
    });
    const x = await inspectDataset(ds, { decode: true });
    expect([x.images, x.boxes]).toEqual([3, 5]);
    expect(x.perClass.map((c) => [c.name, c.boxes, c.images, c.crowd])).toEqual([
      ["a", 2, 1, 1],
      ["b", 3, 2, 0],
    ]);
    expect(x.sizes).toEqual({ small: 2, medium: 2, large: 1 });
    // √area: 10, 31.98, 96, 32, 70.7
    expect(x.sizeHistogram.filter((b) => b.count > 0).map((b) => [b.from, b.count])).toEqual([
      [8, 1],
      [16, 1],
      [32, 1],
      [64, 1],
      [96, 1],
    ]);
    expect(x.imagesWithoutBoxes).toEqual({ count: 1, ids: ["z"] });
    expect(x.problems).toEqual([
      { kind: "missing-image", action: "skipped-image", count: 2 },
      { kind: "no-label-file", action: "note", count: 5 },
    ]);
    expect(x.decodeFailures).toEqual([
      { imageId: "y", file: "/d/y.jpg", message: "decode image: /d/y.jpg: truncated" },
    ]);
    const md = formatInspection(x);
    expect(md).toContain("| a | 1 | 2 | 1 | 1 | 0 | 1 |");
    expect(md).toContain("COCO sizes: small 2, medium 2, large 1");
    expect(md).toContain("| missing-image | skipped-image | 2 |");
  });
});
