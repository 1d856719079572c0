/**
 * Per-level channel counts and 1×1 align convs for the multi-level losses (`ckd`,
 * `confidence`), whose pyramids may change width per level (YOLO necks: 64/128/256).
 * Internal module: not exported from the package index.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { channelList, type LevelChannels } from "../channel-settings";
import { ConvAdapter } from "./conv-adapter";

/** Entry `l` of a per-level list (a one-element list serves every level); error names the field. */
export function atLevel<T>(op: string, what: string, list: readonly T[], l: number, levels: number): T {
  if (list.length !== 1 && list.length !== levels)
    throw new Error(`${op}: ${what} has ${list.length} entries for ${levels} levels`);
  return list[list.length === 1 ? 0 : l]!;
}

/**
 * Student→teacher 1×1 align convs per level: one where both counts are known and differ, none
 * elsewhere. Counts given as numbers give ONE conv shared by every level.
 */
export class LevelAligns {
  private readonly convs: Array<ConvAdapter | null>;

  constructor(
    private readonly op: string,
    student: LevelChannels | undefined,
    teacher: LevelChannels | undefined,
    seed: number,
    name: string,
  ) {
    const cs = channelList(student);
    const ct = channelList(teacher);
    if (!cs || !ct) {
      this.convs = [null];
      return;
    }
    const n = Math.max(cs.length, ct.length);
    this.convs = Array.from({ length: n }, (_, l) => {
      const i = atLevel(op, "studentChannels", cs, l, n);
      const o = atLevel(op, "teacherChannels", ct, l, n);
      return i === o
        ? null
        : new ConvAdapter({ inChannels: i, outChannels: o, seed: seed + l, name: `${name}_align${l}` });
    });
  }

  /** The align conv of level `l` of `levels` (null: identity). */
  at(l: number, levels: number): ConvAdapter | null {
    return this.convs.length === 1
      ? this.convs[0]!
      : atLevel(this.op, "channel lists", this.convs, l, levels);
  }

  /** `align_l(x)`, or `x` when level l needs no align. */
  apply(x: tf.Tensor, l: number, levels: number): tf.Tensor {
    const a = this.at(l, levels);
    return a ? a.apply(x as tf.Tensor4D) : x;
  }

  get variables(): tf.Variable[] {
    return this.convs.flatMap((c) => (c ? c.variables : []));
  }

  dispose(): void {
    for (const c of this.convs) c?.dispose();
  }
}
