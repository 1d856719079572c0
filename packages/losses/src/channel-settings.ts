/**
 * The channel settings of loss configs, named one way across every loss: `studentChannels` (C_s, the
 * student's map) and `teacherChannels` (C_t, the teacher's map, the width the loss compares at). A loss
 * that maps C_s → C_t itself (an align conv, a projector, ABF) reads both; a loss that works at one width reads
 * `teacherChannels` (the term's adapter maps the student to it). Names used before (`channels`, `inChannels`,
 * `outChannels`) are refused with the new name ({@link renamedField}). Free of TensorFlow.js.
 */
import { z } from "zod";

/** Config fragment: channel counts; an align conv Cs→Ct is built only when both are given and differ. */
export const channelFields = {
  /** Student channels C_s (needed only for an align conv). */
  studentChannels: z.number().int().positive().optional(),
  /** Teacher channels C_t (needed only for an align conv). */
  teacherChannels: z.number().int().positive().optional(),
  /** Seed of the adapters' initial weights. */
  seed: z.number().int().default(0),
};

/**
 * A config key that was renamed: absent is fine, any value is refused with the message
 * `renamed to <newName> (…)`, so a config written for an older release says what to write instead.
 * JSON Schema: `{ "not": {} }` (the key is never valid).
 */
export function renamedField(newName: "studentChannels" | "teacherChannels") {
  return z
    .never({
      error: `renamed to ${newName} (every loss names its channel settings studentChannels / teacherChannels)`,
    })
    .optional();
}

/** The renamed-key guards of a loss that read `channels` (now `teacherChannels`). */
export const renamedChannels = { channels: renamedField("teacherChannels") };
/** The renamed-key guards of a loss that read `inChannels` / `outChannels` (now `studentChannels` / `teacherChannels`). */
export const renamedInOut = {
  inChannels: renamedField("studentChannels"),
  outChannels: renamedField("teacherChannels"),
};

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

/** Whether a config asks for an align conv (both channel counts given and different). */
export function needsAlign(cfg: {
  studentChannels?: number | undefined;
  teacherChannels?: number | undefined;
}): boolean {
  return (
    cfg.studentChannels !== undefined &&
    cfg.teacherChannels !== undefined &&
    cfg.studentChannels !== cfg.teacherChannels
  );
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
