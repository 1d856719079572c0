import { inflateRawSync } from "node:zlib";

/** Thrown for any malformed or unsupported input of the checkpoint readers; names the file and the record. */
export class CheckpointFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "CheckpointFormatError";
  }
}

/** One file inside a zip archive (stored or deflated). */
export interface ZipEntry {
  name: string;
  /** Offset of the local header in the archive. */
  headerOffset: number;
  compressedSize: number;
  size: number;
  /** 0 = stored, 8 = deflate. */
  method: number;
}

/** Upper bound on entries read from a central directory (a checkpoint has one per tensor storage). */
export const MAX_ZIP_ENTRIES = 200_000;

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * A read-only zip archive in memory (PKWARE APPNOTE 6.3: end-of-central-directory record, zip64
 * extensions, central directory, local headers), as written by `torch.save` (stored, 64-byte aligned
 * entries). Every offset and size is checked against the buffer; errors name `file` and the entry.
 */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readDirectory();
  }

  private fail(msg: string): never {
    throw new CheckpointFormatError(this.file, msg);
  }

  private u16(o: number): number {
    if (o + 2 > this.bytes.length) this.fail(`zip: record at byte ${o} runs past the end of the file`);
    return this.view.getUint16(o, true);
  }
  private u32(o: number): number {
    if (o + 4 > this.bytes.length) this.fail(`zip: record at byte ${o} runs past the end of the file`);
    return this.view.getUint32(o, true);
  }
  private u64(o: number): number {
    if (o + 8 > this.bytes.length) this.fail(`zip: record at byte ${o} runs past the end of the file`);
    const v = this.view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`zip: 64-bit value ${v} at byte ${o} is too large`);
    return Number(v);
  }

  private findEocd(): number {
    const min = Math.max(0, this.bytes.length - 22 - 0xffff);
    for (let o = this.bytes.length - 22; o >= min; o--) if (this.view.getUint32(o, true) === EOCD) return o;
    return this.fail("not a zip archive (no end-of-central-directory record)");
  }

  private readDirectory(): Map<string, ZipEntry> {
    if (this.bytes.length < 22) this.fail("not a zip archive (shorter than 22 bytes)");
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (eocd >= 20 && this.u32(eocd - 20) === EOCD64_LOCATOR) {
      const e64 = this.u64(eocd - 12);
      if (this.u32(e64) !== EOCD64)
        this.fail(`zip: bad zip64 end-of-central-directory record at byte ${e64}`);
      count = this.u64(e64 + 32);
      cdSize = this.u64(e64 + 40);
      cdOffset = this.u64(e64 + 48);
    }
    if (count > MAX_ZIP_ENTRIES) this.fail(`zip: ${count} entries, more than the limit ${MAX_ZIP_ENTRIES}`);
    if (cdOffset + cdSize > this.bytes.length)
      this.fail(`zip: central directory (${cdSize} bytes at ${cdOffset}) lies outside the file`);
    const out = new Map<string, ZipEntry>();
    let o = cdOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(o) !== CENTRAL)
        this.fail(`zip: central directory entry ${i} at byte ${o} has a bad signature`);
      const method = this.u16(o + 10);
      let compressedSize = this.u32(o + 20);
      let size = this.u32(o + 24);
      const nameLen = this.u16(o + 28);
      const extraLen = this.u16(o + 30);
      const commentLen = this.u16(o + 32);
      let headerOffset = this.u32(o + 42);
      if (o + 46 + nameLen + extraLen > this.bytes.length)
        this.fail(`zip: central directory entry ${i} runs past the end of the file`);
      const name = new TextDecoder().decode(this.bytes.subarray(o + 46, o + 46 + nameLen));
      // zip64 extra field: the 0xffffffff fields follow in order size, compressed size, offset
      let e = o + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 1) {
          let p = e + 4;
          if (size === 0xffffffff) (size = this.u64(p)), (p += 8);
          if (compressedSize === 0xffffffff) (compressedSize = this.u64(p)), (p += 8);
          if (headerOffset === 0xffffffff) headerOffset = this.u64(p);
        }
        e += 4 + len;
      }
      if (method !== 0 && method !== 8)
        this.fail(
          `zip: entry "${name}" uses compression method ${method}; supported: 0 (stored), 8 (deflate)`,
        );
      if (out.has(name)) this.fail(`zip: entry "${name}" appears twice`);
      out.set(name, { name, headerOffset, compressedSize, size, method });
      o += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  /** The uncompressed bytes of entry `name` (a view into the archive when stored). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) return this.fail(`zip: no entry "${name}"`);
    const h = e.headerOffset;
    if (this.u32(h) !== LOCAL) this.fail(`zip: entry "${name}" has a bad local header at byte ${h}`);
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    if (start + e.compressedSize > this.bytes.length)
      this.fail(`zip: entry "${name}" (${e.compressedSize} bytes at ${start}) runs past the end of the file`);
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    if (e.method === 0) {
      if (e.size !== e.compressedSize) this.fail(`zip: stored entry "${name}" has two different sizes`);
      return raw;
    }
    let out: Uint8Array;
    try {
      out = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      return this.fail(`zip: entry "${name}" does not inflate: ${(err as Error).message}`);
    }
    if (out.length !== e.size)
      this.fail(`zip: entry "${name}" inflates to ${out.length} bytes, the directory says ${e.size}`);
    return out;
  }
}
