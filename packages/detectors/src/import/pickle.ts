import { CheckpointFormatError } from "./zip-archive";

/** A `module.name` reference read by a GLOBAL / STACK_GLOBAL opcode (nothing is imported or run). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  /** `module.name`, with the Python 2 aliases of protocol 2 (`__builtin__`, `copy_reg`) normalised. */
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * A generic Python object: an instance of a class kdet does not know (an `nn.Module`, a namespace…),
 * built without running any code. `attrs` holds the state a BUILD opcode gave it (`__dict__` as a Map),
 * `items`/`list` what SETITEM(S)/APPEND(S) added (dict or list subclasses).
 */
export class PyObject {
  state: unknown = undefined;
  readonly items = new Map<unknown, unknown>();
  readonly list: unknown[] = [];
  constructor(
    readonly className: string,
    readonly args: readonly unknown[],
  ) {}
  /** The attribute dictionary set by BUILD (empty when the state was not a dict). */
  get attrs(): Map<unknown, unknown> {
    if (this.state instanceof Map) return this.state;
    // (state, slotstate) pairs of objects with __slots__
    if (Array.isArray(this.state) && this.state[0] instanceof Map)
      return this.state[0] as Map<unknown, unknown>;
    return new Map();
  }
}

/** What a callable allow-listed by the caller computes from its arguments (REDUCE, NEWOBJ). */
export type PyCallable = (args: readonly unknown[], fail: (msg: string) => never) => unknown;

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** File name used in error messages. */
  file: string;
  /** Resolves a persistent id (BINPERSID), e.g. a torch storage. */
  persistentLoad: (pid: unknown, fail: (msg: string) => never) => unknown;
  /** Allow-listed functions by qualified name (`torch._utils._rebuild_tensor_v2`): the only code that "runs". */
  functions: Readonly<Record<string, PyCallable>>;
  /** Largest stack / memo size (default 10 M entries). */
  maxEntries?: number;
}

/**
 * Modules whose globals are refused outright, even class names: the code-execution vectors of hostile
 * pickles (`os.system`, `subprocess.Popen`, …). Nothing runs here anyway; refusing says what the file is.
 */
const DENIED_MODULES = new Set([
  "os",
  "posix",
  "nt",
  "sys",
  "subprocess",
  "shutil",
  "socket",
  "importlib",
  "runpy",
  "pickle",
  "marshal",
  "ctypes",
  "code",
  "pty",
  "webbrowser",
  "inspect",
]);

const PY2_ALIASES: Record<string, string> = { __builtin__: "builtins", copy_reg: "copyreg" };

/** Builtins that are plain containers (called by REDUCE with a list/tuple argument). */
const BUILTIN_CONTAINERS: Record<string, PyCallable> = {
  "builtins.set": (a) => new Set((a[0] as unknown[] | undefined) ?? []),
  "builtins.frozenset": (a) => new Set((a[0] as unknown[] | undefined) ?? []),
  "builtins.list": (a) => [...((a[0] as unknown[] | undefined) ?? [])],
  "builtins.tuple": (a) => [...((a[0] as unknown[] | undefined) ?? [])],
  "builtins.dict": () => new Map(),
  "builtins.bytearray": (a) => (a[0] instanceof Uint8Array ? a[0] : new Uint8Array()),
  "builtins.object": () => new PyObject("builtins.object", []),
  // protocol 2 pickles `bytes` as _codecs.encode(str, "latin1")
  "_codecs.encode": (a, fail) => {
    const [s, enc] = a;
    if (typeof s !== "string" || (enc !== "latin1" && enc !== "latin-1"))
      fail(`_codecs.encode: only (str, "latin1") is supported, got encoding ${JSON.stringify(enc)}`);
    return Uint8Array.from(s as string, (ch) => ch.charCodeAt(0) & 0xff);
  },
};

/** Whether a global may be referenced: allow-listed functions, or a class name (instances become {@link PyObject}). */
function globalAllowed(g: PyGlobal, functions: Readonly<Record<string, PyCallable>>): boolean {
  if (g.qualname in functions || g.qualname in BUILTIN_CONTAINERS) return true;
  const root = g.module.split(".")[0] as string;
  if (DENIED_MODULES.has(root) || root === "builtins") return false;
  return /^[A-Z]/.test(g.name) && !g.name.includes(".");
}

/**
 * A bounded pickle (protocols 0–4 binary subset, as `torch.save` writes them with protocol 2) reader that
 * runs no code. Values: None → null, bool, int → number (bigint beyond 2^53), float, str, bytes →
 * Uint8Array, list/tuple → array, dict → Map, set → Set, GLOBAL → {@link PyGlobal}; calls (REDUCE,
 * NEWOBJ) go to `opts.functions` by qualified name, otherwise a class-like global gives a generic
 * {@link PyObject}; any other global (lower-case function names, `os`, `builtins.eval`, …) is refused.
 * Every read is bounds-checked; errors name the file, the byte offset and the opcode.
 */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): unknown {
  const max = opts.maxEntries ?? 10_000_000;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let at = 0;
  let code = 0;
  const fail = (msg: string): never => {
    throw new CheckpointFormatError(
      opts.file,
      `pickle record at byte ${at} (opcode 0x${code.toString(16).padStart(2, "0")}): ${msg}`,
    );
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > data.length) fail(`needs ${n} bytes, ${data.length - pos} left`);
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = (): number => data[need(1)] as number;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(data.length)) fail(`length ${v} exceeds the file size`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => data.subarray(need(n), pos);
  const utf8 = (n: number): string => new TextDecoder().decode(bytes(n));
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 4096) fail("unterminated text line");
    const s = new TextDecoder().decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: unknown): void => {
    if (stack.length >= max) fail(`stack exceeds ${max} entries`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= (marks[marks.length - 1] as number)))
      fail("stack underflow");
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail("stack underflow");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail("no MARK on the stack");
    return stack.splice(m as number);
  };
  const put = (i: number): void => {
    if (memo.size >= max && !memo.has(i)) fail(`memo exceeds ${max} entries`);
    memo.set(i, top());
  };
  const get = (i: number): void => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    push(memo.get(i));
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length > 1024) fail(`integer of ${b.length} bytes is too large`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (b.length && (b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const global = (module: string, name: string): PyGlobal => {
    const g = new PyGlobal(PY2_ALIASES[module] ?? module, name);
    if (!globalAllowed(g, opts.functions))
      fail(
        `refusing global ${g.qualname} (not a class and not an allow-listed tensor/container rebuild function)`,
      );
    return g;
  };
  const call = (fn: unknown, args: unknown, how: string): unknown => {
    if (!(fn instanceof PyGlobal)) return fail(`${how} on a ${describe(fn)}, not a global`);
    if (!Array.isArray(args))
      return fail(`${how} ${fn.qualname}: arguments are a ${describe(args)}, not a tuple`);
    const f = opts.functions[fn.qualname] ?? BUILTIN_CONTAINERS[fn.qualname];
    if (f) return f(args, (m) => fail(`${fn.qualname}: ${m}`));
    return new PyObject(fn.qualname, args);
  };
  const setItems = (target: unknown, kv: unknown[]): void => {
    if (kv.length % 2) fail("odd number of key/value items");
    const map = target instanceof Map ? target : target instanceof PyObject ? target.items : undefined;
    if (!map) throw fail(`SETITEM(S) on a ${describe(target)}`);
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    const list = Array.isArray(target) ? target : target instanceof PyObject ? target.list : undefined;
    if (!list) throw fail(`APPEND(S) on a ${describe(target)}`);
    for (const v of items) list.push(v);
  };

  for (;;) {
    at = pos;
    code = u8();
    switch (code) {
      case 0x80: // PROTO
        if (u8() > 5) fail("unsupported pickle protocol");
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(bytes(u8())));
        break;
      case 0x8b: // LONG4
        push(long(bytes(u32())));
        break;
      case 0x49: {
        // INT (text; "00"/"01" are booleans)
        const s = line();
        if (s === "00" || s === "01") push(s === "01");
        else if (/^[-+]?\d+$/.test(s)) push(Number(s));
        else fail(`bad INT ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, "");
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG ${JSON.stringify(s)}`);
        const v = BigInt(s);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8), false));
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail("bad FLOAT");
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(u64()));
        break;
      case 0x42: // BINBYTES
        push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        push(bytes(u8()));
        break;
      case 0x8e: // BINBYTES8
        push(bytes(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (py2 str: latin-1 text)
        push(String.fromCharCode(...bytes(u8())));
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const m = new Map();
        setItems(m, popMark());
        push(m);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${describe(s)}`);
        for (const v of items) (s as Set<unknown>).add(v);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x70: {
        // PUT (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail(`bad PUT index ${JSON.stringify(s)}`);
        put(Number(s));
        break;
      }
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x67: {
        // GET (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail(`bad GET index ${JSON.stringify(s)}`);
        get(Number(s));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        push(call(pop(), args, "REDUCE"));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        push(call(pop(), args, "NEWOBJ"));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        push(call(pop(), args, "NEWOBJ_EX"));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        // a Map target is a dict subclass (OrderedDict): its state is instance attributes such as
        // `state_dict()._metadata`, not items; tensors, dtypes and containers need no extra state either
        if (obj instanceof PyObject) obj.state = state;
        else if (obj === null || typeof obj !== "object") fail(`BUILD on a ${describe(obj)}`);
        break;
      }
      case 0x51: // BINPERSID
        push(opts.persistentLoad(pop(), fail));
        break;
      case 0x50: // PERSID
        push(opts.persistentLoad(line(), fail));
        break;
      default:
        fail("unsupported opcode");
    }
  }
}

/** A short description of a value's type for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return `tuple/list of ${v.length}`;
  if (v instanceof Map) return "dict";
  if (v instanceof PyObject) return `${v.className} object`;
  if (v instanceof PyGlobal) return `global ${v.qualname}`;
  if (v instanceof Uint8Array) return "bytes";
  return typeof v;
}
