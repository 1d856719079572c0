/** Minimal typings for the two pure-JS decoders that ship without types (only what kdet calls). */
declare module "pngjs" {
  export interface PNGReadResult {
    width: number;
    height: number;
    depth: number;
    /** Always 4 channels; `Uint16Array` for 16-bit images read with `skipRescale`. */
    data: Buffer | Uint16Array;
  }
  export interface PNGWriteOptions {
    width: number;
    height: number;
    colorType?: number;
    inputColorType?: number;
    inputHasAlpha?: boolean;
    bitDepth?: 8 | 16;
  }
  export const PNG: {
    sync: {
      read(buffer: Buffer, options?: { skipRescale?: boolean }): PNGReadResult;
      write(
        png: { width: number; height: number; data: Buffer | Uint8Array },
        options?: Partial<PNGWriteOptions>,
      ): Buffer;
    };
  };
}

declare module "utif" {
  export interface IFD {
    width: number;
    height: number;
    data: Uint8Array;
    [tag: string]: unknown;
  }
  const UTIF: {
    decode(buffer: ArrayBuffer | Uint8Array): IFD[];
    decodeImage(buffer: ArrayBuffer | Uint8Array, ifd: IFD): void;
    toRGBA8(ifd: IFD): Uint8Array;
  };
  export default UTIF;
}
