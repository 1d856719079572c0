import * as tf from "@tensorflow/tfjs-core";
import { op } from "./op";

/** NHWC [N,H,W,C] → NCHW [N,C,H,W] (perm [0,3,1,2]); the layout of every PyTorch reference. */
export const nhwcToNchw = op("nhwcToNchw", (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 3, 1, 2]));

/** NCHW [N,C,H,W] → NHWC [N,H,W,C] (perm [0,2,3,1]); tfjs' layout. */
export const nchwToNhwc = op("nchwToNhwc", (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]));

/** PyTorch conv weight OIHW [Cout,Cin,kh,kw] → tfjs filter HWIO [kh,kw,Cin,Cout] (perm [2,3,1,0]). */
export const oihwToHwio = op("oihwToHwio", (w: tf.Tensor4D): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]));

/** tfjs filter HWIO → PyTorch OIHW (perm [3,2,0,1]). */
export const hwioToOihw = op("hwioToOihw", (w: tf.Tensor4D): tf.Tensor4D => tf.transpose(w, [3, 2, 0, 1]));
