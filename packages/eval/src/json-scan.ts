/**
 * A byte-level JSON scanner for the COCO fast loader (fast-load.ts): it walks UTF-8 bytes in place, validates the
 * JSON grammar (RFC 8259, exactly what `JSON.parse` accepts) and reads numbers without building strings or
 * objects. It never tries to explain a problem: anything it does not handle (a syntax error, a bare NaN, an
 * escaped key, ...) throws `ScanBail` with the byte offset, and the caller falls back to `JSON.parse` + zod,
 * which produce the user-facing error (or the value, for valid but unusual JSON).
 *
 * Numbers are the very doubles `JSON.parse` yields. Decimal `d1..dn * 10^e` with n <= 15 digits and |e| <= 22
 * uses Clinger's fast path: the integer mantissa (< 10^15 < 2^53) and the power of ten (10^k = 5^k * 2^k with
 * 5^22 < 2^53, an exact double) are both exact, so one IEEE multiply or divide rounds the exact decimal value
 * once, to nearest: the correctly rounded double, which is what `JSON.parse` (V8's strtod) returns. Any other number is
 * sliced and converted with `Number()`, the same correctly rounded conversion, after the grammar check here
 * (Number() alone would also take hex, "Infinity", "1.", ...).
 */

/** Key names as bytes, for JsonScanner.keyIndex. */
export function keyTable(names: readonly string[]): Uint8Array[] {
  return names.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
}

/** Key names as the bytes of their JSON strings, quotes included, for JsonScanner.quotedKey. */
export function quotedKeyTable(names: readonly string[]): Uint8Array[] {
  return keyTable(names.map((n) => `"${n}"`));
}

/** Thrown for anything the scanner does not accept; `at` is the byte offset. */
export class ScanBail extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(`${reason} at byte ${at}`);
  }
}

/** 10^0 .. 10^22: every one an exact double. */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A cursor over a UTF-8 JSON document. */
export class JsonScanner {
  /** Current byte offset. */
  p = 0;
  /** Start and end offsets of the last key read by key(). */
  keyStart = 0;
  keyEnd = 0;

  constructor(readonly b: Uint8Array) {}

  bail(reason: string, at = this.p): never {
    throw new ScanBail(reason, at);
  }

  /** Skips JSON whitespace and returns the next byte (-1 at the end). */
  peek(): number {
    const b = this.b;
    let p = this.p;
    while (p < b.length && isWs(b[p]!)) p++;
    this.p = p;
    return p < b.length ? b[p]! : -1;
  }

  /** Consumes `c` (after whitespace) or bails. */
  expect(c: number): void {
    if (this.peek() !== c) this.bail(`expected '${String.fromCharCode(c)}'`);
    this.p++;
  }

  /** After a member / element: true for ',' (consumed), false for `close` (consumed); else bails. */
  next(close: number): boolean {
    const c = this.peek();
    this.p++;
    if (c === 44) return true;
    if (c === close) return false;
    return this.bail(`expected ',' or '${String.fromCharCode(close)}'`, this.p - 1);
  }

  /** Whether the container just opened is empty (consumes the closing byte if so). */
  empty(close: number): boolean {
    if (this.peek() !== close) return false;
    this.p++;
    return true;
  }

  /**
   * Reads `"key":` and sets keyStart/keyEnd. `keyIndex` finds no name for a key with escapes; callers that
   * look keys up call `plainKey()` instead, which bails on them (JSON.parse would decode them).
   */
  key(): void {
    this.expect(34);
    this.keyStart = this.p;
    this.keyEscaped = this.stringBody();
    this.keyEnd = this.p - 1;
    this.expect(58);
  }

  /** key(), bailing on an escaped key. */
  plainKey(): void {
    this.key();
    if (this.keyEscaped) this.bail("escaped key", this.keyStart);
  }

  /**
   * The fast path of key() + keyIndex() when the caller expects a particular key: if the next member name (after
   * whitespace) is exactly `q` (a quotedKeyTable entry), consumes it and the ':' and returns true; otherwise
   * consumes nothing and returns false. Plain ASCII names only, so the bytes compared are the whole string.
   */
  quotedKey(q: Uint8Array): boolean {
    const b = this.b;
    let p = this.p;
    let c = p < b.length ? b[p]! : -1;
    while (c === 32 || c === 10 || c === 13 || c === 9) c = ++p < b.length ? b[p]! : -1;
    const n = q.length;
    if (p + n > b.length) return false;
    for (let i = 0; i < n; i++) if (b[p + i] !== q[i]) return false;
    this.p = p + n;
    this.expect(58);
    return true;
  }

  /** Whether the last key had escapes. */
  keyEscaped = false;

  /**
   * Index in `names` of the last key (names from keyTable), or -1 (also for a key with escapes). One length and
   * byte comparison per candidate, no strings.
   */
  keyIndex(names: readonly Uint8Array[]): number {
    if (this.keyEscaped) return -1;
    const b = this.b;
    const k0 = this.keyStart;
    const n = this.keyEnd - k0;
    outer: for (let j = 0; j < names.length; j++) {
      const nm = names[j]!;
      if (nm.length !== n) continue;
      for (let i = 0; i < n; i++) if (b[k0 + i] !== nm[i]) continue outer;
      return j;
    }
    return -1;
  }

  /** Reads a JSON number (after whitespace); bails on anything else. */
  number(): number {
    this.numberTo(this.one, 0);
    return this.one[0]!;
  }

  private readonly one = new Float64Array(1);

  /**
   * Reads a JSON number (after whitespace) into out[i]; bails on anything else. Writing into a typed array keeps
   * the double unboxed (no heap number per value).
   */
  numberTo(out: Float64Array, i: number): void {
    const b = this.b;
    const len = b.length;
    let p = this.p;
    let c = p < len ? b[p]! : -1;
    while (c === 32 || c === 10 || c === 13 || c === 9) c = ++p < len ? b[p]! : -1;
    const start = p;
    const neg = c === 45;
    if (neg) c = ++p < len ? b[p]! : -1;
    // the mantissa's digits as an exact integer while there are at most 15 (< 2^53), and their count
    let m = 0;
    let nd = 0;
    let scale = 0;
    let d = c - 48;
    if (d === 0) {
      c = ++p < len ? b[p]! : -1;
      if (c >= 48 && c <= 57) this.bail("leading zero in a number", p);
    } else if (d > 0 && d <= 9) {
      do {
        m = m * 10 + d;
        nd++;
        c = ++p < len ? b[p]! : -1;
        d = c - 48;
      } while (d >= 0 && d <= 9);
    } else this.bail("expected a number", start);
    if (c === 46) {
      c = ++p < len ? b[p]! : -1;
      d = c - 48;
      if (!(d >= 0 && d <= 9)) this.bail("expected a digit after '.'", p);
      do {
        m = m * 10 + d;
        nd++;
        scale--;
        c = ++p < len ? b[p]! : -1;
        d = c - 48;
      } while (d >= 0 && d <= 9);
    }
    let e = 0;
    let ed = 0;
    if (c === 101 || c === 69) {
      c = ++p < len ? b[p]! : -1;
      const eneg = c === 45;
      if (c === 43 || c === 45) c = ++p < len ? b[p]! : -1;
      d = c - 48;
      if (!(d >= 0 && d <= 9)) this.bail("expected a digit in the exponent", p);
      do {
        if (ed < 9) e = e * 10 + d;
        ed++;
        c = ++p < len ? b[p]! : -1;
        d = c - 48;
      } while (d >= 0 && d <= 9);
      if (eneg) e = -e;
    }
    this.p = p;
    const k = scale + e;
    if (nd <= 15 && ed <= 9 && k >= -22 && k <= 22) {
      const v = k < 0 ? m / POW10[-k]! : m * POW10[k]!;
      out[i] = neg ? -v : v;
    } else out[i] = Number(latin1(b, start, p));
  }

  /**
   * Skips the rest of a string whose opening quote is consumed, validating escapes and rejecting control
   * characters; returns whether it had escapes.
   */
  private stringBody(): boolean {
    const b = this.b;
    let p = this.p;
    let escaped = false;
    for (;;) {
      if (p >= b.length) this.bail("unterminated string", p);
      const c = b[p]!;
      if (c === 34) break;
      if (c < 32) this.bail("control character in a string", p);
      if (c === 92) {
        escaped = true;
        const d = b[p + 1] ?? -1;
        if (d === 117) {
          for (let i = 2; i < 6; i++) if (!isHex(b[p + i] ?? -1)) this.bail("bad \\u escape", p);
          p += 6;
          continue;
        }
        // " \ / b f n r t
        if (d !== 34 && d !== 92 && d !== 47 && d !== 98 && d !== 102 && d !== 110 && d !== 114 && d !== 116)
          this.bail("bad escape", p);
        p += 2;
        continue;
      }
      p++;
    }
    this.p = p + 1;
    return escaped;
  }

  /** Consumes the ASCII word `w` (true / false / null) or bails. */
  private word(w: string): void {
    for (let i = 0; i < w.length; i++)
      if (this.b[this.p + i] !== w.charCodeAt(i)) this.bail(`expected ${w}`, this.p);
    this.p += w.length;
  }

  /** Reads `true` or `false` (after whitespace); bails on anything else. */
  boolean(): boolean {
    const c = this.peek();
    if (c === 116) this.word("true");
    else if (c === 102) this.word("false");
    else this.bail("expected true or false");
    return c === 116;
  }

  /** Skips any JSON value (validated); iterative, so deep nesting cannot overflow the stack. */
  skipValue(): void {
    let depth = 0;
    const stack: number[] = []; // closing byte per open container
    for (;;) {
      // a value
      const c = this.peek();
      if (c === 123 || c === 91) {
        this.p++;
        const close = c === 123 ? 125 : 93;
        if (this.empty(close)) {
          // empty container: a complete value
        } else {
          stack[depth++] = close;
          if (close === 125) this.key();
          continue;
        }
      } else if (c === 34) {
        this.p++;
        this.stringBody();
      } else if (c === 116) this.word("true");
      else if (c === 102) this.word("false");
      else if (c === 110) this.word("null");
      else this.number();
      // after a value: close containers or move to the next member
      for (;;) {
        if (depth === 0) return;
        const close = stack[depth - 1]!;
        if (this.next(close)) {
          if (close === 125) this.key();
          break;
        }
        depth--;
      }
    }
  }

  /** Bails unless only whitespace is left. */
  end(): void {
    if (this.peek() !== -1) this.bail("unexpected data after the JSON value");
  }
}

/** Bytes [start, end) as a string of their ASCII codes (numbers only). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}
