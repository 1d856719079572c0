/**
 * Graph exporters of the backbones (image → [C3, C4, C5]) and necks (features → pyramid), an explicit
 * table keyed by class. Each writes the module's forward (see the class docs) with its children
 * exported by the feature-map table; nearest-neighbour upsampling targets the finer level's size, as
 * `upsampleLike` (a ×2 resize when the sizes are exact multiples).
 */
import { CspDarknet } from "../backbones/cspdarknet";
import { MobileNetV2 } from "../backbones/mobilenet-v2";
import { ResNet } from "../backbones/resnet";
import { YoloxDarknet } from "../backbones/yolox-darknet";
import { Fpn, type FpnExtraOptions } from "../necks/fpn";
import { Pafpn } from "../necks/pafpn";
import { YoloxPafpn } from "../necks/yolox-pafpn";
import { PerLevel } from "../nn/per-level";
import {
  childOf,
  childrenOf,
  scopeOf,
  unsupported,
  type AnyModule,
  type ExportContext,
  type ModuleClass,
} from "./export-context";
import type { Sym } from "./graph-def";
import { binary, concat, maxPool, padHw, resizeNearest, unary } from "./graph-ops";
import { exportMap } from "./map-exporters";

/** One entry of {@link PYRAMID_EXPORTERS}: a backbone/neck class and how it writes its outputs. */
export interface PyramidExporter {
  readonly cls: ModuleClass<AnyModule>;
  readonly run: (m: AnyModule, x: Sym[], ctx: ExportContext) => Sym[];
}

function entry<M extends AnyModule>(
  cls: ModuleClass<M>,
  run: (m: M, x: Sym[], ctx: ExportContext) => Sym[],
): PyramidExporter {
  return { cls, run: run as PyramidExporter["run"] };
}

/** Outputs of a backbone or neck (`xs` = [image] for a backbone). Throws naming an unsupported module's path and class. */
export function exportPyramid(m: AnyModule, xs: Sym[], ctx: ExportContext): Sym[] {
  const e = PYRAMID_EXPORTERS.find((k) => m.constructor === k.cls);
  if (!e)
    throw unsupported(
      m,
      "backbone/neck",
      PYRAMID_EXPORTERS.map((k) => k.cls),
    );
  return e.run(m, xs, ctx);
}

/** stem → (optional pooling) → stages c2…c5; returns the outputs of c3, c4, c5. */
function stagedBackbone(
  m: AnyModule,
  x: Sym,
  ctx: ExportContext,
  afterStem: (s: Sym) => Sym = (s) => s,
): Sym[] {
  let y = afterStem(exportMap(childOf(m, "stem"), x, ctx));
  const outs: Sym[] = [];
  for (const name of ["c2", "c3", "c4", "c5"]) {
    y = exportMap(childOf(m, name), y, ctx);
    if (name !== "c2") outs.push(y);
  }
  return outs;
}

/** Nearest upsampling of `x` to the spatial size of `like`. */
function upTo(ctx: ExportContext, scope: string, x: Sym, like: Sym): Sym {
  return resizeNearest(ctx.g, scope, x, like.shape[1] as number, like.shape[2] as number);
}

function single(xs: Sym[], m: AnyModule): Sym {
  if (xs.length !== 1)
    throw new Error(`exportGraphModel: backbone "${m.path}" takes one image input, got ${xs.length}`);
  return xs[0] as Sym;
}

/** Every backbone, neck and per-level container of kdet's registered detectors (explicit typed table). */
export const PYRAMID_EXPORTERS: readonly PyramidExporter[] = [
  entry(CspDarknet, (m, xs, ctx) => stagedBackbone(m, single(xs, m), ctx)),
  entry(MobileNetV2, (m, xs, ctx) => stagedBackbone(m, single(xs, m), ctx)),
  // torchvision max-pool 3×3 s2 p1 as zero pad + VALID pool (the input is ReLU output ≥ 0, as in ResNet's forward)
  entry(ResNet, (m, xs, ctx) =>
    stagedBackbone(m, single(xs, m), ctx, (s) =>
      maxPool(ctx.g, scopeOf(m), padHw(ctx.g, scopeOf(m), s, 1), 3, 2, "VALID"),
    ),
  ),
  entry(PerLevel, (m, xs, ctx) => {
    const kids = childrenOf(m);
    if (kids.length !== xs.length)
      throw new Error(
        `exportGraphModel: PerLevel "${m.path}" has ${kids.length} levels, got ${xs.length} inputs`,
      );
    return kids.map(([, c], i) => exportMap(c, xs[i] as Sym, ctx));
  }),
  entry(Pafpn, (m, xs, ctx) => {
    const [c3, c4, c5] = xs as [Sym, Sym, Sym];
    const s = scopeOf(m);
    const run = (name: string, x: Sym): Sym => exportMap(childOf(m, name), x, ctx);
    const td4 = run("td4", concat(ctx.g, `${s}/td4`, [upTo(ctx, `${s}/up5`, c5, c4), c4], 3));
    const p3 = run("p3", concat(ctx.g, `${s}/p3`, [upTo(ctx, `${s}/up4`, td4, c3), c3], 3));
    const p4 = run("p4", concat(ctx.g, `${s}/p4`, [run("down3", p3), td4], 3));
    const p5 = run("p5", concat(ctx.g, `${s}/p5`, [run("down4", p4), c5], 3));
    return [p3, p4, p5];
  }),
  entry(YoloxDarknet, (m, xs, ctx) => stagedBackbone(m, single(xs, m), ctx)),
  entry(YoloxPafpn, (m, xs, ctx) => {
    const [c3, c4, c5] = xs as [Sym, Sym, Sym];
    const s = scopeOf(m);
    const run = (name: string, x: Sym): Sym => exportMap(childOf(m, name), x, ctx);
    const l5 = run("lateral", c5);
    const r4 = run("reduce", run("td4", concat(ctx.g, `${s}/td4`, [upTo(ctx, `${s}/up5`, l5, c4), c4], 3)));
    const p3 = run("p3", concat(ctx.g, `${s}/p3`, [upTo(ctx, `${s}/up4`, r4, c3), c3], 3));
    const p4 = run("p4", concat(ctx.g, `${s}/p4`, [run("down3", p3), r4], 3));
    const p5 = run("p5", concat(ctx.g, `${s}/p5`, [run("down4", p4), l5], 3));
    return [p3, p4, p5];
  }),
  entry(Fpn, (m, xs, ctx) => {
    const s = scopeOf(m);
    const lat = xs.map((x, i) => exportMap(childOf(m, `lat${3 + i}`), x, ctx));
    for (let i = lat.length - 1; i > 0; i--)
      lat[i - 1] = binary(
        ctx.g,
        `${s}/td${2 + i}`,
        "AddV2",
        lat[i - 1] as Sym,
        upTo(ctx, `${s}/up${3 + i}`, lat[i] as Sym, lat[i - 1] as Sym),
      );
    const outs = lat.map((l, i) => exportMap(childOf(m, `p${3 + i}`), l, ctx));
    // extra levels: mmdet add_extra_convs (source p5 or c5) and relu_before_extra_convs; options default as in Fpn
    const opts = (m as unknown as { extraOpts?: FpnExtraOptions }).extraOpts ?? {};
    const extra = m.levels.slice(xs.length);
    extra.forEach((l, i) => {
      const src =
        i === 0 && opts.extraFrom === "input" ? (xs[xs.length - 1] as Sym) : (outs[outs.length - 1] as Sym);
      outs.push(
        exportMap(
          childOf(m, l.name),
          i > 0 && opts.reluBeforeExtra ? unary(ctx.g, `${s}/${l.name}`, "Relu", src) : src,
          ctx,
        ),
      );
    });
    return outs;
  }),
];
