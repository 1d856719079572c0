/**
 * The CLI's door into the TensorFlow.js-free half of `@kdet/detectors` (`@kdet/detectors/config`): the static
 * detector and teacher tables, the detectors' map descriptions and the trainer's settings schema. Config validation, `kdet config …`,
 * `kdet models` and help read these, so they never load tfjs; everything that runs a model comes through
 * detectors-api.ts (`scripts/check-imports.mjs` allows only these two files to import the package).
 */
export {
  DETECTOR_INFO,
  DETECTOR_IDS,
  TEACHER_INFO,
  TEACHER_IDS,
  trainerConfigSchema,
  describeMaps,
  type DetectorId,
  type ModelMaps,
  type TeacherId,
  type TrainerConfigInput,
} from "@kdet/detectors/config";
