/**
 * `@kdet/detectors/config` — the static half of `@kdet/detectors`, free of TensorFlow.js: the detector table
 * `DETECTOR_INFO` (family, description, zod config schema of every named detector), the pretrained teachers'
 * `TEACHER_INFO` (source package, licence, documented accuracy, config schema) and the trainer's settings schema.
 * For tools that validate, describe or list configs (a command line's help, `config print`, a JSON Schema)
 * without loading tfjs. The main entry's `DETECTORS` and `TEACHERS` extend these tables with their factories.
 */
export {
  DETECTOR_INFO,
  DETECTOR_IDS,
  fasterRcnnConfigSchema,
  fcosConfigSchema,
  gflConfigSchema,
  retinaConfigSchema,
  yolov5ConfigSchema,
  yolov8ConfigSchema,
  yoloxConfigSchema,
  type DetectorConfig,
  type DetectorConfigInput,
  type DetectorId,
  type DetectorInfo,
} from "./registry-info";
export {
  TEACHER_INFO,
  TEACHER_IDS,
  CenternetConfigSchema,
  NanodetConfigSchema,
  type TeacherConfig,
  type TeacherId,
} from "./teachers/teacher-info";
export { trainerConfigSchema, type TrainerConfig, type TrainerConfigInput } from "./train/trainer-config";
export { DETECTOR_MAPS, describeMaps, type ModelMaps, type StaticMapInfo } from "./model-maps";
