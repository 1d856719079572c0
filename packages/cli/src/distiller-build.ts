/**
 * Builds the `@kdet/losses` Distiller of an experiment's terms. The only thing added to the
 * losses' own config is `adapter: auto`: a 1×1 conv per level from the student's channels to the
 * teacher's (as the teacher describes its maps: `Teacher.maps`), or none where they already match.
 * A term whose teacher maps have a fixed spatial size (a pretrained teacher, live or cached) other than the
 * student's (at `data.imageSize`) must say `align: resize`.
 */
import { featureInfo } from "@kdet/core";
import { type AdapterConfig, Distiller, expandNames, type DistillTermConfigInput } from "@kdet/losses";
import type { z } from "zod";
import { isMethodTerm, type MethodTermSection, type TermSection } from "./config-schema";
import { methodLevels, methodTerms } from "./method-terms";
import { type Detector, DISTILL_TARGET_KINDS, type Teacher } from "./detectors-api";
import { CliError } from "./errors";

/** Channels of a map and, when it is fixed, its NHWC `[h, w]` (a pretrained teacher's at its own input). */
export interface MapInfo {
  channels: number;
  size?: readonly [number, number];
}

/** Channels of a named map, or an error listing the tappable names. */
function infoOf(info: Record<string, MapInfo>, name: string, side: string, key: string): MapInfo {
  const i = info[name];
  if (!i) {
    const names = Object.keys(info).filter((n) => side === "teacher" || /^(neck|backbone)\.[^.]+$/.test(n));
    throw new CliError(
      `${key}.${side}: ${JSON.stringify(name)} is not a map of the ${side}; allowed: ${names.join(", ")}${side === "student" ? " (or any dotted module path)" : ""}`,
    );
  }
  return i;
}

/** The student's maps at `imageSize`: channels and `[h, w]` = ⌈imageSize / stride⌉ of each module output. */
function studentInfo(student: Detector, imageSize: number | undefined): Record<string, MapInfo> {
  const out: Record<string, MapInfo> = {};
  for (const [n, i] of Object.entries(featureInfo(student))) {
    const side = imageSize ? Math.ceil(imageSize / i.stride) : undefined;
    out[n] = side ? { channels: i.channels, size: [side, side] } : { channels: i.channels };
  }
  return out;
}

function expand(pattern: string, levels: readonly string[] | undefined, key: string): string[] {
  try {
    return expandNames(pattern, pattern.includes("{level}") ? levels : undefined).names;
  } catch (e) {
    throw new CliError(`${key}: ${(e as Error).message}`);
  }
}

/** Teacher maps a term reads through `ctxFrom` (`teacher:<name>`, expanded per level). */
function teacherRefs(t: TermSection, key: string): string[] {
  return Object.values(t.ctxFrom ?? {})
    .filter((r) => r.startsWith("teacher:"))
    .flatMap((r) => expand(r.slice("teacher:".length), t.levels, key));
}

/** A pretrained teacher's maps (teacher name, student name) must have the student's size unless the term resizes them. */
function checkSizes(
  t: TermSection,
  key: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  si: Record<string, MapInfo>,
  ti: Record<string, MapInfo>,
): void {
  if (t.align === "resize") return;
  for (const [tn, sn] of pairs) {
    const a = ti[tn]?.size;
    const b = si[sn]?.size;
    if (a && b && (a[0] !== b[0] || a[1] !== b[1])) {
      throw new CliError(
        `${key}.align: the teacher map ${JSON.stringify(tn)} is ${a.join("×")} but the student's ${JSON.stringify(sn)} is ${b.join("×")} at data.imageSize; allowed: "resize" (add align: resize to the term)`,
      );
    }
  }
}

/**
 * The terms of the config's `distill` entries: raw terms as written, method presets (`{method}`) built from the
 * student's maps (`featureInfo`: channels, strides) and the teacher's described maps, with the entry's `weight`,
 * `levels` and `loss` settings applied and the result validated. Each term keeps the key of its entry.
 */
export function expandMethods(
  entries: readonly (TermSection | MethodTermSection)[],
  student: Detector,
  teacher: Teacher,
): Array<{ key: string; term: TermSection }> {
  const info = featureInfo(student);
  return entries.flatMap((e, i) => {
    const key = `distill[${i}]`;
    if (!isMethodTerm(e)) return [{ key, term: e }];
    const pair = {
      student: info,
      teacher: teacher.maps,
      levels: methodLevels(e),
      anchorsPerLocation: student.head.anchorsPerLocation,
    };
    return methodTerms(e, pair, key).map((term) => ({ key: `${key} (method ${e.method})`, term }));
  });
}

/** The terms with `adapter: auto` replaced by explicit adapter configs (sizes checked for pretrained/cached teachers). */
export function resolveTerms(
  entries: readonly (TermSection | MethodTermSection)[],
  student: Detector,
  teacher: Teacher,
  imageSize?: number,
): DistillTermConfigInput[] {
  const si = studentInfo(student, imageSize);
  const expanded = expandMethods(entries, student, teacher);
  const terms = expanded.map((e) => e.term);
  const named = terms.map((t, i) => ({
    key: expanded[i]!.key,
    s: expand(t.student, t.levels, expanded[i]!.key),
    te: expand(t.teacher, t.levels, expanded[i]!.key),
    refs: teacherRefs(t, expanded[i]!.key),
  }));
  const ti: Record<string, MapInfo> = teacher.maps;
  return terms.map((t, i) => {
    const { key, s, te, refs } = named[i]!;
    checkSizes(
      t,
      key,
      [
        ...te.map((n, l) => [n, s[l]!] as const),
        ...refs.map((n, l) => [n, s[Math.min(l, s.length - 1)]!] as const),
      ],
      si,
      ti,
    );
    if (t.adapter !== "auto") return t as DistillTermConfigInput;
    const sc = s.map((n) => infoOf(si, n, "student", key).channels);
    const tc = te.map((n) => infoOf(ti, n, "teacher", key).channels);
    const { adapter: _a, ...rest } = t;
    if (sc.every((c, l) => c === tc[l])) return rest as DistillTermConfigInput;
    const adapters: z.input<typeof AdapterConfig>[] = sc.map((c, l) => ({
      inChannels: c,
      outChannels: tc[l]!,
    }));
    return { ...rest, adapter: adapters.length === 1 ? adapters[0]! : adapters } as DistillTermConfigInput;
  });
}

/** Dense targets (`ctxFrom: targets:<kind>.<level>`) must name a kind the trainer computes and a level of the student's head. */
function checkTargets(names: readonly string[], student: Detector): void {
  const allowed = DISTILL_TARGET_KINDS.flatMap((k) => student.head.levels.map((l) => `${k}.${l.name}`));
  const bad = names.find((n) => !allowed.includes(n));
  if (bad)
    throw new CliError(
      `distill: ctxFrom "targets:${bad}" is not a target the trainer computes for this student; allowed: ${allowed.join(", ")}`,
    );
}

/** Creates the distiller (errors name the term); `imageSize` enables the size check of pretrained/cached teachers. */
export function buildDistiller(
  terms: readonly (TermSection | MethodTermSection)[],
  student: Detector,
  teacher: Teacher,
  seed: number,
  imageSize?: number,
): Distiller {
  let d: Distiller | undefined;
  try {
    d = Distiller.create(resolveTerms(terms, student, teacher, imageSize), { seed });
    checkTargets(d.requiredFeatures.targets, student);
    return d;
  } catch (e) {
    d?.dispose();
    if (e instanceof CliError) throw e;
    throw new CliError(`distill: ${(e as Error).message}`);
  }
}
