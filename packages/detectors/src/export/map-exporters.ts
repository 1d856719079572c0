/**
 * Graph exporters of the feature-map → feature-map modules (layers and blocks), an explicit table
 * keyed by class (exact class match: a subclass may compute something else). Each entry writes the
 * module's inference-mode forward as graph ops; BatchNorm after a convolution is folded into it:
 *   W'[…, o] = W[…, o]·s_o,  b'_o = (b_o − μ_o)·s_o + β_o,  s_o = γ_o / √(σ²_o + eps)
 * (running statistics; Ioffe & Szegedy 2015, the folding of ultralytics `fuse_conv_and_bn`).
 */
import { BasicBlock, ResBottleneck } from "../blocks/resnet-blocks";
import { Bottleneck } from "../blocks/bottleneck";
import { C2f } from "../blocks/c2f";
import { DepthwiseSeparable } from "../blocks/depthwise-separable";
import { InvertedResidual } from "../blocks/inverted-residual";
import { Sppf } from "../blocks/sppf";
import { CspBottleneck, CspLayer, Focus } from "../blocks/yolox-blocks";
import { HeadConv, Scale } from "../heads/tower";
import { BatchNorm } from "../nn/batch-norm";
import { Conv2d } from "../nn/conv2d";
import { ConvBnAct } from "../nn/conv-bn-act";
import { GroupNorm } from "../nn/group-norm";
import { Sequential } from "../nn/sequential";
import {
  childOf,
  childrenOf,
  scopeOf,
  unsupported,
  values,
  type AnyModule,
  type ExportContext,
  type ModuleClass,
} from "./export-context";
import type { Sym } from "./graph-def";
import {
  activation,
  binary,
  concat,
  conv2d,
  floats,
  maxPool,
  reduce,
  reshape,
  slice,
  split,
  unary,
} from "./graph-ops";

/** One entry of {@link MAP_EXPORTERS}: a module class and how it writes `y = m(x)`. */
export interface MapExporter {
  readonly cls: ModuleClass<AnyModule>;
  readonly run: (m: AnyModule, x: Sym, ctx: ExportContext) => Sym;
}

function entry<M extends AnyModule>(
  cls: ModuleClass<M>,
  run: (m: M, x: Sym, ctx: ExportContext) => Sym,
): MapExporter {
  return { cls, run: run as MapExporter["run"] };
}

/** BN scale s = γ/√(σ²+eps) and shift β − μ·s (float64, stored float32). */
function bnAffine(bn: BatchNorm): { scale: Float64Array; shift: Float64Array } {
  const [g, b, mu, v] = [bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map(values) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const scale = new Float64Array(g.length);
  const shift = new Float64Array(g.length);
  for (let c = 0; c < g.length; c++) {
    scale[c] = (g[c] as number) / Math.sqrt((v[c] as number) + bn.eps);
    shift[c] = (b[c] as number) - (mu[c] as number) * (scale[c] as number);
  }
  return { scale, shift };
}

/** conv (+ bias) with an optional BatchNorm folded in; filter HWIO, output channel = flat index mod out channels. */
function convWithBn(conv: Conv2d, x: Sym, ctx: ExportContext, bn?: BatchNorm): Sym {
  const out = conv.depthwise ? conv.inChannels : conv.outChannels;
  const w = ctx.constOf(conv, bn ? "folded_weight" : "weight", () => {
    const data = values(conv.weight);
    if (bn) {
      const { scale } = bnAffine(bn);
      for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * (scale[i % out] as number);
    }
    return { data, shape: conv.weight.shape };
  });
  const hasBias = bn !== undefined || conv.bias !== undefined;
  const bias = hasBias
    ? ctx.constOf(conv, bn ? "folded_bias" : "bias", () => {
        const b = conv.bias ? values(conv.bias) : new Float32Array(out);
        if (!bn) return { data: b, shape: [out] };
        const { scale, shift } = bnAffine(bn);
        return {
          data: Float32Array.from(b, (v, c) => v * (scale[c] as number) + (shift[c] as number)),
          shape: [out],
        };
      })
    : undefined;
  return conv2d(ctx.g, scopeOf(conv), x, w, {
    stride: conv.stride,
    padding: conv.padding,
    depthwise: conv.depthwise,
    bias,
  });
}

/** y = m(x) for a module of the map table (throws naming the path and class of an unsupported module). */
export function exportMap(m: AnyModule, x: Sym, ctx: ExportContext): Sym {
  const e = MAP_EXPORTERS.find((k) => m.constructor === k.cls);
  if (!e)
    throw unsupported(
      m,
      "feature-map",
      MAP_EXPORTERS.map((k) => k.cls),
    );
  return e.run(m, x, ctx);
}

/**
 * Every feature-map module kdet's registered detectors are built from (explicit typed table). Formulas
 * are the modules' own (see each class); the graph reproduces their inference-mode forward.
 */
export const MAP_EXPORTERS: readonly MapExporter[] = [
  entry(Conv2d, (m, x, ctx) => convWithBn(m, x, ctx)),
  // inference-mode BN alone: y = x·s + (β − μ·s)
  entry(BatchNorm, (m, x, ctx) => {
    const s = ctx.constOf(m, "scale", () => ({
      data: Float32Array.from(bnAffine(m).scale),
      shape: [m.channels],
    }));
    const t = ctx.constOf(m, "shift", () => ({
      data: Float32Array.from(bnAffine(m).shift),
      shape: [m.channels],
    }));
    return binary(ctx.g, scopeOf(m), "AddV2", binary(ctx.g, scopeOf(m), "Mul", x, s), t);
  }),
  entry(ConvBnAct, (m, x, ctx) => activation(ctx.g, scopeOf(m), convWithBn(m.conv, x, ctx, m.bn), m.act)),
  entry(Sequential, (m, x, ctx) => childrenOf(m).reduce((y, [, c]) => exportMap(c, y, ctx), x)),
  entry(Bottleneck, (m, x, ctx) => {
    const y = exportMap(childOf(m, "cv2"), exportMap(childOf(m, "cv1"), x, ctx), ctx);
    return m.add ? binary(ctx.g, scopeOf(m), "AddV2", x, y) : y;
  }),
  entry(C2f, (m, x, ctx) => {
    const ys = split(ctx.g, scopeOf(m), exportMap(childOf(m, "cv1"), x, ctx), 2, 3);
    for (const [name, b] of childrenOf(m))
      if (/^m\d+$/.test(name)) ys.push(exportMap(b, ys[ys.length - 1] as Sym, ctx));
    return exportMap(childOf(m, "cv2"), concat(ctx.g, scopeOf(m), ys, 3), ctx);
  }),
  entry(Sppf, (m, x, ctx) => {
    const ys = [exportMap(childOf(m, "cv1"), x, ctx)];
    for (let i = 0; i < 3; i++) ys.push(maxPool(ctx.g, scopeOf(m), ys[i] as Sym, m.k, 1, "SAME"));
    return exportMap(childOf(m, "cv2"), concat(ctx.g, scopeOf(m), ys, 3), ctx);
  }),
  entry(BasicBlock, (m, x, ctx) => residualRelu(m, ["conv1", "conv2"], x, ctx)),
  entry(ResBottleneck, (m, x, ctx) => residualRelu(m, ["conv1", "conv2", "conv3"], x, ctx)),
  entry(DepthwiseSeparable, (m, x, ctx) =>
    exportMap(childOf(m, "pw"), exportMap(childOf(m, "dw"), x, ctx), ctx),
  ),
  entry(InvertedResidual, (m, x, ctx) => {
    const y = exportMap(childOf(m, "conv"), x, ctx);
    return m.residual ? binary(ctx.g, scopeOf(m), "AddV2", x, y) : y;
  }),
  entry(CspBottleneck, (m, x, ctx) => {
    const y = exportMap(childOf(m, "conv2"), exportMap(childOf(m, "conv1"), x, ctx), ctx);
    return privateFlag(m, "shortcut") ? binary(ctx.g, scopeOf(m), "AddV2", x, y) : y;
  }),
  entry(CspLayer, (m, x, ctx) => {
    const a = exportMap(childOf(m, "m"), exportMap(childOf(m, "conv1"), x, ctx), ctx);
    return exportMap(
      childOf(m, "conv3"),
      concat(ctx.g, scopeOf(m), [a, exportMap(childOf(m, "conv2"), x, ctx)], 3),
      ctx,
    );
  }),
  entry(Focus, (m, x, ctx) => exportMap(childOf(m, "conv"), spaceToDepth(ctx, scopeOf(m), x), ctx)),
  entry(GroupNorm, (m, x, ctx) => groupNorm(m, x, ctx)),
  entry(HeadConv, (m, x, ctx) => {
    const kids = new Map(childrenOf(m));
    const y = exportMap(childOf(m, "conv"), x, ctx);
    const gn = kids.get("gn");
    return unary(ctx.g, scopeOf(m), "Relu", gn ? exportMap(gn, y, ctx) : y);
  }),
  entry(Scale, (m, x, ctx) =>
    binary(
      ctx.g,
      scopeOf(m),
      "Mul",
      x,
      ctx.constOf(m, "scale", () => ({ data: values(m.scale), shape: [] })),
    ),
  ),
];

/** ResNet blocks: relu(convs(x) + (downsample(x) or x)). */
function residualRelu(m: AnyModule, convs: readonly string[], x: Sym, ctx: ExportContext): Sym {
  const y = convs.reduce((h, n) => exportMap(childOf(m, n), h, ctx), x);
  const ds = childrenOf(m).find(([n]) => n === "downsample")?.[1];
  return unary(
    ctx.g,
    scopeOf(m),
    "Relu",
    binary(ctx.g, scopeOf(m), "AddV2", y, ds ? exportMap(ds, x, ctx) : x),
  );
}

/**
 * GroupNorm as {@link GroupNorm}'s forward: g = reshape(x, [N, H·W, G, C/G]), μ = mean(g) and
 * σ² = mean((g − μ)²) over axes 1, 3, x̂ = (g − μ)·rsqrt(σ² + eps) reshaped back, y = γ·x̂ + β.
 */
function groupNorm(m: GroupNorm, x: Sym, ctx: ExportContext): Sym {
  const { g } = ctx;
  const s = scopeOf(m);
  const [, h, w, c] = x.shape as [number, number, number, number];
  const grouped = reshape(g, s, x, [-1, h * w, m.groups, c / m.groups]);
  const mean = reduce(g, s, "Mean", grouped, [1, 3], true);
  const centred = binary(g, s, "Sub", grouped, mean);
  const variance = reduce(g, s, "Mean", unary(g, s, "Square", centred), [1, 3], true);
  const inv = unary(g, s, "Rsqrt", binary(g, s, "AddV2", variance, floats(g, `${s}/eps`, [m.eps], [])));
  const xhat = reshape(g, s, binary(g, s, "Mul", centred, inv), [-1, h, w, c]);
  const gamma = ctx.constOf(m, "gamma", () => ({ data: values(m.gamma), shape: [c] }));
  const beta = ctx.constOf(m, "beta", () => ({ data: values(m.beta), shape: [c] }));
  return binary(g, s, "AddV2", binary(g, s, "Mul", xhat, gamma), beta);
}

/** A boolean field the module keeps private (read for the export; a missing field is an error, not a default). */
function privateFlag(m: AnyModule, field: string): boolean {
  const v = (m as unknown as Record<string, unknown>)[field];
  if (typeof v !== "boolean")
    throw new Error(
      `exportGraphModel: module "${m.path}" (${m.constructor.name}) has no boolean "${field}" (got ${typeof v}); the exporter needs updating`,
    );
  return v;
}

/**
 * YOLOX `Focus` space-to-depth as {@link focusSpaceToDepth}: x5 = reshape(x, [N, H/2, 2, W/2, 2C]),
 * phase(dy, dx) = x5[:, :, dy, :, dx·C:(dx+1)·C], out = concat of phases (0,0), (1,0), (0,1), (1,1) on channels.
 */
function spaceToDepth(ctx: ExportContext, s: string, x: Sym): Sym {
  const [, h, w, c] = x.shape as [number, number, number, number];
  if (h % 2 !== 0 || w % 2 !== 0)
    throw new Error(`exportGraphModel: Focus "${s}" needs even input height and width, got ${h}×${w}`);
  const x5 = reshape(ctx.g, s, x, [-1, h / 2, 2, w / 2, 2 * c]);
  const phase = (dy: number, dx: number): Sym =>
    reshape(ctx.g, s, slice(ctx.g, s, x5, [0, 0, dy, 0, dx * c], [-1, h / 2, 1, w / 2, c]), [
      -1,
      h / 2,
      w / 2,
      c,
    ]);
  return concat(ctx.g, s, [phase(0, 0), phase(1, 0), phase(0, 1), phase(1, 1)], 3);
}
