/**
 * `kdet models` and `kdet methods`: the ids a config accepts, one line each, read from the registries
 * (the static tables of `@kdet/detectors/config` and `@kdet/losses/config`, the CLI's distillation methods),
 * so a new registry entry is listed without a change here, and TensorFlow.js is never loaded.
 */
import { optionsHelp, parseOptions, type OptionTable } from "../args";
import type { Command } from "../command";
import { METHOD_IDS, METHODS } from "../methods";

const OPTIONS = { help: { type: "boolean", short: "h", help: "this help" } } as const satisfies OptionTable;

/** Rows `id  text`, the ids padded to one column. */
export function idTable(rows: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([id, text]) => `  ${id.padEnd(w)}  ${text}`).join("\n");
}

const MODELS_USAGE = `Usage: kdet models

Lists the detector ids of model.type / teacher.type and the pretrained teachers of teacher.pretrained.

Options:
${optionsHelp(OPTIONS)}`;

/** `kdet models`. */
export const modelsCommand: Command = {
  summary: "list the detector ids (model.type, teacher.type) and pretrained teachers",
  usage: MODELS_USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, MODELS_USAGE);
    if (o.help) return (io.stdout(`${MODELS_USAGE}\n`), 0);
    const { DETECTOR_IDS, DETECTOR_INFO, TEACHER_IDS, TEACHER_INFO } = await import("../detectors-config");
    io.stdout(
      `Detectors (model: {type: ID}, teacher: {type: ID, weights | train}):\n${idTable(DETECTOR_IDS.map((id) => [id, DETECTOR_INFO[id].description]))}\n\n` +
        `Pretrained COCO-80 teachers (teacher: {pretrained: ID}):\n${idTable(TEACHER_IDS.map((id) => [id, TEACHER_INFO[id].description]))}\n`,
    );
    return 0;
  },
};

const METHODS_USAGE = `Usage: kdet methods

Lists the distillation method presets (distill: {method: ID}, kdet distill --method ID; they fill taps,
adapters and channel settings from the two models) with their kind, and every loss type of
distill[].loss.type with its paper.

Options:
${optionsHelp(OPTIONS)}`;

/** `kdet methods`. */
export const methodsCommand: Command = {
  summary: "list the distillation methods and loss types (distill[].loss.type)",
  usage: METHODS_USAGE,
  async run(argv, io) {
    const { values: o } = parseOptions(argv, OPTIONS, METHODS_USAGE);
    if (o.help) return (io.stdout(`${METHODS_USAGE}\n`), 0);
    const { LOSS_IDS, LOSS_META } = await import("@kdet/losses/config");
    io.stdout(
      `Methods (distill: {method: ID}, kdet distill --method ID):\n${idTable(METHOD_IDS.map((id) => [id, `${METHODS[id].kind.padEnd(8)}  ${METHODS[id].description}`]))}\n\n` +
        `Loss types (distill: [{loss: {type: ID, ...}, student: TAP, teacher: TAP}]):\n${idTable(LOSS_IDS.map((id) => [id, LOSS_META[id].paper]))}\n`,
    );
    return 0;
  },
};
