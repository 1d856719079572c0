import type { Detector } from "../detector";
import { createDetector, type DetectorId } from "../registry";
import { foldInputNormalization } from "./input-normalization";
import { mmdetFasterRcnn } from "./mmdet-faster-rcnn";
import { mmdetFcos } from "./mmdet-fcos";
import { mmdetGfl } from "./mmdet-gfl";
import { mmdetRetina } from "./mmdet-retina";
import { mmdetYolox } from "./mmdet-yolox";
import { PyObject } from "./pickle";
import { extractStateDict } from "./state-dict";
import { readTorchCheckpoint, type TorchCheckpoint } from "./torch-checkpoint";
import type { TorchTensor } from "./torch-tensor";
import { ultralyticsYolov8 } from "./ultralytics-yolov8";
import { type ImportFormat, type ImportReport, importStateDict, type WeightMapping } from "./weight-mapping";
import { CheckpointFormatError } from "./zip-archive";

/** The name mappings per checkpoint format (typed const table). */
export const IMPORT_MAPPINGS: Readonly<Record<ImportFormat, readonly WeightMapping[]>> = {
  ultralytics: [ultralyticsYolov8],
  mmdet: [mmdetRetina, mmdetGfl, mmdetFcos, mmdetYolox, mmdetFasterRcnn],
};

/** Checkpoint formats `importCheckpoint` reads. */
export const IMPORT_FORMATS = Object.keys(IMPORT_MAPPINGS) as ImportFormat[];

/** kdet registry ids a format can be imported into. */
export function importableModels(from: ImportFormat): DetectorId[] {
  return (IMPORT_MAPPINGS[from] ?? []).flatMap((m) => m.models);
}

/** The mapping of `from` for the kdet model `model`, or an error listing what is supported. */
export function mappingFor(from: ImportFormat, model: DetectorId): WeightMapping {
  const list = IMPORT_MAPPINGS[from];
  if (!list)
    throw new Error(`import: unknown checkpoint format "${from}"; allowed: ${IMPORT_FORMATS.join(", ")}`);
  const m = list.find((x) => x.models.includes(model));
  if (!m)
    throw new Error(
      `import: ${from} checkpoints can be imported into ${importableModels(from).join(", ")}, not ${model}`,
    );
  return m;
}

/**
 * The kdet model a checkpoint of `from` fits, from its shapes (ResNet depth, stem width, depthwise convs):
 * the first mapping that recognises the head and names a model; an error listing the choices otherwise.
 */
export function guessModel(
  from: ImportFormat,
  tensors: ReadonlyMap<string, TorchTensor>,
  file: string,
): DetectorId {
  for (const m of IMPORT_MAPPINGS[from] ?? []) {
    try {
      m.config(tensors, file, undefined);
    } catch {
      continue; // not this architecture
    }
    const id = m.guessModel(tensors);
    if (id) return id;
  }
  throw new CheckpointFormatError(
    file,
    `cannot tell which kdet model this ${from} checkpoint fits (its widths or depths match none); pass the model; allowed: ${importableModels(from).join(", ")}`,
  );
}

/** The outcome of an import: the filled detector and what happened to every tensor. */
export interface ImportResult {
  detector: Detector;
  report: ImportReport;
  /** Where the weights were found in the checkpoint (`state_dict`, `model (…DetectionModel)`, …). */
  source: string;
  /** Class count of the checkpoint's head. */
  checkpointClasses: number;
  /** Class names recorded in the checkpoint (ultralytics `model.names`, mmdet `meta.dataset_meta.classes`). */
  classNames: string[] | undefined;
  /** The source tool's post-processing for this architecture (for `kdet.json`). */
  postprocess: WeightMapping["postprocess"];
  /** Human-readable notes (re-initialised class layers, …). */
  warnings: string[];
}

/** Options of {@link importCheckpoint}. */
export interface ImportOptions {
  from: ImportFormat;
  /** kdet registry id to build (see {@link importableModels}); default: the model whose shapes the checkpoint fits. */
  model?: DetectorId;
  /** Classes of the kdet model (default: the checkpoint's); a different count re-initialises the class layers. */
  numClasses?: number;
  /** Seed of the initialisation of re-initialised layers. */
  seed?: number;
  /**
   * Fold the tool's input normalisation (mmdet: ImageNet mean/std) into the stem so the model takes
   * kdet's 0–1 RGB input (default true; see {@link foldInputNormalization} for the border effect).
   */
  foldInputNormalization?: boolean;
}

function stringList(v: unknown): string[] | undefined {
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === "string")) return v as string[];
  if (v instanceof Map && v.size) {
    const out: string[] = [];
    for (let i = 0; i < v.size; i++) {
      const s = v.get(i);
      if (typeof s !== "string") return undefined;
      out.push(s);
    }
    return out;
  }
  return undefined;
}

/** Class names stored in an ultralytics (`model.names`) or mmdetection (`meta.dataset_meta.classes`, `meta.CLASSES`) checkpoint. */
export function checkpointClassNames(root: unknown): string[] | undefined {
  if (!(root instanceof Map)) return undefined;
  const model = root.get("ema") instanceof PyObject ? root.get("ema") : root.get("model");
  if (model instanceof PyObject) return stringList(model.attrs.get("names"));
  const meta = root.get("meta");
  if (!(meta instanceof Map)) return undefined;
  const ds = meta.get("dataset_meta");
  return stringList(ds instanceof Map ? ds.get("classes") : undefined) ?? stringList(meta.get("CLASSES"));
}

/**
 * Fills an already built `detector` from a read checkpoint through `mapping` (for models outside the
 * registry, e.g. reduced widths). Class-count differences re-initialise the class layers (see
 * {@link importStateDict}).
 */
export function importIntoDetector(
  detector: Detector,
  ckpt: TorchCheckpoint,
  mapping: WeightMapping,
): Omit<ImportResult, "detector"> {
  const sd = extractStateDict(ckpt);
  const cfg = mapping.config(sd.tensors, ckpt.file, ckpt.root);
  const classesChanged = cfg.numClasses !== detector.numClasses;
  const report = importStateDict(detector, sd.tensors, mapping, { file: ckpt.file, classesChanged });
  const warnings = [...(cfg.warnings ?? [])];
  if (report.reinitialized.length)
    warnings.push(
      `the checkpoint predicts ${cfg.numClasses} classes, the model ${detector.numClasses}: ${report.reinitialized.length} class layer(s) keep a fresh initialisation (${report.reinitialized.map((r) => r.kdet).join(", ")}); fine-tune before use`,
    );
  return {
    report,
    source: sd.source,
    checkpointClasses: cfg.numClasses,
    classNames: checkpointClassNames(ckpt.root),
    postprocess: mapping.postprocess,
    warnings,
  };
}

/**
 * Reads a PyTorch checkpoint (`torch.save` zip) of `opts.from` (ultralytics YOLOv8; mmdetection RetinaNet, GFL, FCOS, YOLOX, Faster R-CNN)
 * and returns the kdet registry model `opts.model` with its weights: class count and DFL bins from the
 * checkpoint unless `numClasses` overrides it; the tool's input normalisation is folded into the stem
 * unless `foldInputNormalization` is false. Errors name the file and the offending tensor or record.
 */
export async function importCheckpoint(file: string, opts: ImportOptions): Promise<ImportResult> {
  if (opts.model !== undefined) mappingFor(opts.from, opts.model); // unknown pairs fail before reading
  const ckpt = await readTorchCheckpoint(file);
  const tensors = extractStateDict(ckpt).tensors;
  const model = opts.model ?? guessModel(opts.from, tensors, file);
  const mapping = mappingFor(opts.from, model);
  const cfg = mapping.config(tensors, file, ckpt.root);
  if (opts.numClasses !== undefined && (!Number.isInteger(opts.numClasses) || opts.numClasses < 1))
    throw new CheckpointFormatError(file, `numClasses must be a positive integer, got ${opts.numClasses}`);
  const detector = createDetector(model, {
    numClasses: opts.numClasses ?? cfg.numClasses,
    seed: opts.seed ?? 0,
    ...cfg.fields,
  } as never);
  try {
    const res = importIntoDetector(detector, ckpt, mapping);
    const norm = mapping.inputNormalization;
    if (norm && opts.foldInputNormalization !== false)
      foldInputNormalization(detector, norm, mapping.inputStem);
    else if (norm)
      res.warnings.push(
        `${opts.from} models expect (255·x − mean)/std inputs (mean ${norm.mean.join("/")}, std ${norm.std.join("/")}, ${norm.bgr ? "BGR" : "RGB"}); kdet feeds 0–1 RGB, so this model needs that normalisation applied to its input`,
      );
    return { detector, ...res };
  } catch (e) {
    detector.dispose();
    throw e;
  }
}
