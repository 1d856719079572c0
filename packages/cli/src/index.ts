// Types of tfjs chained tensor methods (`x.reshape(…)`); @kdet/core registers them at run time.
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
/**
 * @kdet/cli — the `kdet` command (train, distill, eval, predict, export, demo) and its building
 * blocks for programmatic use: the experiment config schema, overrides, run folders, progress and
 * reports.
 */
export { main, COMMANDS, VERSION, mainUsage, type CommandName } from "./main";
export { type CliIo, processIo, bufferIo } from "./cli-io";
export { CliError, UsageError, EXIT_CODES, asCliError } from "./errors";
export {
  ExperimentSchema,
  DatasetSchema,
  ModelSchema,
  TeacherSchema,
  TermSchema,
  DataSchema,
  EvalSchema,
  OutputSchema,
  BACKENDS,
  experimentJsonSchema,
  type Experiment,
  type ExperimentInput,
} from "./config-schema";
export {
  loadExperiment,
  validateExperiment,
  readConfigFile,
  parseConfigText,
  experimentYaml,
} from "./config-load";
export { formatIssues } from "./config-errors";
export { expandEnv } from "./config-env";
export { expandDataShorthand } from "./data-shorthand";
export {
  compareRuns,
  comparisonText,
  readRun,
  type Comparison,
  type ComparedRun,
} from "./run-compare";
export { parseSetArg, applyOverrides, type SetOverride } from "./set-override";
export {
  createRunFolder,
  openRunFolder,
  RUN_FILES,
  writeRunFile,
  writeRunManifest,
  checkResumeConfig,
  RunManifestSchema,
  type RunManifest,
} from "./run-folder";
export { configChanges, type ConfigChange } from "./config-diff";
export { withInterrupt, TrainingInterrupted } from "./interrupt";
export { StageDoneSchema, type StageDone } from "./train-stage";
export { Progress, formatDuration } from "./progress";
export {
  renderReport,
  resultsMarkdown,
  type ReportData,
  type ReportRow,
  type ReportEntry,
} from "./report-html";
export { runExperiment, type RunResult } from "./experiment-run";
export { runDemo, DEMO_PRESETS, type DemoOptions, type DemoResult } from "./demo";
export { modelCost, countGflops, type ModelCost } from "./detectors-api";
