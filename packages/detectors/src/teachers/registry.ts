/**
 * The pretrained-teacher table: `TEACHERS[id]` is the static entry of `TEACHER_INFO` (source npm package + model
 * json, licence, documented coco128-val accuracy, zod config schema) plus an async factory that loads the model
 * from the installed package (never from the network). `loadTeacher(id, config)` is the entry point.
 */
import { centernetSpec } from "./centernet";
import { GraphTeacher } from "./graph-teacher";
import { loadGraphModelFile, packageModelPath } from "./model-files";
import { nanodetSpec } from "./nanodet";
import {
  CenternetConfigSchema,
  NanodetConfigSchema,
  TEACHER_IDS,
  TEACHER_INFO,
  type TeacherConfig,
  type TeacherId,
} from "./teacher-info";

export {
  CenternetConfigSchema,
  NanodetConfigSchema,
  TEACHER_IDS,
  type TeacherConfig,
  type TeacherId,
} from "./teacher-info";

/** The model json of a teacher: `modelPath` when given, else the file inside its npm package. */
const modelFile = (id: TeacherId, modelPath: string | undefined) =>
  modelPath ?? packageModelPath(TEACHER_INFO[id].package, TEACHER_INFO[id].modelFile);

/** The pretrained COCO-80 teachers: the static entry of `TEACHER_INFO` plus `create`, which loads the model. */
export const TEACHERS = {
  "centernet-mbv3": {
    ...TEACHER_INFO["centernet-mbv3"],
    async create(config: TeacherConfig = {}): Promise<GraphTeacher> {
      const c = CenternetConfigSchema.parse(config);
      const model = await loadGraphModelFile(modelFile("centernet-mbv3", c.modelPath));
      return new GraphTeacher(model, centernetSpec(c));
    },
  },
  "nanodet-g": {
    ...TEACHER_INFO["nanodet-g"],
    async create(config: TeacherConfig = {}): Promise<GraphTeacher> {
      const c = NanodetConfigSchema.parse(config);
      const model = await loadGraphModelFile(modelFile("nanodet-g", c.modelPath));
      return new GraphTeacher(model, nanodetSpec(c));
    },
  },
} as const satisfies Record<TeacherId, unknown>;

/** Loads the teacher `id` with `config` (validated by its schema); throws on an unknown id or a missing file. */
export async function loadTeacher(id: TeacherId, config: TeacherConfig = {}): Promise<GraphTeacher> {
  const entry = TEACHERS[id];
  if (!entry) throw new Error(`unknown teacher "${String(id)}" (known: ${TEACHER_IDS.join(", ")})`);
  return entry.create(config);
}
