/**
 * Builds the `@kdet/losses` Distiller of an experiment's terms. The only thing added to the
 * losses' own config is `adapter: auto`: a 1×1 conv per level from the student's channels to the
 * teacher's (read from the modules' declared outputs), or none where they already match.
 */
import { featureInfo } from "@kdet/core";
import { AdapterConfig, Distiller, expandNames, type DistillTermConfigInput } from "@kdet/losses";
import type { z } from "zod";
import type { TermSection } from "./config-schema";
import type { Detector } from "./detectors-api";
import { CliError } from "./errors";

/** Channels of a named module output, or an error listing the tappable names. */
function channelsOf(info: Record<string, { channels: number }>, name: string, side: string, key: string): number {
  const i = info[name];
  if (!i) throw new CliError(`${key}.${side}: ${JSON.stringify(name)} is not a module of the ${side}; allowed: ${Object.keys(info).filter((n) => /^(neck|backbone)\.[^.]+$/.test(n)).join(", ")} (or any dotted module path)`);
  return i.channels;
}

/** The terms with `adapter: auto` replaced by explicit adapter configs. */
export function resolveTerms(terms: readonly TermSection[], student: Detector, teacher: Detector): DistillTermConfigInput[] {
  const si = featureInfo(student);
  const ti = featureInfo(teacher);
  return terms.map((t, i) => {
    if (t.adapter !== "auto") return t as DistillTermConfigInput;
    const key = `distill[${i}]`;
    let s: string[], te: string[];
    try {
      s = expandNames(t.student, t.levels).names;
      te = expandNames(t.teacher, t.levels).names;
    } catch (e) {
      throw new CliError(`${key}: ${(e as Error).message}`);
    }
    const sc = s.map((n) => channelsOf(si, n, "student", key));
    const tc = te.map((n) => channelsOf(ti, n, "teacher", key));
    const { adapter: _a, ...rest } = t;
    if (sc.every((c, l) => c === tc[l])) return rest as DistillTermConfigInput;
    const adapters: z.input<typeof AdapterConfig>[] = sc.map((c, l) => ({ inChannels: c, outChannels: tc[l]! }));
    return { ...rest, adapter: adapters.length === 1 ? adapters[0]! : adapters } as DistillTermConfigInput;
  });
}

/** Creates the distiller (errors name the term). */
export function buildDistiller(terms: readonly TermSection[], student: Detector, teacher: Detector, seed: number): Distiller {
  try {
    return Distiller.create(resolveTerms(terms, student, teacher), { seed });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`distill: ${(e as Error).message}`);
  }
}
