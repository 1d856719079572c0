import { describe, expect, it } from "vitest";
import { DATASETS, loadDataset } from "./datasets";

describe("DATASETS registry", () => {
  it("has one entry per format, each with a schema and a loader", () => {
    expect(Object.keys(DATASETS).sort()).toEqual(["coco", "flir", "images", "synthetic", "voc", "yolo"]);
    for (const e of Object.values(DATASETS)) expect(typeof e.load).toBe("function");
  });

  it("loads by config type and rejects unknown types and bad options with the field named", async () => {
    const ds = await loadDataset({ type: "synthetic", seed: 1, numImages: 3, size: 32 });
    expect(ds.format).toBe("synthetic");
    expect(ds.records.length).toBe(3);
    await expect(loadDataset({ type: "pascal" } as never)).rejects.toThrow(
      /load dataset: field "type": invalid config/,
    );
    await expect(loadDataset({ type: "yolo" } as never)).rejects.toThrow(/load dataset: field "dataYaml"/);
    await expect(loadDataset({ type: "synthetic", minObjects: 3, maxObjects: 1 })).rejects.toThrow(
      /synthetic dataset: field "maxObjects": invalid config; got 1; allowed: >= minObjects \(3\)/,
    );
  });
});
