/**
 * A small writer of TensorFlow GraphDefs in the JSON form that `@tensorflow/tfjs-converter`'s
 * `loadGraphModel` reads (format "graph-model", as written by `tensorflowjs_converter`): nodes
 * `{name, op, input, attr}` with attrs in the protobuf-JSON encoding (strings base64, ints as decimal
 * strings, shapes as `{dim: [{size}]}`), `Const` nodes whose values live in the weights manifest under
 * the node's name, and a signature mapping input/output names to nodes. Every symbolic tensor carries
 * its static shape (batch = −1) so later ops can be checked and reshapes written with constants.
 */

/** A symbolic tensor: output `index` of node `node`, with its static shape (−1 = any batch size). */
export interface Sym {
  readonly node: string;
  readonly index: number;
  readonly shape: readonly number[];
}

/** One attribute value in the GraphDef JSON encoding. */
export type AttrValue =
  | { type: "DT_FLOAT" | "DT_INT32" }
  | { s: string }
  | { i: string }
  | { f: number }
  | { b: boolean }
  | { list: { i?: string[] } }
  | { shape: { dim?: Array<{ size: string }> } }
  | { tensor: { dtype: "DT_FLOAT" | "DT_INT32"; tensorShape: { dim?: Array<{ size: string }> } } };

/** A GraphDef node (JSON form). */
export interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

/** A constant's bytes and layout in the weights manifest. */
export interface ConstWeight {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  data: Float32Array | Int32Array;
}

/** One tensor of the model signature (tfjs `TensorInfo` JSON). */
export interface SignatureEntry {
  name: string;
  dtype: "DT_FLOAT";
  tensorShape: { dim: Array<{ size: string }> };
}

/** Attribute encoders (protobuf JSON: strings base64, int64 as decimal strings). */
export const attr = {
  float: { type: "DT_FLOAT" } as AttrValue,
  int32: { type: "DT_INT32" } as AttrValue,
  str: (s: string): AttrValue => ({ s: btoa(s) }),
  int: (n: number): AttrValue => ({ i: String(n) }),
  bool: (b: boolean): AttrValue => ({ b }),
  ints: (xs: readonly number[]): AttrValue => ({ list: xs.length ? { i: xs.map(String) } : {} }),
  shape: (dims: readonly number[]): AttrValue => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

function shapeJson(dims: readonly number[]): { dim?: Array<{ size: string }> } {
  return dims.length ? { dim: dims.map((d) => ({ size: String(d) })) } : {};
}

/** The reference string of a symbolic tensor as a node input (`name` or `name:i`). */
export function ref(x: Sym): string {
  return x.index === 0 ? x.node : `${x.node}:${x.index}`;
}

/**
 * Collects nodes and constants. Node names are made unique (a `_n` suffix on repeats) and restricted
 * to TensorFlow's node-name alphabet (`[A-Za-z0-9_./-]`, first character not `_`, `-` or `/`).
 */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly weights: ConstWeight[] = [];
  private readonly used = new Set<string>();
  readonly inputs: Record<string, SignatureEntry> = {};
  readonly outputs: Record<string, SignatureEntry> = {};

  /** A fresh node name from `base`, sanitised and unique. */
  name(base: string): string {
    let b = base.replace(/[^A-Za-z0-9_./-]/g, "_").replace(/^[_/-]+/, "");
    if (!b) b = "node";
    let n = b;
    for (let k = 1; this.used.has(n); k++) n = `${b}_${k}`;
    this.used.add(n);
    return n;
  }

  /** A float32 graph input `[−1 | N, …]` named exactly `name` (also a signature input). */
  placeholder(name: string, shape: readonly number[]): Sym {
    if (this.used.has(name)) throw new Error(`GraphBuilder.placeholder: name "${name}" is taken`);
    this.used.add(name);
    this.nodes.push({ name, op: "Placeholder", attr: { dtype: attr.float, shape: attr.shape(shape) } });
    this.inputs[name] = {
      name: `${name}:0`,
      dtype: "DT_FLOAT",
      tensorShape: { dim: shape.map((d) => ({ size: String(d) })) },
    };
    return { node: name, index: 0, shape: [...shape] };
  }

  /** A constant (its values go to the weights manifest under the node name). */
  constant(base: string, data: Float32Array | Int32Array, shape: readonly number[]): Sym {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      throw new Error(
        `GraphBuilder.constant "${base}": ${data.length} values for shape [${shape.join(",")}]`,
      );
    const name = this.name(base);
    const dt = data instanceof Int32Array ? "DT_INT32" : "DT_FLOAT";
    this.nodes.push({
      name,
      op: "Const",
      attr: { value: { tensor: { dtype: dt, tensorShape: shapeJson(shape) } }, dtype: { type: dt } },
    });
    this.weights.push({ name, shape: [...shape], dtype: dt === "DT_INT32" ? "int32" : "float32", data });
    return { node: name, index: 0, shape: [...shape] };
  }

  /** An int32 constant (axes, shapes, paddings, sizes). */
  ints(base: string, values: readonly number[], shape: readonly number[] = [values.length]): Sym {
    return this.constant(base, Int32Array.from(values), shape);
  }

  /** A node `op` with `inputs`; returns its outputs 0…`outShapes.length − 1`. */
  op(
    base: string,
    op: string,
    inputs: readonly Sym[],
    attrs: Record<string, AttrValue>,
    outShapes: ReadonlyArray<readonly number[]>,
  ): Sym[] {
    const name = this.name(base);
    this.nodes.push({ name, op, input: inputs.map(ref), attr: attrs });
    return outShapes.map((s, index) => ({ node: name, index, shape: [...s] }));
  }

  /** A named graph output: an `Identity` node called exactly `name`, added to the signature. */
  output(name: string, x: Sym): Sym {
    if (this.used.has(name)) throw new Error(`GraphBuilder.output: name "${name}" is taken`);
    this.used.add(name);
    this.nodes.push({ name, op: "Identity", input: [ref(x)], attr: { T: attr.float } });
    this.outputs[name] = {
      name: `${name}:0`,
      dtype: "DT_FLOAT",
      tensorShape: { dim: x.shape.map((d) => ({ size: String(d) })) },
    };
    return { node: name, index: 0, shape: x.shape };
  }

  /** All constants as one little-endian buffer, in manifest order, with their manifest entries. */
  weightData(): { specs: Array<Omit<ConstWeight, "data">>; bytes: Uint8Array } {
    const total = this.weights.reduce((a, w) => a + w.data.byteLength, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const w of this.weights) {
      bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), o);
      o += w.data.byteLength;
    }
    return { specs: this.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })), bytes };
  }
}
