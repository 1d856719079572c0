import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { fitImage, inputGeometry, unmapBoxes } from "./geometry";

describe("teacher input geometry", () => {
  beforeAll(useTestBackend);

  it("stretch scales each axis; letterbox keeps the aspect and centres", () => {
    expect(inputGeometry(640, 480, [512, 512], "stretch")).toEqual({
      sx: 0.8,
      sy: 512 / 480,
      tx: 0,
      ty: 0,
      width: 640,
      height: 480,
    });
    expect(inputGeometry(640, 480, [416, 416], "letterbox")).toEqual({
      sx: 0.65,
      sy: 0.65,
      tx: 0,
      ty: 52,
      width: 640,
      height: 480,
    });
  });

  it("unmapBoxes inverts the map and clips to the image", () => {
    const g = inputGeometry(640, 480, [416, 416], "letterbox");
    const boxes = Float32Array.from([13, 52 + 6.5, 65, 52 + 65, -5, 0, 500, 400]);
    expect(Array.from(unmapBoxes(boxes, g)).map((v) => Math.round(v * 1000) / 1000)).toEqual([
      20, 10, 100, 100, 0, 0, 640, 480,
    ]);
  });

  it("fitImage letterboxes a real pixel buffer with the fill value and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const data = new Uint8Array(4 * 2 * 3).fill(200);
    const { input, geometry } = fitImage(
      { data, width: 4, height: 2, channels: 3 },
      [8, 8],
      "letterbox",
      114,
    );
    expect(input.shape).toEqual([1, 8, 8, 3]);
    expect(geometry).toMatchObject({ sx: 2, sy: 2, tx: 0, ty: 2 });
    const px = input.dataSync();
    expect(px[0]).toBe(114); // top padding row
    expect(px[2 * 8 * 3]).toBe(200); // first image row
    expect(px[6 * 8 * 3]).toBe(114); // bottom padding row
    input.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
