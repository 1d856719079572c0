import * as tf from "@tensorflow/tfjs-core";
import type { Detector } from "../detector";
import { namedVariables } from "../io/named-variables";
import type { DetectorId } from "../registry";
import type { InputNormalization } from "./input-normalization";
import type { TorchTensor } from "./torch-tensor";
import { CheckpointFormatError } from "./zip-archive";

/** Checkpoint formats `importCheckpoint` reads. */
export type ImportFormat = "ultralytics" | "mmdet";

/** The detector config a checkpoint implies. */
export interface CheckpointConfig {
  numClasses: number;
  /** Further registry config fields it implies (YOLOv8/GFL `regMax`, FCOS `distance`). */
  fields?: Record<string, unknown>;
  /** What the caller should know (settings assumed because the checkpoint does not record them). */
  warnings?: string[];
}

/**
 * How the tensor names of one tool and architecture family map onto kdet's variable names
 * (see `namedVariables`). Pure name logic; layouts are converted by {@link importStateDict}.
 */
export interface WeightMapping {
  /** `ultralytics-yolov8`, `mmdet-retina`, … */
  readonly id: string;
  readonly format: ImportFormat;
  /** kdet registry models these names fit. */
  readonly models: readonly DetectorId[];
  /** Which of `models` the checkpoint's shapes fit (undefined: none); lets `importCheckpoint` pick the model. */
  guessModel(tensors: ReadonlyMap<string, TorchTensor>): DetectorId | undefined;
  /** The kdet variable a checkpoint tensor fills, or undefined when it has no place in kdet. */
  kdetName(torchName: string): string | undefined;
  /** Why a checkpoint tensor is deliberately not used (undefined: it must be mapped). */
  ignoreReason(torchName: string, t: TorchTensor, file: string): string | undefined;
  /** Whether a kdet variable's shape depends on the class count (re-initialised when it changes). */
  classDependent(kdetName: string): boolean;
  /** The tool's inference post-processing for this architecture (score threshold, NMS IoU, max detections). */
  readonly postprocess: { scoreThreshold: number; iouThreshold: number; maxDetections: number };
  /** Input normalisation the tool's models are trained with (folded into the stem on import), if any. */
  readonly inputNormalization?: InputNormalization;
  /** Module path of the first conv + BN (default `backbone.stem`), where the normalisation is folded. */
  readonly inputStem?: string;
  /**
   * Class count and other settings of the checkpoint, read from the shapes of its head tensors (and, for
   * settings no shape shows, the training config some tools store in the checkpoint; `root` is the unpickled file).
   */
  config(tensors: ReadonlyMap<string, TorchTensor>, file: string, root: unknown): CheckpointConfig;
}

/** What an import did with every tensor. */
export interface ImportReport {
  /** kdet variables filled from the checkpoint (kdet name ← checkpoint name). */
  loaded: Array<{ kdet: string; torch: string }>;
  /** Checkpoint tensors not used, with the reason (BN `num_batches_tracked`, the fixed DFL conv…). */
  ignored: Array<{ torch: string; reason: string }>;
  /** kdet variables left at their fresh initialisation (class-count change), with the reason. */
  reinitialized: Array<{ kdet: string; torch: string; reason: string }>;
}

/**
 * A torch tensor's values in kdet's layout: conv OIHW → HWIO (`[O,I,kh,kw]` → `[kh,kw,I,O]`),
 * depthwise `[C,1,kh,kw]` → `[kh,kw,C,1]` (chosen when kdet's variable has that shape), linear
 * `[out,in]` → `[in,out]`, vectors and scalars unchanged. Returns the kdet shape and row-major values.
 */
export function toKdetLayout(
  t: TorchTensor,
  kdetShape: readonly number[],
): { shape: number[]; values: Float32Array } {
  const v = t.toFloat32();
  if (t.shape.length === 4) {
    const [o, i, kh, kw] = t.shape as [number, number, number, number];
    const depthwise = i === 1 && kdetShape.length === 4 && kdetShape[2] === o && kdetShape[3] === 1;
    const shape = depthwise ? [kh, kw, o, 1] : [kh, kw, i, o];
    const out = new Float32Array(v.length);
    // torch index ((oo·I + ii)·kh + y)·kw + x → kdet ((y·kw + x)·I + ii)·O + oo (depthwise: (y·kw + x)·C + oo)
    for (let oo = 0; oo < o; oo++)
      for (let ii = 0; ii < i; ii++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            out[depthwise ? (y * kw + x) * o + oo : ((y * kw + x) * i + ii) * o + oo] = v[
              ((oo * i + ii) * kh + y) * kw + x
            ] as number;
    return { shape, values: out };
  }
  if (t.shape.length === 2) {
    const [o, i] = t.shape as [number, number];
    const out = new Float32Array(v.length);
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) out[c * o + r] = v[r * i + c] as number;
    return { shape: [i, o], values: out };
  }
  return { shape: [...t.shape], values: v };
}

const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function listed(names: string[]): string {
  return `${names.slice(0, 6).join(", ")}${names.length > 6 ? `, … (${names.length} in all)` : ""}`;
}

/**
 * Fills every variable of `detector` from a checkpoint state dict through `mapping`: each kdet variable
 * exactly once, each checkpoint tensor either used or ignored with a reason. A tensor whose converted
 * shape differs from kdet's is an error naming both tensors and shapes — except class-dependent head
 * tensors when `classesChanged` (the user asked for another class count than the checkpoint's): those
 * keep kdet's fresh initialisation and are reported as re-initialised (what ultralytics and mmengine do
 * with size-mismatched head weights when fine-tuning on a new dataset). Nothing is assigned unless the
 * whole mapping succeeds.
 */
export function importStateDict(
  detector: Detector,
  tensors: ReadonlyMap<string, TorchTensor>,
  mapping: WeightMapping,
  opts: { file: string; classesChanged: boolean },
): ImportReport {
  const fail = (msg: string): never => {
    throw new CheckpointFormatError(opts.file, `${mapping.id}: ${msg}`);
  };
  const vars = new Map(namedVariables(detector as never).map((v) => [v.name, v.variable]));
  const report: ImportReport = { loaded: [], ignored: [], reinitialized: [] };
  const values = new Map<string, { shape: number[]; values: Float32Array }>();
  const filledBy = new Map<string, string>();
  const unmapped: string[] = [];
  for (const [name, t] of tensors) {
    const reason = mapping.ignoreReason(name, t, opts.file);
    if (reason !== undefined) {
      report.ignored.push({ torch: name, reason });
      continue;
    }
    const k = mapping.kdetName(name);
    if (k === undefined) {
      unmapped.push(name);
      continue;
    }
    const v = vars.get(k);
    if (!v) return fail(`checkpoint tensor "${name}" maps to "${k}", which this kdet model does not have`);
    const prev = filledBy.get(k);
    if (prev) return fail(`kdet variable "${k}" would be filled twice, from "${prev}" and "${name}"`);
    filledBy.set(k, name);
    const conv = toKdetLayout(t, v.shape);
    if (!same(conv.shape, v.shape)) {
      if (opts.classesChanged && mapping.classDependent(k)) {
        report.reinitialized.push({
          kdet: k,
          torch: name,
          reason: `class count changed: checkpoint [${t.shape}] vs model [${v.shape}]`,
        });
        continue;
      }
      return fail(
        `checkpoint tensor "${name}" has shape [${t.shape}] (kdet layout [${conv.shape}]); kdet variable "${k}" has shape [${v.shape}]`,
      );
    }
    values.set(k, conv);
    report.loaded.push({ kdet: k, torch: name });
  }
  if (unmapped.length)
    fail(`${unmapped.length} checkpoint tensor(s) have no place in kdet's model: ${listed(unmapped)}`);
  const missing = [...vars.keys()].filter((k) => !filledBy.has(k));
  if (missing.length)
    fail(`${missing.length} kdet variable(s) are not in the checkpoint: ${listed(missing)}`);
  for (const [k, { shape, values: data }] of values)
    tf.tidy(() => (vars.get(k) as tf.Variable).assign(tf.tensor(data, shape, "float32")));
  return report;
}
