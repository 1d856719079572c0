import * as tf from "@tensorflow/tfjs-core";

/** What a module's output looks like, declared up front (no dummy forward pass needed). */
export interface OutputInfo {
  /** Channels of the NHWC output. */
  channels: number;
  /** Total stride relative to the network input. */
  stride: number;
}

/**
 * A node of a model tree. Children are registered by name, so every module has a dotted path
 * (`backbone.c3`, `neck.p4`, `head.cls.p5`) under its root. Subclasses implement `forward` and
 * are invoked through `call`, which records the output when that path is tapped (see
 * {@link captureTaps}). Owns its variables; `dispose()` frees them and its children's.
 */
export abstract class Module<I = tf.Tensor, O = tf.Tensor> {
  private readonly kids = new Map<string, Module<unknown, unknown>>();
  private readonly params: tf.Variable[] = [];
  private parent: Module<unknown, unknown> | undefined;
  private localName = "";
  /** Set while a tap session wants this module's output. */
  private sink: Map<string, unknown> | undefined;
  /** Declared output shape info, when the module produces a feature map. */
  outputInfo: OutputInfo | undefined;

  /** The computation. Call modules through {@link Module.call} so taps see their outputs. */
  protected abstract forward(input: I): O;

  /** Runs `forward` and hands the output to an active tap on this module's path. */
  call(input: I): O {
    const out = this.forward(input);
    this.sink?.set(this.path, out);
    return out;
  }

  /** Registers a child under `name` (letters, digits, `_` and `-`; unique among siblings). */
  protected child<M extends Module<never, unknown>>(name: string, m: M): M {
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw new Error(`Module.child: invalid name "${name}" (allowed: letters, digits, _ and -)`);
    if (this.kids.has(name))
      throw new Error(`Module.child: "${name}" already registered under "${this.path || "<root>"}"`);
    const mm = m as unknown as Module<unknown, unknown>;
    mm.parent = this as unknown as Module<unknown, unknown>;
    mm.localName = name;
    this.kids.set(name, mm);
    return m;
  }

  /** Creates a trainable variable owned by this module. */
  protected param(init: tf.Tensor, name: string, trainable = true): tf.Variable {
    const v = tf.variable(init, trainable, `${this.path || "root"}.${name}.${variableId++}`);
    init.dispose();
    this.params.push(v);
    return v;
  }

  /** The dotted path from the root ("" for the root itself). */
  get path(): string {
    if (!this.parent) return "";
    const p = this.parent.path;
    return p ? `${p}.${this.localName}` : this.localName;
  }

  /** Every descendant (not the root) by dotted path, in registration order. */
  modules(): Map<string, Module<unknown, unknown>> {
    const out = new Map<string, Module<unknown, unknown>>();
    for (const k of this.kids.values()) {
      out.set(k.path, k);
      for (const [p, m] of k.modules()) out.set(p, m);
    }
    return out;
  }

  /** This module's variables and all descendants' (trainable and not). */
  variables(): tf.Variable[] {
    const all = [...this.params];
    for (const k of this.kids.values()) all.push(...k.variables());
    return all;
  }

  /** Only the trainable variables. */
  trainableVariables(): tf.Variable[] {
    return this.variables().filter((v) => v.trainable);
  }

  /** Frees every variable of this subtree. */
  dispose(): void {
    for (const k of this.kids.values()) k.dispose();
    for (const v of this.params) v.dispose();
    this.params.length = 0;
  }

  /** @internal used by captureTaps */
  static setSink(m: Module<unknown, unknown>, sink: Map<string, unknown> | undefined): void {
    m.sink = sink;
  }
}

let variableId = 0;

/**
 * Runs `fn` (usually a forward pass of `root`) and returns its result together with the outputs
 * of the modules named in `names` (dotted paths under `root`). Names are checked before running:
 * an unknown name throws with the list of valid names. The tapped tensors are the modules' own
 * outputs, with the lifetime of the surrounding `tf.tidy` scope (call inside the same tidy or
 * gradient closure that uses them). Model code does not change.
 */
export function captureTaps<R>(
  root: Module<never, unknown>,
  names: readonly string[],
  fn: () => R,
): { result: R; taps: Record<string, tf.Tensor> } {
  const mods = (root as unknown as Module<unknown, unknown>).modules();
  const unknown = names.filter((n) => !mods.has(n));
  if (unknown.length) {
    throw new Error(
      `captureTaps: unknown module name(s) ${unknown.map((n) => `"${n}"`).join(", ")}; valid names: ${[...mods.keys()].join(", ")}`,
    );
  }
  const sink = new Map<string, unknown>();
  const targets = names.map((n) => mods.get(n) as Module<unknown, unknown>);
  for (const m of targets) Module.setSink(m, sink);
  try {
    const result = fn();
    const taps: Record<string, tf.Tensor> = {};
    for (const n of names) {
      const t = sink.get(n);
      if (!(t instanceof tf.Tensor))
        throw new Error(
          `captureTaps: module "${n}" did not run or did not return a single tensor during the pass`,
        );
      taps[n] = t;
    }
    return { result, taps };
  } finally {
    for (const m of targets) Module.setSink(m, undefined);
  }
}

/** Declared output info of every module that has one, by path (for checking taps against shapes). */
export function featureInfo(root: Module<never, unknown>): Record<string, OutputInfo> {
  const out: Record<string, OutputInfo> = {};
  for (const [p, m] of (root as unknown as Module<unknown, unknown>).modules())
    if (m.outputInfo) out[p] = m.outputInfo;
  return out;
}
