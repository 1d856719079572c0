/**
 * Per-level channel counts and 1×1 align convs for the multi-level losses (`ckd`,
 * `confidence`), whose pyramids may change width per level (YOLO necks: 64/128/256).
 * Internal module: not exported from the package index.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ConvAdapter } from "./conv-adapter";

/** A channel count for every level, or one per level (finest first). */
export const LevelChannels = z.union([
  z.number().int().positive(),
  z.array(z.number().int().positive()).min(1),
]);
/** Parsed {@link LevelChannels}. */
export type LevelChannels = z.infer<typeof LevelChannels>;

/** `v` as a list (a number is a one-element list, which applies to every level). */
export function channelList(v: LevelChannels | undefined): number[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

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

/** Whether a config asks for any align conv (both counts given and some level differs). */
export function needsLevelAlign(cfg: {
  studentChannels?: LevelChannels | undefined;
  teacherChannels?: LevelChannels | undefined;
}): boolean {
  const cs = channelList(cfg.studentChannels);
  const ct = channelList(cfg.teacherChannels);
  if (!cs || !ct) return false;
  const n = Math.max(cs.length, ct.length);
  return Array.from(
    { length: n },
    (_, l) => cs[cs.length === 1 ? 0 : l] !== ct[ct.length === 1 ? 0 : l],
  ).some(Boolean);
}
