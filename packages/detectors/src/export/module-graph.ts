/**
 * How a module writes itself into an exported graph. Every module kind of kdet's detectors has an
 * `exportGraph` method beside its `forward` (the same computation in inference mode, as TensorFlow graph ops);
 * these functions call it, so the exporter walks the module tree and holds no per-module table. Three kinds:
 * feature map → feature map (layers, blocks), maps → maps (backbones, necks, per-level containers) and
 * pyramid → {@link HeadGraph} (detection heads).
 */
import type { Module } from "@kdet/core";
import type { DenseSyms } from "./dense-graph";
import type { ExportContext } from "./export-context";
import type { DecodeInfo } from "./export-meta";
import type { Sym } from "./graph-def";
import { resizeNearest } from "./graph-ops";

/** A feature-map module: writes `y = m(x)`. */
export interface MapGraphModule {
  exportGraph(x: Sym, ctx: ExportContext): Sym;
}

/** A backbone, neck or per-level container: writes its output maps from its input maps (`[image]` for a backbone). */
export interface PyramidGraphModule {
  exportGraph(xs: Sym[], ctx: ExportContext): Sym[];
}

/** What a head writes: raw per-level outputs (with what they hold), dense predictions and their decoding. */
export interface HeadGraph {
  cls: Sym[];
  box: Sym[];
  quality?: Sym[];
  /** What the raw `box` and `quality` maps hold (kdet.json). */
  boxMeaning: string;
  qualityMeaning?: string;
  dense: DenseSyms;
  /** Two-stage heads: the proposals `[P, 4]` of the dense rows (row p·C + c = proposal p, class c). */
  proposals?: Sym;
  decode: DecodeInfo;
}

/** A detection head: writes a {@link HeadGraph} from the pyramid maps. */
export interface HeadGraphModule {
  exportGraph(xs: Sym[], ctx: ExportContext): HeadGraph;
}

type AnyModule = Module<unknown, unknown>;

/** The nearest prototype of `m` that defines `key` itself. */
function owner(m: object, key: string): object | undefined {
  for (let p = Object.getPrototypeOf(m); p; p = Object.getPrototypeOf(p))
    if (Object.hasOwn(p, key)) return p as object;
  return undefined;
}

/**
 * `m` as a writer of `kind`. A module without `exportGraph` fails, and so does a subclass that overrides `forward`
 * but inherits `exportGraph` (the inherited graph would compute something else); errors name the path and class.
 */
function writer<T>(m: AnyModule | object, kind: string): T {
  const where = `exportGraphModel: module "${(m as Partial<AnyModule>).path || "<root>"}" of class ${m.constructor.name}`;
  const graph = owner(m, "exportGraph");
  if (!graph || typeof (m as { exportGraph?: unknown }).exportGraph !== "function")
    throw new Error(
      `${where} cannot be exported (${kind}: no exportGraph method; write one beside its forward)`,
    );
  const forward = owner(m, "forward");
  if (forward && forward !== graph && Object.prototype.isPrototypeOf.call(graph, forward))
    throw new Error(
      `${where} overrides forward but inherits exportGraph from ${graph.constructor.name} (${kind}); write its own exportGraph`,
    );
  return m as T;
}

/** `y = m(x)` for a feature-map module (throws naming the path and class of a module that cannot be exported). */
export function exportMap(m: AnyModule | object, x: Sym, ctx: ExportContext): Sym {
  return writer<MapGraphModule>(m, "feature map").exportGraph(x, ctx);
}

/** The output maps of a backbone, neck or per-level container (`xs` = [image] for a backbone). */
export function exportPyramid(m: AnyModule | object, xs: Sym[], ctx: ExportContext): Sym[] {
  return writer<PyramidGraphModule>(m, "backbone/neck").exportGraph(xs, ctx);
}

/** The graph outputs of a detection head for pyramid maps `xs`. */
export function exportHead(m: AnyModule | object, xs: Sym[], ctx: ExportContext): HeadGraph {
  return writer<HeadGraphModule>(m, "head").exportGraph(xs, ctx);
}

/** Each of `xs` through the same feature-map modules in order (a shared tower: its weights are stored once). */
export function sharedChain(
  xs: readonly Sym[],
  steps: readonly (AnyModule | object)[],
  ctx: ExportContext,
): Sym[] {
  return xs.map((x) => steps.reduce<Sym>((y, s) => exportMap(s, y, ctx), x));
}

/** Nearest upsampling of `x` to the spatial size of `like` (as `upsampleLike`: ×2 when sizes are exact multiples). */
export function resizeLike(ctx: ExportContext, scope: string, x: Sym, like: Sym): Sym {
  return resizeNearest(ctx.g, scope, x, like.shape[1] as number, like.shape[2] as number);
}

/** stem → (after the stem) → stages; the outputs of the stages from index `from` on (as `stagedForward`). */
export function stagedGraph(
  stem: AnyModule | object,
  stages: readonly (AnyModule | object)[],
  xs: Sym[],
  ctx: ExportContext,
  afterStem: (s: Sym) => Sym = (s) => s,
  from = 1,
): Sym[] {
  if (xs.length !== 1)
    throw new Error(`exportGraphModel: a backbone takes one image input, got ${xs.length}`);
  let y = afterStem(exportMap(stem, xs[0] as Sym, ctx));
  const outs: Sym[] = [];
  for (const [i, s] of stages.entries()) {
    y = exportMap(s, y, ctx);
    if (i >= from) outs.push(y);
  }
  return outs;
}
