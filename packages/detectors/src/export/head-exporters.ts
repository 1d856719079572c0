/**
 * Graph exporters of the detection heads, an explicit table keyed by class: each writes the raw
 * per-level outputs (`HeadOutput`: class logits, box outputs, quality logits) from the head's public
 * children (shared towers are written once per level, their weights stored once), the dense
 * `boxes`/`scores` its `decode` returns (see `dense-graph.ts`), and a description for kdet.json.
 */
import type { AnchorBoxOptions } from "../heads/anchor-boxes";
import { anchorsPerLocation } from "../heads/anchor-boxes";
import type { DeltaCoderOptions } from "../heads/delta-coder";
import { FcosHead } from "../heads/fcos-head";
import { GflHead } from "../heads/gfl-head";
import { RetinaHead } from "../heads/retina-head";
import type { DetectionHead } from "../heads/types";
import { Yolov8Head } from "../heads/yolov8-head";
import { YoloxHead } from "../heads/yolox-head";
import { childOf, unsupported, type AnyModule, type ExportContext, type ModuleClass } from "./export-context";
import type { DecodeInfo } from "./export-meta";
import type { Sym } from "./graph-def";
import { unary } from "./graph-ops";
import {
  deltaDenseGraph,
  dflDenseGraph,
  ltrbDenseGraph,
  yoloxDenseGraph,
  type DenseSyms,
} from "./dense-graph";
import { exportMap } from "./map-exporters";
import { exportPyramid } from "./pyramid-exporters";

/** What a head exporter writes: raw per-level outputs (with what they hold), dense predictions and their decoding. */
export interface HeadGraph {
  cls: Sym[];
  box: Sym[];
  quality?: Sym[];
  /** What the raw `box` and `quality` maps hold (kdet.json). */
  boxMeaning: string;
  qualityMeaning?: string;
  dense: DenseSyms;
  decode: DecodeInfo;
}

/** One entry of {@link HEAD_EXPORTERS}. */
export interface HeadExporter {
  readonly cls: ModuleClass<DetectionHead>;
  readonly run: (m: DetectionHead, xs: Sym[], ctx: ExportContext) => HeadGraph;
}

function entry<M extends DetectionHead>(
  cls: ModuleClass<M>,
  run: (m: M, xs: Sym[], ctx: ExportContext) => HeadGraph,
): HeadExporter {
  return { cls, run: run as HeadExporter["run"] };
}

/** The head's graph outputs for pyramid features `xs`. Throws naming an unsupported head's path and class. */
export function exportHead(m: DetectionHead, xs: Sym[], ctx: ExportContext): HeadGraph {
  const e = HEAD_EXPORTERS.find((k) => m.constructor === k.cls);
  if (!e)
    throw unsupported(
      m as unknown as AnyModule,
      "head",
      HEAD_EXPORTERS.map((k) => k.cls),
    );
  return e.run(m, xs, ctx);
}

const strides = (m: DetectionHead): number[] => m.levels.map((l) => l.stride);
const mod = (m: DetectionHead): AnyModule => m as unknown as AnyModule;
/** y = out(tower(x)) for every level (the tower and output conv are shared children of the head). */
const shared = (m: DetectionHead, xs: Sym[], ctx: ExportContext, ...steps: string[]): Sym[] =>
  xs.map((x) => steps.reduce((y, s) => exportMap(childOf(mod(m), s), y, ctx), x));
/** Each level's learnable `scale_<level>` applied to its map. */
const scaled = (m: DetectionHead, ys: Sym[], ctx: ExportContext): Sym[] =>
  ys.map((y, i) => exportMap(childOf(mod(m), `scale_${m.levels[i]?.name}`), y, ctx));

/** A field the head keeps private (read for the export; absence is an error, not a default). */
function privateField<T>(m: DetectionHead, field: string): T {
  const v = (m as unknown as Record<string, unknown>)[field];
  if (v === undefined)
    throw new Error(
      `exportGraphModel: head "${m.path}" (${m.constructor.name}) has no "${field}"; the exporter needs updating`,
    );
  return v as T;
}

/** Every head of kdet's registered detectors (explicit typed table). */
export const HEAD_EXPORTERS: readonly HeadExporter[] = [
  // YOLOv8: per-level branches `cls.pN`, `box.pN`; DFL with regMax bins around cell centres
  entry(Yolov8Head, (m, xs, ctx) => {
    const cls = exportPyramid(childOf(mod(m), "cls"), xs, ctx);
    const box = exportPyramid(childOf(mod(m), "box"), xs, ctx);
    const decode = { type: "dfl", bins: m.regMax, anchorOffset: 0.5, score: "sigmoid(cls)" } as const;
    return {
      cls,
      box,
      boxMeaning: `DFL logits, 4 sides (l, t, r, b) × ${m.regMax} bins, side-major`,
      dense: dflDenseGraph(ctx.g, cls, box, strides(m), m.regMax, 0.5),
      decode,
    };
  }),
  // GFL: cls = cls_out(cls_tower(x)), box = scale_pN · reg_out(reg_tower(x)); DFL with regMax + 1 bins around cell corners
  entry(GflHead, (m, xs, ctx) => {
    const cls = shared(m, xs, ctx, "cls_tower", "cls_out");
    const box = scaled(m, shared(m, xs, ctx, "reg_tower", "reg_out"), ctx);
    const decode = { type: "dfl", bins: m.bins, anchorOffset: 0, score: "sigmoid(cls)" } as const;
    return {
      cls,
      box,
      boxMeaning: `DFL logits, 4 sides (l, t, r, b) × ${m.bins} bins, side-major`,
      dense: dflDenseGraph(ctx.g, cls, box, strides(m), m.bins, 0),
      decode,
    };
  }),
  // FCOS: reg = reg_tower(x); box = act(scale_pN · reg_out(reg)) in strides (act = m.distance: ReLU or exp); quality = ctr_out(reg)
  entry(FcosHead, (m, xs, ctx) => {
    const cls = shared(m, xs, ctx, "cls_tower", "cls_out");
    const reg = shared(m, xs, ctx, "reg_tower");
    const act = m.distance === "exp" ? "Exp" : "Relu";
    const box = scaled(m, shared(m, reg, ctx, "reg_out"), ctx).map((y, i) =>
      unary(ctx.g, `head/box/${m.levels[i]?.name}`, act, y),
    );
    const quality = shared(m, reg, ctx, "ctr_out");
    const decode = { type: "ltrb", anchorOffset: 0.5, score: "sigmoid(cls)*sigmoid(quality)" } as const;
    return {
      cls,
      box,
      quality,
      boxMeaning: "distances (l, t, r, b) from the cell centre, in strides",
      qualityMeaning: "centre-ness logits",
      dense: ltrbDenseGraph(ctx.g, cls, box, quality, strides(m)),
      decode,
    };
  }),
  // RetinaNet: cls = cls_out(cls_tower(x)) (A·C, anchor-major), box = reg_out(reg_tower(x)) (A·4 deltas)
  entry(RetinaHead, (m, xs, ctx) => {
    const cls = shared(m, xs, ctx, "cls_tower", "cls_out");
    const box = shared(m, xs, ctx, "reg_tower", "reg_out");
    const loss = privateField<{ anchors?: AnchorBoxOptions; coder?: DeltaCoderOptions }>(m, "lossOptions");
    const a = loss.anchors ?? {};
    const c = loss.coder ?? {};
    const A = anchorsPerLocation(a);
    const decode: DecodeInfo = {
      type: "delta-xywh",
      anchorsPerLocation: A,
      anchors: {
        octaveBaseScale: a.octaveBaseScale ?? 4,
        scalesPerOctave: a.scalesPerOctave ?? 3,
        ratios: [...(a.ratios ?? [0.5, 1, 2])],
        centerOffset: a.centerOffset ?? 0,
      },
      means: [...(c.means ?? [0, 0, 0, 0])] as [number, number, number, number],
      stds: [...(c.stds ?? [1, 1, 1, 1])] as [number, number, number, number],
      whRatioClip: c.whRatioClip ?? 16 / 1000,
      score: "sigmoid(cls)",
    };
    const dense = deltaDenseGraph(ctx.g, cls, box, strides(m), m.numClasses, a, c);
    return {
      cls,
      box,
      boxMeaning: `deltas (dx, dy, dw, dh) of ${A} anchors per location, anchor-major`,
      dense,
      decode,
    };
  }),
  // YOLOX: s = stem(x); cls = cls(cls_convs(s)); reg = reg_convs(s); box = box(reg) (t_x, t_y, t_w, t_h); quality = obj(reg)
  entry(YoloxHead, (m, xs, ctx) => {
    const per = (name: string, ys: Sym[]): Sym[] => exportPyramid(childOf(mod(m), name), ys, ctx);
    const s = per("stem", xs);
    const reg = per("reg_convs", s);
    const [cls, box, quality] = [per("cls", per("cls_convs", s)), per("box", reg), per("obj", reg)];
    const decode = { type: "yolox", anchorOffset: 0, score: "sigmoid(cls)*sigmoid(quality)" } as const;
    return {
      cls,
      box,
      quality,
      boxMeaning: "(t_x, t_y, t_w, t_h): centre offset from the cell corner and log size, in strides",
      qualityMeaning: "objectness logits",
      dense: yoloxDenseGraph(ctx.g, cls, box, quality, strides(m)),
      decode,
    };
  }),
];
