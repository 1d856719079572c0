/**
 * The registry of dataset formats: one typed `const` table keyed by config `type`, each entry holding its zod
 * config schema and its loader. `DatasetConfigSchema` (a discriminated union derived from the table) validates a
 * dataset config, e.g. `{type: "yolo", dataYaml: "coco128/data.yaml", split: "val"}`.
 */
import { z } from "zod";
import { CocoOptionsSchema, loadCoco } from "./coco-loader";
import { parseWith } from "./errors";
import { FlirOptionsSchema, loadFlir } from "./flir-loader";
import { imageFolderDataset, ImageFolderOptionsSchema } from "./semi-supervised";
import { syntheticDataset, SyntheticOptionsSchema } from "./synthetic";
import type { Dataset } from "./types";
import { loadVoc, VocOptionsSchema } from "./voc-loader";
import { loadYolo, YoloOptionsSchema } from "./yolo-loader";

/** Dataset formats: config schema + loader. */
export const DATASETS = {
  coco: { schema: CocoOptionsSchema, load: (o: z.input<typeof CocoOptionsSchema>) => loadCoco(o) },
  yolo: { schema: YoloOptionsSchema, load: (o: z.input<typeof YoloOptionsSchema>) => loadYolo(o) },
  voc: { schema: VocOptionsSchema, load: (o: z.input<typeof VocOptionsSchema>) => loadVoc(o) },
  flir: { schema: FlirOptionsSchema, load: (o: z.input<typeof FlirOptionsSchema>) => loadFlir(o) },
  synthetic: {
    schema: SyntheticOptionsSchema,
    load: async (o: z.input<typeof SyntheticOptionsSchema>) => syntheticDataset(o),
  },
  /** A plain folder of images without labels (the unlabelled part of a semi-supervised set). */
  images: {
    schema: ImageFolderOptionsSchema,
    load: (o: z.input<typeof ImageFolderOptionsSchema>) => imageFolderDataset(o),
  },
} as const;

/** The format ids. */
export type DatasetType = keyof typeof DATASETS;

/** A dataset config: `{type, ...options of that format}`. */
export const DatasetConfigSchema = z.discriminatedUnion("type", [
  CocoOptionsSchema.extend({ type: z.literal("coco") }),
  YoloOptionsSchema.extend({ type: z.literal("yolo") }),
  VocOptionsSchema.extend({ type: z.literal("voc") }),
  FlirOptionsSchema.extend({ type: z.literal("flir") }),
  SyntheticOptionsSchema.extend({ type: z.literal("synthetic") }),
  ImageFolderOptionsSchema.extend({ type: z.literal("images") }),
]);
/** Input of `loadDataset`. */
export type DatasetConfig = z.input<typeof DatasetConfigSchema>;

/** Validate a dataset config and load it with its format's loader. */
export async function loadDataset(config: DatasetConfig): Promise<Dataset> {
  const { type, ...options } = parseWith(DatasetConfigSchema, config, "load dataset");
  const entry = DATASETS[type] as { load: (o: unknown) => Promise<Dataset> };
  return entry.load(options);
}
