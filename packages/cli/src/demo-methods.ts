/**
 * The distillation methods `kdet demo --methods` accepts: a subset of the method presets (`METHODS`, one source),
 * built for a student/teacher pair from their neck channels (P3–P5). Feature methods use the same taps, so they
 * differ in the loss, not in where they look; `qfl-kd` reads the head's class logits. Each term's `weight` is
 * its only weight: cwd and qfl-kd were tuned on the demo's val split, the others are the references' weights.
 */
import { METHODS, type MethodPair } from "./methods";

/** Neck channels (P3, P4, P5) of the student and the teacher. */
export interface PairChannels {
  student: number[];
  teacher: number[];
}

const LEVELS = ["p3", "p4", "p5"];

/** The preset input of a pair described by its neck channels (strides 8, 16, 32). */
export function neckPair(c: PairChannels = { student: [], teacher: [] }): MethodPair {
  const side = (ch: number[]) =>
    Object.fromEntries(ch.map((channels, i) => [`neck.${LEVELS[i]}`, { channels, stride: 8 << i }]));
  return { student: side(c.student), teacher: side(c.teacher), levels: LEVELS, anchorsPerLocation: 1 };
}

const DEMO_IDS = ["cwd", "qfl-kd", "cwd-qfl", "mse", "pkd", "mgd", "fgd", "fsd", "ckd", "rdkd"] as const;

/** A demo method's name. */
export type DemoMethod = (typeof DEMO_IDS)[number];

/** Every demo method: a one-line description and its terms for the pair's neck channels. */
export const DEMO_METHODS = Object.fromEntries(
  DEMO_IDS.map((id) => [
    id,
    { description: METHODS[id].description, terms: (c?: PairChannels) => METHODS[id].terms(neckPair(c)) },
  ]),
) as Record<
  DemoMethod,
  { description: string; terms: (c?: PairChannels) => ReturnType<(typeof METHODS)[DemoMethod]["terms"]> }
>;

/** Method names in table order. */
export const DEMO_METHOD_NAMES: DemoMethod[] = [...DEMO_IDS];
