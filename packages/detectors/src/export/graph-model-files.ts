/**
 * Writing a detector as a TF.js graph-model folder (`model.json` + `group1-shard{i}of{n}.bin` +
 * `kdet.json`) and reading such a folder back in Node (`tf.io.fromMemory`, no tfjs-node needed). In a
 * browser the same folder loads with `tf.loadGraphModel("<url>/model.json")`.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import { z } from "zod";
import type { Detector } from "../detector";
import { writeFileAtomic } from "../io/atomic-write";
import { DEFAULT_SHARD_BYTES } from "../io/tfjs-weights";
import { detectorGraph, GRAPH_INPUT } from "./detector-graph";
import { EXPORT_META_FILE, ExportMetaSchema, type ExportMeta } from "./export-meta";
import type { GraphBuilder, NodeDef } from "./graph-def";

/** Options of {@link writeGraphModel}. */
export interface GraphExportOptions {
  /** Network input: a square size or `[height, width]` (the graph's input size is fixed). */
  inputSize: number | readonly [number, number];
  /** Class names (default `class0…`); their count must equal the detector's classes. */
  classNames?: readonly string[];
  /** Dataset category id per class (recorded for COCO results). */
  categoryIds?: readonly number[];
  /** How images become the input (default letterbox with fill 114, as kdet's evaluation). */
  resize?: "letterbox" | "stretch";
  fill?: number;
  /** Post-processing defaults recorded in kdet.json (default: the head's `postprocessDefaults` over score 0.25, IoU 0.7, 300, class-aware). */
  postprocess?: Partial<ExportMeta["postprocess"]>;
  /** Shard size (default 4 MiB, as tfjs converters). */
  shardBytes?: number;
}

/** What {@link writeGraphModel} wrote. */
export interface GraphExportResult {
  files: string[];
  meta: ExportMeta;
  /** Number of graph nodes and of constant values (folded weights). */
  nodes: number;
  weights: number;
}

/** The model.json fields of a graph except its weights manifest (tfjs-converter "graph-model" format). */
export function modelJsonFields(g: GraphBuilder): {
  format: "graph-model";
  generatedBy: string;
  convertedBy: string;
  signature: object;
  modelTopology: { node: NodeDef[]; library: object; versions: object };
} {
  return {
    format: "graph-model",
    generatedBy: "@kdet/detectors",
    convertedBy: "@kdet/detectors writeGraphModel",
    signature: { inputs: g.inputs, outputs: g.outputs },
    modelTopology: { node: g.nodes, library: {}, versions: {} },
  };
}

/** Loads a graph straight from memory (tests, benchmarks): its model.json fields and weights via `tf.io.fromMemory`. */
export async function loadGraphFromBuilder(g: GraphBuilder): Promise<GraphModel> {
  const { specs, bytes } = g.weightData();
  const f = modelJsonFields(g);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: f.modelTopology as unknown as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs: specs,
      weightData,
      format: f.format,
      signature: f.signature,
    }),
  );
}

/** The head's own post-processing settings (e.g. mmdet's NMS IoU 0.5 for FCOS/RetinaNet) among those kdet.json records. */
function headDefaults(detector: Detector): Partial<ExportMeta["postprocess"]> {
  const d =
    (detector.head as { postprocessDefaults?: Partial<Record<keyof ExportMeta["postprocess"], unknown>> })
      .postprocessDefaults ?? {};
  return Object.fromEntries(
    Object.entries(d).filter(
      ([k, v]) =>
        v !== undefined && ["scoreThreshold", "iouThreshold", "maxDetections", "classAgnostic"].includes(k),
    ),
  );
}

/**
 * Exports `detector` (inference mode semantics: BN running statistics) to `dir` as a TF.js graph model
 * plus kdet.json; see `detectorGraph` for the input and output names. Files are written atomically,
 * model.json and kdet.json last. Throws naming the path and class of any module without an exporter.
 */
export async function writeGraphModel(
  detector: Detector,
  dir: string,
  opts: GraphExportOptions,
): Promise<GraphExportResult> {
  const [height, width] =
    typeof opts.inputSize === "number" ? [opts.inputSize, opts.inputSize] : opts.inputSize;
  const C = detector.numClasses;
  const classNames = opts.classNames
    ? [...opts.classNames]
    : Array.from({ length: C }, (_, k) => `class${k}`);
  if (classNames.length !== C)
    throw new Error(`writeGraphModel: ${classNames.length} class names for a detector with ${C} classes`);
  if (opts.categoryIds && opts.categoryIds.length !== C)
    throw new Error(`writeGraphModel: ${opts.categoryIds.length} category ids for ${C} classes`);
  const graph = detectorGraph(detector, height, width);
  const { specs, bytes } = graph.builder.weightData();
  const shard = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  const n = Math.max(1, Math.ceil(bytes.length / shard));
  const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  const meta = ExportMetaSchema.parse({
    format: "kdet-graph-model",
    version: 1,
    ...(detector.spec ? { model: { id: detector.spec.id, config: detector.spec.config } } : {}),
    classNames,
    ...(opts.categoryIds ? { categoryIds: [...opts.categoryIds] } : {}),
    input: {
      name: GRAPH_INPUT,
      shape: [detector.head.graphBatch, height, width, 3],
      dtype: "float32",
      layout: "NHWC",
      channels: "RGB",
      scale: "0..1",
      resize: opts.resize ?? "letterbox",
      fill: opts.fill ?? 114,
    },
    outputs: graph.outputs,
    decode: graph.decode,
    postprocess: {
      scoreThreshold: 0.25,
      iouThreshold: 0.7,
      maxDetections: 300,
      classAgnostic: false,
      ...headDefaults(detector),
      ...opts.postprocess,
    },
  } satisfies z.input<typeof ExportMetaSchema>);
  const modelJson = { ...modelJsonFields(graph.builder), weightsManifest: [{ paths, weights: specs }] };
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++)
    await writeFileAtomic(
      path.join(dir, paths[i] as string),
      bytes.subarray(i * shard, Math.min((i + 1) * shard, bytes.length)),
    );
  await writeFileAtomic(path.join(dir, "model.json"), JSON.stringify(modelJson));
  await writeFileAtomic(path.join(dir, EXPORT_META_FILE), JSON.stringify(meta, null, 1));
  return {
    files: [...paths, "model.json", EXPORT_META_FILE],
    meta,
    nodes: graph.builder.nodes.length,
    weights: specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0),
  };
}

const modelJsonSchema = z
  .object({
    format: z.literal("graph-model"),
    modelTopology: z
      .object({ node: z.array(z.object({ name: z.string(), op: z.string() }).passthrough()).min(1) })
      .passthrough(),
    signature: z
      .object({ inputs: z.record(z.string(), z.unknown()), outputs: z.record(z.string(), z.unknown()) })
      .passthrough()
      .optional(),
    weightsManifest: z
      .array(
        z.object({
          paths: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, "a file name in the same folder")).min(1),
          weights: z.array(
            z
              .object({
                name: z.string(),
                shape: z.array(z.number().int().min(0)),
                dtype: z.enum(["float32", "int32"]),
              })
              .passthrough(),
          ),
        }),
      )
      .min(1),
  })
  .passthrough();

async function readJson<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(`loadGraphExport: cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `loadGraphExport: ${file} is not ${what}: ${r.error.issues.map((i) => `${i.path.join(".") || "<root>"}: ${i.message}`).join("; ")}`,
    );
  return r.data;
}

/** A loaded export: the tfjs-converter model and its kdet.json. */
export interface GraphExport {
  model: GraphModel;
  meta: ExportMeta;
}

/**
 * Loads an export folder in Node: validates model.json (tfjs graph-model with a weights manifest) and
 * kdet.json, reads the shards in manifest order (their total size must match the manifest) and calls
 * `loadGraphModel(tf.io.fromMemory(…))`. Errors name the file and the field.
 */
export async function loadGraphExport(dir: string): Promise<GraphExport> {
  const jsonPath = path.join(dir, "model.json");
  const json = await readJson(jsonPath, modelJsonSchema, "a TF.js graph-model model.json");
  const meta = await readJson(
    path.join(dir, EXPORT_META_FILE),
    ExportMetaSchema,
    "a kdet graph-model kdet.json",
  );
  const specs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const shards = await Promise.all(
    json.weightsManifest
      .flatMap((g) => g.paths)
      .map((p) =>
        readFile(path.join(dir, p)).catch((e: Error) =>
          Promise.reject(
            new Error(
              `loadGraphExport: weight shard ${path.join(dir, p)} listed in ${jsonPath}: ${e.message}`,
            ),
          ),
        ),
      ),
  );
  const all = Buffer.concat(shards);
  const expected = specs.reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
  if (all.byteLength !== expected)
    throw new Error(
      `loadGraphExport: the shards of ${jsonPath} hold ${all.byteLength} bytes, the manifest describes ${expected}`,
    );
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const model = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs: specs,
      weightData,
      format: json.format,
      signature: json.signature,
    }),
  );
  return { model, meta };
}
