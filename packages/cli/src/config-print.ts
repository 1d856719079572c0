/**
 * What `kdet config print` shows: an experiment config fully resolved — environment variables replaced, `--set`
 * overrides applied, the data shorthand and every default filled in, and method presets (`{method: fgd}`) expanded
 * into their raw terms where both models are registry detectors (their maps are described statically by
 * `describeMaps`, so nothing is built and TensorFlow.js is not loaded). A pretrained teacher's maps are known only
 * once its model is read, so a preset with such a teacher stays as written (a comment says so). The text loads to
 * the same experiment.
 */
import { experimentYaml, loadExperiment } from "./config-load";
import {
  type Experiment,
  isMethodTerm,
  isPretrained,
  type MethodTermSection,
  type ModelSection,
  type TermSection,
} from "./config-schema";
import { describeMaps, type DetectorId, type ModelMaps } from "./detectors-config";
import { CliError } from "./errors";
import type { MethodPair } from "./methods";
import { methodLevels, methodTerms } from "./method-terms";
import type { SetOverride } from "./set-override";

/** The maps of a registry model section, described from its registry fields (the class count does not change neck maps). */
function sectionMaps(section: ModelSection, key: string): ModelMaps {
  const {
    type,
    weights: _w,
    train: _t,
    cache: _c,
    ...config
  } = section as ModelSection & Record<string, unknown>;
  try {
    return describeMaps(type as DetectorId, config as never);
  } catch (e) {
    throw new CliError(`${key}: ${(e as Error).message}`);
  }
}

/** The experiment with each method preset expanded into its terms where the pair is described statically. */
export function expandPresets(exp: Experiment): { experiment: Experiment; kept: string[] } {
  const kept: string[] = [];
  if (!exp.distill.some(isMethodTerm)) return { experiment: exp, kept };
  const t = exp.teacher;
  const teacher = t && !isPretrained(t) ? sectionMaps(t, "teacher") : undefined;
  const student = sectionMaps(exp.model, "model");
  const distill = exp.distill.flatMap(
    (e: TermSection | MethodTermSection, i): Array<TermSection | MethodTermSection> => {
      if (!isMethodTerm(e)) return [e];
      if (!teacher) {
        kept.push(`distill[${i}] (method ${e.method})`);
        return [e];
      }
      const pair: MethodPair = {
        student: student.maps,
        teacher: teacher.maps,
        levels: methodLevels(e),
        anchorsPerLocation: student.anchorsPerLocation,
      };
      return methodTerms(e, pair, `distill[${i}]`);
    },
  );
  return { experiment: { ...exp, distill }, kept };
}

/** The text `kdet config print` writes: YAML under a comment header naming the source, or plain JSON. */
export function resolvedConfigText(
  file: string,
  overrides: readonly SetOverride[],
  format: "yaml" | "json",
): string {
  const { experiment, kept } = expandPresets(loadExperiment(file, overrides));
  if (format === "json") return `${JSON.stringify(experiment, null, 2)}\n`;
  const sets = overrides.map((o) => ` --set ${o.raw}`).join("");
  const header = [
    `# kdet config print ${file}${sets}`,
    "# The resolved config: environment variables replaced, overrides applied, method presets expanded into their",
    "# terms, every default filled in. It loads to the same experiment.",
    ...kept.map(
      (k) =>
        `# ${k} stays a preset: the pretrained teacher's maps are read from its model when the run starts.`,
    ),
  ];
  return `${header.join("\n")}\n${experimentYaml(experiment)}`;
}
