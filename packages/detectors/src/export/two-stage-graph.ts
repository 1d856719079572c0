/**
 * The graph of a two-stage detector's second half (Faster R-CNN, batch 1): RPN proposals, multi-level RoIAlign and
 * the box head's decoding, written with ops every TF.js backend runs (no custom op). Boxes xyxy in input pixels,
 * maps NHWC. The eager counterparts are `rpnProposals`, `poolRois`/`roiAlign` and `FasterRcnnHead.decode`; the
 * export check compares both on the same images.
 */
import { type AnchorBoxOptions, makeAnchorBoxes } from "../heads/anchor-boxes";
import type { DeltaCoderOptions } from "../heads/delta-coder";
import { attr, type GraphBuilder, type Sym } from "./graph-def";
import { binary, clip, concat, floats, reduce, reshape, slice, softmax, split, unary } from "./graph-ops";

const T = { T: attr.float };

function op1(
  g: GraphBuilder,
  scope: string,
  op: string,
  inputs: Sym[],
  attrs: object,
  shape: readonly number[],
): Sym {
  return g.op(`${scope}/${op}`, op, inputs, attrs as never, [shape])[0] as Sym;
}
const div = (g: GraphBuilder, s: string, a: Sym, b: Sym, shape = a.shape) =>
  op1(g, s, "RealDiv", [a, b], T, shape);
/** `a > b` (or `op`) as 0/1 floats. */
function compare(
  g: GraphBuilder,
  s: string,
  op: "Greater" | "GreaterEqual" | "Less" | "LessEqual" | "Equal",
  a: Sym,
  b: Sym,
  shape: readonly number[],
): Sym {
  const bool = g.op(`${s}/${op}`, op, [a, b], T, [shape])[0] as Sym;
  return op1(
    g,
    s,
    "Cast",
    [bool],
    { SrcT: { type: "DT_BOOL" }, DstT: attr.float, Truncate: attr.bool(false) },
    shape,
  );
}
function gather(g: GraphBuilder, s: string, x: Sym, idx: Sym, n: number): Sym {
  return op1(
    g,
    s,
    "GatherV2",
    [x, idx, g.ints(`${s}/axis`, [0], [])],
    { Tparams: attr.float, Tindices: attr.int32, Taxis: attr.int32, batch_dims: attr.int(0) },
    [n, ...x.shape.slice(1)],
  );
}
/** Transpose by `perm` (static shape permuted). */
export function transposeGraph(g: GraphBuilder, s: string, x: Sym, perm: number[]): Sym {
  return op1(
    g,
    s,
    "Transpose",
    [x, g.ints(`${s}/perm`, perm)],
    { ...T, Tperm: attr.int32 },
    perm.map((p) => x.shape[p] as number),
  );
}
function matmul(g: GraphBuilder, s: string, a: Sym, b: Sym, shape: readonly number[]): Sym {
  return op1(
    g,
    s,
    a.shape.length === 2 ? "MatMul" : "BatchMatMulV2",
    [a, b],
    {
      ...T,
      transpose_a: attr.bool(false),
      transpose_b: attr.bool(false),
      adj_x: attr.bool(false),
      adj_y: attr.bool(false),
    },
    shape,
  );
}

/** mmdet `delta2bbox` in graph ops: centre + wh·dxy ∓ wh·exp(clamp(dwh, ±maxRatio))/2 → xyxy (last axis 4). */
function deltaBoxes(
  g: GraphBuilder,
  s: string,
  centre0: Sym,
  wh: Sym,
  dxy: Sym,
  dwh: Sym,
  maxRatio: number,
): Sym {
  const centre = binary(g, `${s}/centre`, "AddV2", centre0, binary(g, `${s}/centre`, "Mul", wh, dxy));
  const grow = unary(g, `${s}/half`, "Exp", clip(g, `${s}/dwh`, dwh, -maxRatio, maxRatio));
  const half = binary(
    g,
    `${s}/half`,
    "Mul",
    binary(g, `${s}/half`, "Mul", wh, grow),
    floats(g, `${s}/one_half`, [0.5], []),
  );
  const lo = binary(g, `${s}/x1y1`, "Sub", centre, half);
  return concat(g, `${s}/xyxy`, [lo, binary(g, `${s}/x2y2`, "AddV2", centre, half)], -1);
}

/** Boxes xyxy clamped to [0, W] × [0, H] (`input` = [H, W]). */
function clipBoxes(g: GraphBuilder, s: string, xyxy: Sym, input: readonly [number, number]): Sym {
  const [H, W] = input;
  const lo = binary(g, `${s}/clip`, "Maximum", xyxy, floats(g, `${s}/zero`, [0], []));
  return binary(g, `${s}/clip`, "Minimum", lo, floats(g, `${s}/hi`, [W, H, W, H], [4]));
}

/** RPN proposal settings of the graph (the head's test settings). */
export interface ProposalGraphOptions {
  preNms: number;
  postNms: number;
  iouThreshold: number;
  anchors: AnchorBoxOptions;
}

/**
 * Proposals of image 0 (batch 1), as `rpnProposals`: per level the `preNms` highest logits (TopKV2, sorted), their
 * deltas decoded against the level's anchors (stds 1, |dw|, |dh| ≤ |log(16/1000)|, clipped to [0, W] × [0, H]),
 * ranked by logit; boxes with width or height ≤ 0 get −1e30 and fall below the NMS score threshold; NMS per level
 * (mmcv `batched_nms`: each level's boxes shifted by level·(max(H, W) + 1) so levels never overlap), IoU 0.7, the
 * best `postNms` kept (NonMaxSuppressionV5, an async op: run the model with `executeAsync`). Returns `[P, 4]`.
 */
export function proposalsGraph(
  g: GraphBuilder,
  cls: readonly Sym[],
  box: readonly Sym[],
  strides: readonly number[],
  input: readonly [number, number],
  opts: ProposalGraphOptions,
): Sym {
  const [H, W] = input;
  const maxRatio = Math.abs(Math.log(16 / 1000));
  const boxes: Sym[] = [];
  const shifted: Sym[] = [];
  const scores: Sym[] = [];
  cls.forEach((c, l) => {
    const s = `rpn_proposals/${l}`;
    const [h, w, A] = [c.shape[1] as number, c.shape[2] as number, c.shape[3] as number];
    const n = h * w * A;
    const k = Math.min(opts.preNms, n);
    const logits = reshape(g, s, c, [n]);
    const [top, idx] = g.op(
      `${s}/TopKV2`,
      "TopKV2",
      [logits, g.ints(`${s}/k`, [k], [])],
      { ...T, sorted: attr.bool(true) },
      [[k], [k]],
    ) as [Sym, Sym];
    const { boxes: anchors } = makeAnchorBoxes([[h, w]], [strides[l] as number], opts.anchors);
    const ctr = new Float32Array(2 * n);
    const wh = new Float32Array(2 * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < 2; j++) {
        const p1 = anchors[4 * i + j] as number;
        const p2 = anchors[4 * i + 2 + j] as number;
        wh[2 * i + j] = p2 - p1;
        ctr[2 * i + j] = (p1 + p2) / 2;
      }
    const d = gather(g, `${s}/deltas`, reshape(g, `${s}/deltas`, box[l] as Sym, [n, 4]), idx, k);
    const awh = gather(g, `${s}/anchor_wh`, floats(g, `${s}/anchor_wh`, wh, [n, 2]), idx, k);
    const actr = gather(g, `${s}/anchor_ctr`, floats(g, `${s}/anchor_ctr`, ctr, [n, 2]), idx, k);
    const [dxy, dwh] = split(g, `${s}/d`, d, 2, -1) as [Sym, Sym];
    const xyxy = clipBoxes(g, s, deltaBoxes(g, s, actr, awh, dxy, dwh, maxRatio), [H, W]);
    const [p1, p2] = split(g, `${s}/size`, xyxy, 2, -1) as [Sym, Sym];
    const size = binary(g, `${s}/size`, "Sub", p2, p1);
    const valid = reduce(
      g,
      `${s}/valid`,
      "Mean",
      compare(g, `${s}/valid`, "Greater", size, floats(g, `${s}/zero_size`, [0], []), [k, 2]),
      [1],
      false,
    );
    const ok = compare(g, `${s}/ok`, "GreaterEqual", valid, floats(g, `${s}/one`, [1], []), [k]);
    // NMS ranks by logit (as rpnProposals: σ would tie saturated scores); invalid boxes get −1e30, below the threshold
    const score = binary(
      g,
      `${s}/score`,
      "AddV2",
      binary(g, `${s}/score`, "Mul", top, ok),
      binary(
        g,
        `${s}/score`,
        "Mul",
        binary(g, `${s}/score`, "Sub", ok, floats(g, `${s}/one_`, [1], [])),
        floats(g, `${s}/big`, [1e30], []),
      ),
    );
    boxes.push(xyxy);
    shifted.push(
      l === 0
        ? xyxy
        : binary(g, `${s}/shift`, "AddV2", xyxy, floats(g, `${s}/offset`, [l * (Math.max(H, W) + 1)], [])),
    );
    scores.push(score);
  });
  const all = concat(g, "rpn_proposals/boxes", boxes, 0);
  const [sel] = g.op(
    "rpn_proposals/NonMaxSuppressionV5",
    "NonMaxSuppressionV5",
    [
      concat(g, "rpn_proposals/shifted", shifted, 0),
      concat(g, "rpn_proposals/scores", scores, 0),
      g.ints("rpn_proposals/max_output", [opts.postNms], []),
      floats(g, "rpn_proposals/iou", [opts.iouThreshold], []),
      floats(g, "rpn_proposals/score_threshold", [-1e29], []),
      floats(g, "rpn_proposals/soft_nms_sigma", [0], []),
    ],
    { ...T, pad_to_max_output_size: attr.bool(false) },
    [[-1], [-1], []],
  ) as [Sym];
  return gather(g, "rpn_proposals/select", all, sel, -1);
}

/**
 * Multi-level RoIAlign of `rois` `[P, 4]` (image 0), as `poolRois` + `roiAlign` (mmcv `RoIAlign`, aligned, mode avg,
 * adaptive sampling ratio 0): level = clamp(⌊log2(√(w·h)/56 + 1e−6)⌋, 0, L − 1). Bilinear interpolation is
 * separable, and so is the average over a bin's grid_h × grid_w points, so per level and RoI
 *   out[i, j, c] = Σ_y Σ_x Ay[i, y] · Ax[j, x] · F[y, x, c],
 *   Ay[i, y] = (1/grid_h) Σ_{s < grid_h} [−1 ≤ y_s ≤ H] · max(0, 1 − |clamp(y_s, 0, H − 1) − y|),
 *   y_s = y0 + i·bin_h + (s + ½)·bin_h/grid_h,  grid_h = ⌈roi_h / 7⌉  (the same for x),
 * where clamping the sample to the map reproduces mmcv's border rules (y ≤ 0 → row 0, y ≥ H − 1 → the last row).
 * grid_h varies per RoI, so the sum runs to the level's largest possible grid, ⌈H / 7⌉, with a mask. Two matrix
 * products per level ([P·7, H] × [H, W·C], then per RoI [7, W] × [W, 7·C]); RoIs of other levels get Ay = 0.
 * Returns `[P, s, s, C]`.
 */
export function roiAlignGraph(
  g: GraphBuilder,
  features: readonly Sym[],
  strides: readonly number[],
  rois: Sym,
  opts: { outputSize: number; finestScale: number },
): Sym {
  const S = opts.outputSize;
  const C = features[0]?.shape[3] as number;
  const L = features.length;
  const [x1, y1, x2, y2] = split(g, "roi_align/roi", rois, 4, -1) as [Sym, Sym, Sym, Sym]; // [P, 1] each
  const area = binary(
    g,
    "roi_align/area",
    "Mul",
    binary(g, "roi_align/w", "Sub", x2, x1),
    binary(g, "roi_align/h", "Sub", y2, y1),
  );
  const log2 = div(
    g,
    "roi_align/log2",
    unary(
      g,
      "roi_align/log",
      "Log",
      binary(
        g,
        "roi_align/scale",
        "AddV2",
        div(
          g,
          "roi_align/scale",
          unary(g, "roi_align/sqrt", "Sqrt", area),
          floats(g, "roi_align/finest", [opts.finestScale], []),
        ),
        floats(g, "roi_align/eps", [1e-6], []),
      ),
    ),
    floats(g, "roi_align/ln2", [Math.LN2], []),
  );
  const level = clip(g, "roi_align/level", unary(g, "roi_align/level", "Floor", log2), 0, L - 1); // [P, 1]
  let out: Sym | undefined;
  features.forEach((f, l) => {
    const s = `roi_align/l${l}`;
    const [H, W] = [f.shape[1] as number, f.shape[2] as number];
    const scale = 1 / (strides[l] as number);
    const on = compare(g, `${s}/on`, "Equal", level, floats(g, `${s}/lvl`, [l], []), [-1, 1]);
    /** Averaged bilinear weights of one axis: `[P, S, n]` for RoI sides (lo, hi) in input pixels on a map of n cells. */
    const axisWeights = (lo: Sym, hi: Sym, n: number, name: string): Sym => {
      const a = `${s}/${name}`;
      const half = floats(g, `${a}/half`, [0.5], []);
      const sc = floats(g, `${a}/scale`, [scale], []);
      const start = binary(g, `${a}/start`, "Sub", binary(g, `${a}/start`, "Mul", lo, sc), half); // [P,1]
      const len = binary(
        g,
        `${a}/len`,
        "Sub",
        binary(g, `${a}/end`, "Sub", binary(g, `${a}/end`, "Mul", hi, sc), half),
        start,
      );
      const bin = div(g, `${a}/bin`, len, floats(g, `${a}/S`, [S], []));
      const grid = unary(g, `${a}/grid`, "Ceil", bin); // ⌈len / S⌉, [P,1]
      const G = Math.max(1, Math.ceil((n + 1) / S));
      const bins = floats(
        g,
        `${a}/bins`,
        Array.from({ length: S }, (_, i) => i),
        [1, S, 1],
      );
      const subs = floats(
        g,
        `${a}/subs`,
        Array.from({ length: G }, (_, k) => k),
        [1, 1, G],
      );
      const grid3 = reshape(g, `${a}/grid3`, grid, [-1, 1, 1]);
      const bin3 = reshape(g, `${a}/bin3`, bin, [-1, 1, 1]);
      const start3 = reshape(g, `${a}/start3`, start, [-1, 1, 1]);
      // y_s = start + i·bin + (s + ½)·bin / grid   [P, S, G]
      const frac = div(g, `${a}/frac`, binary(g, `${a}/frac`, "AddV2", subs, half), grid3, [-1, 1, G]);
      const pos = binary(
        g,
        `${a}/pos`,
        "AddV2",
        start3,
        binary(g, `${a}/pos`, "Mul", bin3, binary(g, `${a}/pos`, "AddV2", bins, frac)),
      );
      const posShape = [-1, S, G];
      const inGrid = compare(g, `${a}/in_grid`, "Less", subs, grid3, [-1, 1, G]);
      const inMap = binary(
        g,
        `${a}/in_map`,
        "Mul",
        compare(g, `${a}/ge`, "GreaterEqual", pos, floats(g, `${a}/m1`, [-1], []), posShape),
        compare(g, `${a}/le`, "LessEqual", pos, floats(g, `${a}/n`, [n], []), posShape),
      );
      const mask = binary(g, `${a}/mask`, "Mul", inGrid, inMap); // [P,S,G]
      const p = reshape(g, `${a}/p4`, clip(g, `${a}/clamp`, pos, 0, n - 1), [-1, S, G, 1]);
      const cells = floats(
        g,
        `${a}/cells`,
        Array.from({ length: n }, (_, i) => i),
        [1, 1, 1, n],
      );
      const dist = unary(g, `${a}/tent`, "Abs", binary(g, `${a}/tent`, "Sub", p, cells));
      const tent = unary(
        g,
        `${a}/tent`,
        "Relu",
        binary(g, `${a}/tent`, "Sub", floats(g, `${a}/one`, [1], []), dist),
      );
      const weighted = binary(g, `${a}/weighted`, "Mul", tent, reshape(g, `${a}/mask4`, mask, [-1, S, G, 1]));
      const sum = reduce(g, `${a}/sum`, "Sum", weighted, [2], false); // [P,S,n]
      return div(
        g,
        `${a}/avg`,
        sum,
        binary(g, `${a}/div`, "Maximum", grid3, floats(g, `${a}/one_`, [1], [])),
        [-1, S, n],
      );
    };
    const ay = binary(
      g,
      `${s}/ay_on`,
      "Mul",
      axisWeights(y1, y2, H, "y"),
      reshape(g, `${s}/on3`, on, [-1, 1, 1]),
    );
    const ax = axisWeights(x1, x2, W, "x");
    // T[p·S + i, x·C + c] = Σ_y Ay[p, i, y] F[y, x, c]
    const t = matmul(
      g,
      `${s}/rows`,
      reshape(g, `${s}/ay2`, ay, [-1, H]),
      reshape(g, `${s}/f2`, f, [H, W * C]),
      [-1, W * C],
    );
    // out[p, j, i·C + c] = Σ_x Ax[p, j, x] T[p, x, i·C + c]
    const tx = reshape(
      g,
      `${s}/tx`,
      transposeGraph(g, `${s}/tx`, reshape(g, `${s}/t4`, t, [-1, S, W, C]), [0, 2, 1, 3]),
      [-1, W, S * C],
    );
    const cols = matmul(g, `${s}/cols`, ax, tx, [-1, S, S * C]);
    const pooled = transposeGraph(g, `${s}/out`, reshape(g, `${s}/out4`, cols, [-1, S, S, C]), [0, 2, 1, 3]);
    out = out ? binary(g, `${s}/acc`, "AddV2", out, pooled) : pooled;
  });
  return out as Sym;
}

/** A fully connected layer x·W + b (`W` `[in, out]`), optionally followed by ReLU. */
export function linearGraph(g: GraphBuilder, s: string, x: Sym, w: Sym, b: Sym, relu: boolean): Sym {
  const out = w.shape[1] as number;
  const y = op1(
    g,
    s,
    "BiasAdd",
    [matmul(g, s, x, w, [-1, out]), b],
    { ...T, data_format: attr.str("NHWC") },
    [-1, out],
  );
  return relu ? unary(g, s, "Relu", y) : y;
}

/**
 * R-CNN decoding, as `FasterRcnnHead.decode` for one image: softmax over C + 1 logits (background last, dropped),
 * per-class deltas `[P, 4C]` decoded against the proposals (mmdet `delta2bbox` with `coder`) and clipped to
 * [0, W] × [0, H]; dense rows (proposal, class): boxes `[1, P·C, 4]`, scores `[1, P·C, C]` holding the class's
 * probability at its own column.
 */
export function rcnnDenseGraph(
  g: GraphBuilder,
  proposals: Sym,
  logits: Sym,
  deltas: Sym,
  numClasses: number,
  input: readonly [number, number],
  coder: Required<Pick<DeltaCoderOptions, "means" | "stds">> & { whRatioClip?: number },
): { boxes: Sym; scores: Sym } {
  const C = numClasses;
  const s = "rcnn_decode";
  const probs = slice(g, `${s}/probs`, softmax(g, `${s}/probs`, logits), [0, 0], [-1, C]);
  const d = binary(
    g,
    `${s}/d`,
    "AddV2",
    binary(
      g,
      `${s}/d`,
      "Mul",
      reshape(g, `${s}/d3`, deltas, [-1, C, 4]),
      floats(g, `${s}/stds`, [...coder.stds], [4]),
    ),
    floats(g, `${s}/means`, [...coder.means], [4]),
  );
  const [dxy, dwh] = split(g, `${s}/d`, d, 2, -1) as [Sym, Sym];
  const maxRatio = Math.abs(Math.log(coder.whRatioClip ?? 16 / 1000));
  const [p1, p2] = split(g, `${s}/p`, reshape(g, `${s}/p3`, proposals, [-1, 1, 4]), 2, -1) as [Sym, Sym];
  const pwh = binary(g, `${s}/pwh`, "Sub", p2, p1);
  const half = floats(g, `${s}/half`, [0.5], []);
  const centre = binary(g, `${s}/centre`, "Mul", binary(g, `${s}/centre`, "AddV2", p1, p2), half);
  const boxes = clipBoxes(g, s, deltaBoxes(g, s, centre, pwh, dxy, dwh, maxRatio), input);
  const eye = new Float32Array(C * C);
  for (let c = 0; c < C; c++) eye[c * C + c] = 1;
  const scores = binary(
    g,
    `${s}/scores`,
    "Mul",
    reshape(g, `${s}/probs3`, probs, [-1, C, 1]),
    floats(g, `${s}/eye`, eye, [1, C, C]),
  );
  return {
    boxes: reshape(g, `${s}/boxes`, boxes, [1, -1, 4]),
    scores: reshape(g, `${s}/dense_scores`, scores, [1, -1, C]),
  };
}
