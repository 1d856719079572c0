import * as tf from "@tensorflow/tfjs-core";
import { featureInfo } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { DETECTOR_MAPS, describeMaps } from "./model-maps";
import { createDetector } from "./registry";
import { DETECTOR_IDS, type DetectorId } from "./registry-info";
import { useTestBackend } from "./testing/backend";

beforeAll(useTestBackend);

/** Configs other than the defaults that change the maps: class count, DFL bins, FPN levels. */
const VARIANTS: Partial<Record<DetectorId, Array<Record<string, number>>>> = {
  "yolov8-n": [{ numClasses: 5, regMax: 8 }],
  "gfl-r18": [{ numClasses: 5, regMax: 7, extraLevels: 0 }],
};

describe("describeMaps: the static description of every detector equals its built maps", () => {
  it.each(DETECTOR_IDS)("%s", (id) => {
    expect(DETECTOR_MAPS[id], id).toBeTypeOf("function");
    for (const config of [{ numClasses: 3 }, ...(VARIANTS[id] ?? [])]) {
      const before = tf.memory().numTensors;
      const det = createDetector(id, config as never);
      const built = featureInfo(det);
      const d = describeMaps(id, config as never);
      expect(Object.keys(d.maps).length, id).toBeGreaterThanOrEqual(9);
      for (const [name, info] of Object.entries(d.maps)) expect(built[name], `${id} ${name}`).toEqual(info);
      expect(d.levels, id).toEqual(det.head.levels.map((l) => l.name));
      expect(d.anchorsPerLocation, id).toBe(det.head.anchorsPerLocation);
      det.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("names the field of an invalid config", () => {
    expect(() => describeMaps("gfl-r18", { extraLevels: 5 })).toThrow(
      /describeMaps\("gfl-r18"\).*extraLevels/,
    );
  });
});
