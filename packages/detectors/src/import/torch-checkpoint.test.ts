import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type PyGlobal, PyObject, unpickle } from "./pickle";
import { extractStateDict } from "./state-dict";
import { parseTorchCheckpoint, TORCH_PICKLE_FUNCTIONS } from "./torch-checkpoint";
import { TorchTensor } from "./torch-tensor";
import { FIXTURES } from "./test-fixtures";
import { CheckpointFormatError } from "./zip-archive";

const misc = (): Uint8Array => new Uint8Array(readFileSync(path.join(FIXTURES, "misc.pt")));
const expected = JSON.parse(readFileSync(path.join(FIXTURES, "misc.json"), "utf8")) as {
  tensors: Record<string, { shape: number[]; values: number[] }>;
  module_keys: string[];
};

/** Pickle bytes from a mix of text and byte values (latin-1). */
function pkl(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === "string" ? Array.from(p, (c) => c.charCodeAt(0)) : p));
  return Uint8Array.from(out);
}
const opts = { file: "t.pkl", persistentLoad: () => null, functions: {} };

describe("unpickle (bounded, no code)", () => {
  it("reads containers, ints, floats, strings and memo references", () => {
    // {"a": [1, -2, 300, 1.5, "é"], "b": <same list>} with protocol-2 opcodes
    const bin = pkl(
      [0x80, 2],
      "}q",
      [0],
      "(X",
      [1, 0, 0, 0],
      "a]q",
      [1],
      "(K",
      [1],
      "J",
      [0xfe, 0xff, 0xff, 0xff],
      "M",
      [0x2c, 0x01],
      "G",
      [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
      "X",
      [2, 0, 0, 0, 0xc3, 0xa9],
      "eX",
      [1, 0, 0, 0],
      "bh",
      [1],
      "u.",
    );
    const v = unpickle(bin, opts) as Map<string, unknown>;
    expect(v.get("a")).toEqual([1, -2, 300, 1.5, "é"]);
    expect(v.get("b")).toBe(v.get("a"));
  });

  it("turns unknown classes (here types.SimpleNamespace, as ultralytics' args) into generic objects", () => {
    const ns = unpickle(
      pkl([0x80, 2], "ctypes\nSimpleNamespace\n)R}X", [1, 0, 0, 0], "aK", [2], "sb."),
      opts,
    );
    expect((ns as PyObject).className).toBe("types.SimpleNamespace");
    expect((ns as PyObject).attrs.get("a")).toBe(2);
  });

  it("turns unknown classes into generic objects with their BUILD state", () => {
    const bin = pkl([0x80, 2], "cfoo.bar\nThing\n)", [0x81], "}X", [1, 0, 0, 0], "aK", [7], "sb.");
    const v = unpickle(bin, opts) as PyObject;
    expect(v).toBeInstanceOf(PyObject);
    expect(v.className).toBe("foo.bar.Thing");
    expect(v.attrs.get("a")).toBe(7);
  });

  it.each([
    ["os.system", "cos\nsystem\nX\x02\x00\x00\x00ls\x85R."],
    ["builtins.eval", "c__builtin__\neval\nX\x01\x00\x00\x001\x85R."],
    ["posix.system", "cposix\nsystem\n."],
    ["subprocess.Popen", "csubprocess\nPopen\n."],
    ["torch.load", "ctorch\nload\n."],
  ])("refuses the global %s, naming the file and the byte offset", (name, body) => {
    expect(() => unpickle(pkl([0x80, 2], body), opts)).toThrow(
      new RegExp(
        `^t\\.pkl: pickle record at byte 2 \\(opcode 0x63\\): refusing global ${name.replace(".", "\\.")}`,
      ),
    );
  });

  it.each([
    ["truncated", pkl([0x80, 2], "X", [9, 0, 0, 0], "ab"), /needs 9 bytes, 2 left/],
    ["missing memo", pkl([0x80, 2], "h", [5], "."), /memo key 5 was never stored/],
    ["unknown opcode", pkl([0x80, 2], [0xff]), /unsupported opcode/],
    ["stack underflow", pkl([0x80, 2], "R."), /stack underflow/],
    ["no STOP", pkl([0x80, 2], "N"), /needs 1 bytes, 0 left/],
    ["SETITEM on a list", pkl([0x80, 2], "]NNs."), /SETITEM\(S\) on a tuple\/list/],
  ])("%s → a CheckpointFormatError", (_, bin, msg) => {
    expect(() => unpickle(bin, opts)).toThrow(CheckpointFormatError);
    expect(() => unpickle(bin, opts)).toThrow(msg);
  });
});

describe("the torch allow-list", () => {
  it("reads what mmengine / ultralytics keep beside the weights: numpy arrays, defaultdict, dtypes", () => {
    // {"hist": numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b"b") + BUILD((1, (), None)),
    //  "d": collections.defaultdict(), "t": torch.float16}
    const bin = pkl(
      [0x80, 2],
      "}(X",
      [4, 0, 0, 0],
      "histcnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK",
      [0, 0x85],
      "C",
      [1],
      "b",
      [0x87],
      "R(K",
      [1],
      ")NtbX",
      [1, 0, 0, 0],
      "dccollections\ndefaultdict\n)RX",
      [1, 0, 0, 0],
      "tctorch\nfloat16\nu.",
    );
    const v = unpickle(bin, { ...opts, functions: TORCH_PICKLE_FUNCTIONS }) as Map<string, unknown>;
    expect((v.get("hist") as PyObject).className).toBe("numpy.ndarray");
    expect(v.get("d")).toEqual(new Map());
    expect((v.get("t") as PyGlobal).qualname).toBe("torch.float16");
    expect(() => unpickle(bin, opts)).toThrow(/refusing global numpy\.core\.multiarray\._reconstruct/);
  });
});

describe("parseTorchCheckpoint (torch.save zip archives)", () => {
  it("reads strided views, offsets, shared storages and every float width as PyTorch does", () => {
    const ck = parseTorchCheckpoint(misc(), "misc.pt");
    const tensors = (ck.root as Map<string, unknown>).get("tensors") as Map<string, TorchTensor>;
    expect([...tensors.keys()]).toEqual(Object.keys(expected.tensors));
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = tensors.get(name) as TorchTensor;
      expect([name, [...t.shape]]).toEqual([name, want.shape]);
      expect([name, Array.from(t.toFloat32())]).toEqual([name, want.values.map(Math.fround)]);
    }
    expect(tensors.get("transposed")?.storage).toBe(tensors.get("base")?.storage);
    expect(tensors.get("offset_view")?.offset).toBe(8);
    expect(tensors.get("half")?.storage.dtype).toBe("float16");
    expect(tensors.get("bf16")?.storage.dtype).toBe("bfloat16");
  });

  it("walks a pickled nn.Module like state_dict(): parameters, persistent buffers, children", () => {
    const ck = parseTorchCheckpoint(misc(), "misc.pt");
    const sd = extractStateDict({
      ...ck,
      root: new Map([["model", (ck.root as Map<string, unknown>).get("module")]]),
    });
    expect(sd.source).toBe("model (torch.nn.modules.container.Sequential)");
    expect([...sd.tensors.keys()]).toEqual(expected.module_keys);
  });

  it("finds the weights in the layouts the tools write; DataParallel's module. prefix is removed", () => {
    const ck = parseTorchCheckpoint(misc(), "misc.pt");
    const t = ((ck.root as Map<string, unknown>).get("tensors") as Map<string, TorchTensor>).get("base");
    const sd = (root: unknown) => extractStateDict({ ...ck, root });
    expect([...sd(new Map([["module.a.weight", t]])).tensors.keys()]).toEqual(["a.weight"]);
    expect(
      sd(
        new Map([
          ["state_dict", new Map([["a", t]])],
          ["meta", new Map()],
        ]),
      ).source,
    ).toBe("state_dict");
    expect(
      sd(
        new Map([
          ["ema", null],
          ["model", new Map([["b", t]])],
        ]),
      ).source,
    ).toBe("model");
    expect(() => sd(new Map([["epoch", 3]]))).toThrow(/misc\.pt: no weights found: .*top-level keys: epoch/);
  });

  it("rejects storages whose size disagrees with the pickle, naming the storage", () => {
    const bytes = misc();
    const text = new TextDecoder("latin1").decode(bytes);
    // the first storage record: shrink its element count in the pickle (BININT1 / BININT2 numel before the tuple)
    const pklStart = text.indexOf("PK\x03\x04") + 30 + "misc/data.pkl".length;
    const i = text.indexOf("cpu", pklStart);
    expect(i).toBeGreaterThan(0);
    // after "cpu" comes BINPUT n, then the numel as K (1 byte)
    const copy = bytes.slice();
    const k = text.indexOf("K", i);
    copy[k + 1] = (copy[k + 1] as number) + 1;
    expect(() => parseTorchCheckpoint(copy, "misc.pt")).toThrow(/misc\.pt: .*storage "\d+" holds \d+ bytes/);
  });

  it("survives corrupted bytes: only CheckpointFormatError, never a crash or a hang", () => {
    const bytes = misc();
    let state = 12345;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    let parsed = 0;
    for (let trial = 0; trial < 400; trial++) {
      const copy = bytes.slice();
      for (let j = 0; j < 1 + rand(4); j++) copy[rand(copy.length)] = rand(256);
      try {
        const ck = parseTorchCheckpoint(copy, "fuzz.pt");
        const tensors = (ck.root as Map<string, unknown>).get("tensors");
        if (tensors instanceof Map)
          for (const t of tensors.values()) if (t instanceof TorchTensor) t.toFloat32();
        parsed++;
      } catch (e) {
        if (!(e instanceof CheckpointFormatError)) throw e;
        expect((e as Error).message.startsWith("fuzz.pt: ")).toBe(true);
      }
    }
    expect(parsed).toBeGreaterThan(0); // most mutations hit tensor data, which still parses
  });

  it("refuses legacy pickles, TorchScript archives and non-zip files with a message saying so", () => {
    expect(() => parseTorchCheckpoint(pkl([0x80, 2], "N."), "old.pt")).toThrow(
      /old\.pt: legacy torch\.save format/,
    );
    expect(() => parseTorchCheckpoint(new TextEncoder().encode("hello world, not a zip"), "x.pt")).toThrow(
      /x\.pt: not a zip archive/,
    );
    expect(() => parseTorchCheckpoint(misc().subarray(0, 3000), "cut.pt")).toThrow(CheckpointFormatError);
  });
});
