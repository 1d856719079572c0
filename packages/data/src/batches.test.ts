import { describe, expect, it } from "vitest";
import { createBatchLoader, padTargets, stackImages } from "./batches";
import { unmapBoxes } from "./box-transform";
import { createDataset } from "./dataset";
import { DataError } from "./errors";
import { syntheticDataset } from "./synthetic";
import { boxesInside, maxDiff, firstDifference } from "./test-fixtures-geometry";
import type { Batch, Dataset } from "./types";

const base = syntheticDataset({ seed: 5, numImages: 22, size: 96 });
/** The synthetic dataset with a counter on image loads. */
function counted(ds: Dataset = base): { ds: Dataset; loads: () => number } {
  let n = 0;
  return {
    ds: {
      ...ds,
      loadImage: (i, o) => {
        n++;
        return ds.loadImage(i, o);
      },
    },
    loads: () => n,
  };
}
async function collect(it: AsyncGenerator<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe("batch loader", () => {
  it("yields fixed-size NHWC batches covering every image once per epoch; last batch smaller unless dropLast", async () => {
    const L = createBatchLoader(base, { batchSize: 8, size: 64, seed: 1 });
    expect(L.batchesPerEpoch).toBe(3);
    const bs = await collect(L.epoch(0));
    expect(bs.map((b) => b.batchSize)).toEqual([8, 8, 6]);
    for (const b of bs) {
      expect(b.images).toBeInstanceOf(Float32Array);
      expect(b.images.length).toBe(b.batchSize * 64 * 64 * 3);
      expect(Math.min(...b.images)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
      for (const it of b.items) expect(boxesInside(it.boxes, 64, 64)).toBe(true);
    }
    expect(bs.flatMap((b) => b.items.map((it) => it.index)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 22 }, (_, i) => i),
    );
    expect(Array.from(L.order(0))).toEqual(bs.flatMap((b) => b.items.map((it) => it.index)));
    const D = createBatchLoader(base, { batchSize: 8, size: 64, dropLast: true });
    expect((await collect(D.epoch(0))).map((b) => b.batchSize)).toEqual([8, 8]);
  });

  it("letterbox mode: transforms map batch boxes back to the records' boxes", async () => {
    const L = createBatchLoader(base, { batchSize: 5, size: 50, shuffle: false });
    for (const b of await collect(L.epoch(0))) {
      for (const it of b.items) {
        expect(maxDiff(unmapBoxes(it.boxes, it.transform!), base.records[it.index]!.boxes)).toBeLessThan(
          1e-3,
        );
        expect(Array.from(it.classes)).toEqual(Array.from(base.records[it.index]!.classes));
      }
    }
  });

  it("is deterministic for a seed, independent of prefetch depth and cache; epochs and seeds differ", async () => {
    const aug = { mosaic: 0.5 };
    const run = async (o: {
      prefetch: number;
      cache: boolean;
      seed?: number;
      epoch?: number;
    }): Promise<Batch[]> =>
      collect(
        createBatchLoader(base, {
          batchSize: 4,
          size: 48,
          augment: aug,
          seed: o.seed ?? 3,
          prefetch: o.prefetch,
          cache: o.cache,
          concurrency: o.prefetch + 1,
        }).epoch(o.epoch ?? 0),
      );
    const a = await run({ prefetch: 0, cache: false });
    const b = await run({ prefetch: 3, cache: true });
    expect(b.map((x) => x.items.map((i) => i.index))).toEqual(a.map((x) => x.items.map((i) => i.index)));
    b.forEach((x, k) => {
      expect(firstDifference(x.images, a[k]!.images)).toBe(-1);
      x.items.forEach((it, j) => expect(it.boxes).toEqual(a[k]!.items[j]!.boxes));
    });
    const e1 = await run({ prefetch: 1, cache: false, epoch: 1 });
    const s2 = await run({ prefetch: 1, cache: false, seed: 4 });
    expect(e1.flatMap((x) => x.items.map((i) => i.index))).not.toEqual(
      a.flatMap((x) => x.items.map((i) => i.index)),
    );
    expect(s2.flatMap((x) => x.items.map((i) => i.index))).not.toEqual(
      a.flatMap((x) => x.items.map((i) => i.index)),
    );
    expect(a.some((x) => x.items.some((i) => i.transform === null))).toBe(true); // some mosaics
    for (const x of a) for (const it of x.items) expect(boxesInside(it.boxes, 48, 48)).toBe(true);
  });

  it("prefetches the next batches while the current one is consumed", async () => {
    for (const prefetch of [0, 2]) {
      const { ds, loads } = counted();
      const L = createBatchLoader(ds, { batchSize: 4, size: 32, prefetch, concurrency: 4 });
      const it = L.epoch(0);
      await it.next();
      await new Promise((r) => setTimeout(r, 50)); // the consumer "trains" on batch 0
      expect(loads(), `prefetch ${prefetch}`).toBe(4 * (1 + prefetch));
      await it.return(undefined);
    }
  });

  it("caches decoded images across epochs", async () => {
    const { ds, loads } = counted();
    const L = createBatchLoader(ds, { batchSize: 6, size: 32, cache: true });
    await collect(L.epoch(0));
    expect(loads()).toBe(22);
    expect(L.cachedImages).toBe(22);
    await collect(L.epoch(1));
    expect(loads()).toBe(22);
    L.clearCache();
    expect(L.cachedImages).toBe(0);
  });

  it("propagates a decode failure as a DataError (no unhandled rejection) and validates options", async () => {
    const broken = createDataset({
      ...base,
      name: "broken",
      format: "synthetic",
      report: base.report,
      readImage: async (r) => {
        if (r.imageId === 7) throw new DataError({ op: "decode image", file: "seven.png" }, "broken");
        return base.loadImage(0, { maxSide: 32 });
      },
    });
    const L = createBatchLoader(broken, { batchSize: 4, size: 32, shuffle: false, prefetch: 3 });
    await expect(collect(L.epoch(0))).rejects.toThrow(/decode image: seven\.png: broken/);
    expect(() => createBatchLoader(base, { batchSize: 0, size: 32 })).toThrow(
      /batch loader: field "batchSize": invalid config/,
    );
    expect(() => createBatchLoader({ ...base, records: [] }, { batchSize: 2, size: 32 })).toThrow(
      /has no images/,
    );
  });

  it("uint8 output and padded targets", async () => {
    const L = createBatchLoader(base, { batchSize: 4, size: 32, output: "uint8", shuffle: false });
    const [b] = await collect(L.epoch(0));
    expect(b!.images).toBeInstanceOf(Uint8Array);
    const p = padTargets(b!);
    const counts = b!.items.map((it) => it.classes.length);
    expect(Array.from(p.counts)).toEqual(counts);
    expect(p.maxBoxes).toBe(Math.max(1, ...counts));
    b!.items.forEach((it, i) => {
      expect(Array.from(p.classes.subarray(i * p.maxBoxes, (i + 1) * p.maxBoxes))).toEqual([
        ...Array.from(it.classes),
        ...new Array(p.maxBoxes - counts[i]!).fill(-1),
      ]);
      expect(Array.from(p.boxes.subarray(i * p.maxBoxes * 4, i * p.maxBoxes * 4 + counts[i]! * 4))).toEqual(
        Array.from(it.boxes),
      );
    });
    if (Math.max(...counts) > 1)
      expect(() => padTargets(b!, 1)).toThrow(/pad targets.*more boxes than maxBoxes/);
    expect(
      Array.from(
        stackImages([{ data: Float32Array.from([0, 0.5, 1]), width: 1, height: 1, channels: 3 }], "uint8"),
      ),
    ).toEqual([0, 128, 255]);
  });
});
