import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";
import { hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio } from "./layout";
import { useCpuBackend } from "./testing/cpu";

beforeAll(useCpuBackend);

it("moves the channel axis and round-trips", () => {
  const nchw = tf.range(0, 2 * 3 * 4 * 5).reshape([2, 3, 4, 5]) as tf.Tensor4D;
  const nhwc = nchwToNhwc(nchw);
  expect(nhwc.shape).toEqual([2, 4, 5, 3]);
  // element (n=1,c=2,h=3,w=4) lives at flat index ((1*3+2)*4+3)*5+4 in NCHW
  expect(nhwc.arraySync()[1]![3]![4]![2]).toBe(((1 * 3 + 2) * 4 + 3) * 5 + 4);
  expect(Array.from(nhwcToNchw(nhwc).dataSync())).toEqual(Array.from(nchw.dataSync()));
  const oihw = tf.range(0, 4 * 3 * 2 * 2).reshape([4, 3, 2, 2]) as tf.Tensor4D;
  const hwio = oihwToHwio(oihw);
  expect(hwio.shape).toEqual([2, 2, 3, 4]);
  expect(hwio.arraySync()[1]![0]![2]![3]).toBe(((3 * 3 + 2) * 2 + 1) * 2 + 0);
  expect(Array.from(hwioToOihw(hwio).dataSync())).toEqual(Array.from(oihw.dataSync()));
  tf.dispose([nchw, nhwc, oihw, hwio]);
});
