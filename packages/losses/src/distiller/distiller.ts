/**
 * The distiller: a weighted composition of distillation terms over two records of named feature
 * maps (student and teacher), with per-level expansion, optional trainable adapters, and clear
 * errors for unknown names and mismatched shapes. Mirrors mmrazor's `ConfigurableDistiller`
 * (recorders → named features, connectors → adapters, loss forward mapping → terms).
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { expandNames, lookupFeature } from "./distiller-names";
import { alignSpatial } from "./feature-align";
import type { LossEntry } from "../loss-entry";
import { LOSS_IDS, type LossConfig } from "../loss-meta";
import { lossEntryOf } from "../registry";
import { DistillTermConfig, type DistillTermConfigInput } from "./term-config";
import type { DistillLoss, LossContext, LossResult } from "../types";

/** Options of {@link Distiller.create}. */
export interface DistillerOptions {
  /** Base seed of the adapters' initial weights. Default 0. */
  seed?: number;
}

/** One loss instance of an expanded term. */
interface Instance {
  key: string;
  weight: number;
  entry: LossEntry<z.ZodType, DistillLoss>;
  config: LossConfig;
  loss: DistillLoss;
  multi: boolean;
  students: string[];
  teachers: string[];
  adapters: ConvAdapter[];
  ctxFrom: Array<{ key: string; side: CtxSide; names: string[] }>;
  /** Resize teacher maps to the student's spatial size. */
  align: boolean;
  level?: { index: number; count: number };
}

/** Where a `ctxFrom` entry reads: a feature record or the caller's dense targets (`ctx.targets`). */
type CtxSide = "student" | "teacher" | "targets";

const shapeStr = (t: tf.Tensor) => `[${t.shape.join(",")}]`;

/** A composition of distillation terms; owns every loss instance and adapter. */
export class Distiller {
  private constructor(private readonly instances: Instance[]) {}

  /** Validates the terms (zod) and builds one loss instance per term and level. */
  static create(terms: DistillTermConfigInput[], opts: DistillerOptions = {}): Distiller {
    terms.forEach((t, i) => {
      for (const l of Array.isArray(t?.loss) ? t.loss : [t?.loss]) {
        const type = (l as { type?: unknown } | undefined)?.type;
        if (!LOSS_IDS.includes(type as never))
          throw new Error(
            `Distiller.create: terms[${i}].loss.type '${String(type)}' is not a loss; known: ${LOSS_IDS.join(", ")}`,
          );
      }
    });
    const parsed = z.array(DistillTermConfig).min(1).safeParse(terms);
    if (!parsed.success)
      throw new Error(`Distiller.create: invalid terms:\n${z.prettifyError(parsed.error)}`);
    const instances: Instance[] = [];
    try {
      parsed.data.forEach((term, ti) => instances.push(...expandTerm(term, (opts.seed ?? 0) + 1000 * ti)));
      const seen = new Set<string>();
      for (const { key } of instances) {
        if (seen.has(key))
          throw new Error(
            `Distiller.create: two terms produce the part '${key}'; give them distinct 'name's`,
          );
        seen.add(key);
      }
    } catch (e) {
      for (const inst of instances) disposeInstance(inst);
      throw e;
    }
    return new Distiller(instances);
  }

  /** Part names in order (one per term and level). */
  get partNames(): string[] {
    return this.instances.map((i) => i.key);
  }

  /**
   * Feature names the distiller reads from each record (terms and `ctxFrom`), e.g. the taps to request, and the
   * dense targets it reads from `ctx.targets`.
   */
  get requiredFeatures(): { student: string[]; teacher: string[]; targets: string[] } {
    const sets = { student: new Set<string>(), teacher: new Set<string>(), targets: new Set<string>() };
    for (const i of this.instances) {
      i.students.forEach((n) => sets.student.add(n));
      i.teachers.forEach((n) => sets.teacher.add(n));
      for (const c of i.ctxFrom) c.names.forEach((n) => sets[c.side].add(n));
    }
    return { student: [...sets.student], teacher: [...sets.teacher], targets: [...sets.targets] };
  }

  /** Every trainable variable: adapters and loss-owned modules (hand them to the optimizer). */
  get variables(): tf.Variable[] {
    return this.instances.flatMap((i) => [...i.adapters.flatMap((a) => a.variables), ...i.loss.variables]);
  }

  /**
   * Computes `total = Σ_terms,levels weight · loss` and `parts`: `<name>/<label>` (weighted) per
   * instance, plus `<name>/<label>/<part>` (weighted) for losses reporting several parts. The
   * loss gets `ctx` plus `level`/`levels` (per-level instances) and its `ctxFrom` tensors.
   */
  compute(
    student: Record<string, tf.Tensor>,
    teacher: Record<string, tf.Tensor>,
    ctx: LossContext = {},
  ): LossResult {
    const records = { student, teacher, targets: (ctx.targets ?? {}) as Record<string, tf.Tensor> };
    return tf.tidy(() => {
      const parts: Record<string, tf.Scalar> = {};
      for (const inst of this.instances) {
        const ss = inst.students.map((n) => lookupFeature(student, n, "student", inst.key));
        const ts = inst.teachers.map((n, i) =>
          alignTo(inst, lookupFeature(teacher, n, "teacher", inst.key), ss[i]!),
        );
        ss.forEach((s, i) => checkShapes(inst, i, s, ts[i]!));
        const sa = ss.map((s, i) => (inst.adapters[i] ? inst.adapters[i]!.apply(s as tf.Tensor4D) : s));
        const lctx: LossContext = {
          ...ctx,
          ...(inst.level ? { level: inst.level.index, levels: inst.level.count } : {}),
        };
        for (const { key, side, names } of inst.ctxFrom) {
          const vals = names.map((n, i) => {
            const v = lookupFeature(records[side], n, side, inst.key);
            return side === "teacher" ? alignTo(inst, v, ss[inst.multi ? i : 0]!) : v;
          });
          lctx[key] = inst.multi ? vals : vals[0];
        }
        const r = inst.loss.compute(inst.multi ? sa : sa[0]!, inst.multi ? ts : ts[0]!, lctx);
        parts[inst.key] = tf.mul(r.total, inst.weight);
        const sub = Object.entries(r.parts);
        if (sub.length > 1) for (const [k, v] of sub) parts[`${inst.key}/${k}`] = tf.mul(v, inst.weight);
      }
      const total = tf.addN(this.instances.map((i) => parts[i.key]!)) as tf.Scalar;
      return { total, parts };
    });
  }

  /** Frees every adapter and loss-owned variable. */
  dispose(): void {
    for (const inst of this.instances) disposeInstance(inst);
  }
}

function disposeInstance(inst: Instance): void {
  for (const a of inst.adapters) a.dispose();
  inst.loss.dispose();
}

/** Expands one parsed term into its loss instances. */
function expandTerm(term: DistillTermConfig, seed: number): Instance[] {
  const configs = Array.isArray(term.loss) ? term.loss : [term.loss];
  const type = configs[0]!.type;
  const name = term.name ?? type;
  if (configs.some((c) => c.type !== type))
    throw new Error(`Distiller.create: term '${name}': per-level loss configs must share one type`);
  const s = expandNames(term.student, term.levels);
  const t = expandNames(term.teacher, term.levels);
  if (s.names.length !== t.names.length) {
    throw new Error(
      `Distiller.create: term '${name}': student '${term.student}' expands to ${s.names.length} names but teacher '${term.teacher}' to ${t.names.length}`,
    );
  }
  const count = s.names.length;
  const ctxFrom = Object.entries(term.ctxFrom ?? {}).map(([key, ref]) => {
    const side = ref.slice(0, ref.indexOf(":")) as CtxSide;
    const pattern = ref.slice(side.length + 1);
    const names = expandNames(pattern, pattern.includes("{level}") ? term.levels : undefined).names;
    if (names.length !== 1 && names.length !== count)
      throw new Error(
        `Distiller.create: term '${name}': ctxFrom.${key} expands to ${names.length} names, expected 1 or ${count}`,
      );
    return { key, side, names: names.length === count ? names : Array<string>(count).fill(names[0]!) };
  });
  const entry = lossEntryOf(type);
  if (configs.length > 1 && (entry.multiLevel || configs.length !== count)) {
    throw new Error(
      `Distiller.create: term '${name}': ${configs.length} loss configs for ${entry.multiLevel ? "a multi-level loss (give one)" : `${count} levels`}`,
    );
  }
  const configAt = (i: number) => configs[configs.length === 1 ? 0 : i]!;
  const adapterCfgs =
    term.adapter === undefined ? [] : Array.isArray(term.adapter) ? term.adapter : [term.adapter];
  if (adapterCfgs.length > 1 && adapterCfgs.length !== count)
    throw new Error(`Distiller.create: term '${name}': ${adapterCfgs.length} adapters for ${count} levels`);
  const adapter = (i: number) => {
    const a = adapterCfgs[adapterCfgs.length === 1 ? 0 : i];
    return a ? [new ConvAdapter({ ...a, seed: seed + 10 * i, name: `distill_${name}_${i}_${seed}` })] : [];
  };
  const base = { weight: term.weight ?? entry.defaultWeight, entry, align: term.align === "resize" };
  if (entry.multiLevel) {
    return [
      {
        ...base,
        key: name,
        multi: true,
        config: configAt(0),
        loss: entry.create(configAt(0)),
        students: s.names,
        teachers: t.names,
        adapters: s.names.flatMap((_, i) => adapter(i)),
        ctxFrom,
      },
    ];
  }
  const out: Instance[] = [];
  try {
    s.names.forEach((sn, i) =>
      out.push({
        ...base,
        key: s.labels ? `${name}/${s.labels[i]}` : name,
        multi: false,
        config: configAt(i),
        adapters: adapter(i),
        loss: entry.create(configAt(i)),
        students: [sn],
        teachers: [t.names[i]!],
        ctxFrom: ctxFrom.map((c) => ({ ...c, names: [c.names[i]!] })),
        ...(s.labels ? { level: { index: i, count } } : {}),
      }),
    );
  } catch (e) {
    for (const inst of out) disposeInstance(inst);
    throw e;
  }
  return out;
}

/** A teacher map resized to the student map's H×W when the term aligns and both are NHWC maps (else unchanged). */
function alignTo(inst: Instance, t: tf.Tensor, s: tf.Tensor): tf.Tensor {
  if (!inst.align || t.rank !== 4 || s.rank !== 4) return t;
  return alignSpatial(t as tf.Tensor4D, [s.shape[1]!, s.shape[2]!]);
}

/** Batch and spatial sizes must match (unless the loss resizes); channels too unless adapted/aligned. */
function checkShapes(inst: Instance, i: number, s: tf.Tensor, t: tf.Tensor): void {
  const where = `distiller: term '${inst.key}': student '${inst.students[i]}' ${shapeStr(s)} vs teacher '${inst.teachers[i]}' ${shapeStr(t)}`;
  if (s.rank !== t.rank) throw new Error(`${where}: ranks differ`);
  if (s.shape[0] !== t.shape[0]) throw new Error(`${where}: batch sizes differ`);
  if (
    s.rank === 4 &&
    !inst.entry.resizesSpatially &&
    (s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2])
  ) {
    throw new Error(`${where}: spatial sizes differ`);
  }
  const cs = s.shape[s.rank - 1];
  const ct = t.shape[t.rank - 1];
  const a = inst.adapters[i];
  if (a) {
    if (a.inChannels !== cs || a.outChannels !== ct)
      throw new Error(`${where}: the adapter maps ${a.inChannels} → ${a.outChannels} channels`);
  } else if (cs !== ct && !inst.entry.alignsChannels?.(inst.config)) {
    throw new Error(`${where}: channels differ and the term has no adapter`);
  }
}
