import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpuBackend } from "../testing/cpu";
import { captureTaps, featureInfo, Module } from "./module";

beforeAll(useCpuBackend);

class Scale extends Module {
  readonly w: tf.Variable;
  constructor(k: number, channels: number, stride: number) {
    super();
    this.w = this.param(tf.scalar(k), "w");
    this.outputInfo = { channels, stride };
  }
  protected forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.w);
  }
}

class Block extends Module {
  readonly a = this.child("a", new Scale(2, 3, 2));
  readonly b = this.child("b", new Scale(3, 3, 4));
  protected forward(x: tf.Tensor): tf.Tensor {
    return this.b.call(this.a.call(x));
  }
}

class Net extends Module {
  readonly backbone = this.child("backbone", new Block());
  readonly head = this.child("head", new Scale(5, 3, 4));
  protected forward(x: tf.Tensor): tf.Tensor {
    return this.head.call(this.backbone.call(x));
  }
}

describe("Module and taps", () => {
  it("names modules by dotted path and captures their outputs", () => {
    const net = new Net();
    expect([...net.modules().keys()]).toEqual(["backbone", "backbone.a", "backbone.b", "head"]);
    expect(featureInfo(net)["backbone.b"]).toEqual({ channels: 3, stride: 4 });
    const x = tf.ones([1, 2, 2, 3]);
    const { result, taps } = tf.tidy(() => {
      const r = captureTaps(net, ["backbone.a", "backbone"], () => net.call(x));
      return { result: r.result, taps: r.taps };
    });
    expect(result.dataSync()[0]).toBe(30);
    expect(taps["backbone.a"]!.dataSync()[0]).toBe(2);
    expect(taps["backbone"]!.dataSync()[0]).toBe(6);
    // taps are off after the session
    const again = captureTaps(net, [], () => net.call(x));
    expect(Object.keys(again.taps)).toEqual([]);
    net.dispose();
  });

  it("rejects unknown names, listing the valid ones", () => {
    const net = new Net();
    expect(() => captureTaps(net, ["neck.p3"], () => net.call(tf.ones([1])))).toThrow(
      /unknown module name\(s\) "neck.p3"; valid names: backbone, backbone.a, backbone.b, head/,
    );
    net.dispose();
  });

  it("collects variables, trains them and frees them on dispose", () => {
    const before = tf.memory().numTensors;
    const net = new Net();
    expect(net.variables()).toHaveLength(3);
    const opt = tf.train.sgd(0.01);
    const x = tf.ones([1, 2]);
    opt.minimize(() => tf.sum(net.call(x)) as tf.Scalar, false, net.trainableVariables());
    expect(net.head.w.dataSync()[0]).toBeCloseTo(5 - 0.01 * 2 * 6, 5);
    x.dispose();
    opt.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
