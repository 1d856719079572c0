/**
 * A whole {@link Detector} as a TF.js graph model: input `images` `[−1,H,W,3]` (NHWC RGB 0..1, fixed
 * H×W, any batch; `[1,H,W,3]` for a two-stage head), backbone → neck → head, each module writing itself (`exportGraph`, beside its `forward`;
 * inference mode: BatchNorm uses running statistics, folded into the convolutions), and the outputs
 *   `boxes`  `[N,A,4]` xyxy in input pixels,  `scores` `[N,A,C]` class probabilities,
 *   `cls_<level>` `[N,h,w,A·C]` class logits,  `box_<level>` the head's box outputs (DFL logits,
 *   distances, deltas or YOLOX offsets; kdet.json says which),  `quality_<level>` `[N,h,w,1]`
 *   centre-ness/objectness logits (FCOS, YOLOX),
 * with A = Σ h·w anchors, level by level, row-major. The model.json is tfjs-converter's "graph-model"
 * format (GraphDef JSON + weights manifest + signature), readable by `loadGraphModel`.
 */
import type { Detector } from "../detector";
import { ExportContext } from "./export-context";
import type { ExportMeta } from "./export-meta";
import { GraphBuilder, type Sym } from "./graph-def";
import type { DecodeInfo } from "./export-meta";
import { exportHead, exportPyramid } from "./module-graph";

/** Name of the graph input. */
export const GRAPH_INPUT = "images";

/** The graph of a detector and the description of its outputs. */
export interface DetectorGraph {
  builder: GraphBuilder;
  outputs: ExportMeta["outputs"];
  decode: DecodeInfo;
}

/** Builds the graph of `detector` for inputs of `height × width` pixels (see the module doc for the outputs). */
export function detectorGraph(detector: Detector, height: number, width: number): DetectorGraph {
  const g = new GraphBuilder();
  const ctx = new ExportContext(g);
  const images = g.placeholder(GRAPH_INPUT, [detector.head.graphBatch, height, width, 3]);
  const feats = exportPyramid(detector.backbone, [images], ctx);
  const pyramid = exportPyramid(detector.neck, feats, ctx);
  const head = exportHead(detector.head, pyramid, ctx);
  const raw: ExportMeta["outputs"]["raw"] = [];
  const kinds = [
    ["cls", head.cls, "class logits"],
    ["box", head.box, head.boxMeaning],
    ["quality", head.quality ?? [], head.qualityMeaning ?? "quality logits"],
  ] as const;
  for (const [kind, maps, what] of kinds) {
    maps.forEach((s: Sym, i) => {
      const level = detector.head.levels[i];
      if (!level)
        throw new Error(
          `exportGraphModel: head "${detector.head.path}" returned ${maps.length} ${kind} maps for ${detector.head.levels.length} levels`,
        );
      const name = `${kind}_${level.name}`;
      g.output(name, s);
      raw.push({
        name,
        kind,
        level: level.name,
        stride: level.stride,
        shape: [...s.shape],
        description: `${what}; level ${level.name} (stride ${level.stride}), NHWC`,
      });
    });
  }
  const boxes = g.output("boxes", head.dense.boxes);
  const scores = g.output("scores", head.dense.scores);
  const proposals = head.proposals && g.output("proposals", head.proposals);
  return {
    builder: g,
    decode: head.decode,
    outputs: {
      boxes: {
        name: "boxes",
        shape: [...boxes.shape],
        description: "decoded boxes per anchor, xyxy in input pixels (anchors level by level, row-major)",
      },
      scores: {
        name: "scores",
        shape: [...scores.shape],
        description: proposals
          ? "class probabilities per (proposal, class) row: softmax of the R-CNN logits at the row's class"
          : "class probabilities per anchor (sigmoid of the class logits)",
      },
      ...(proposals && {
        proposals: {
          name: "proposals",
          shape: [...proposals.shape],
          description:
            "RPN proposals, xyxy in input pixels, best first; dense row p·C + c is proposal p, class c",
        },
      }),
      raw,
    },
  };
}
