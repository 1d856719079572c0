/**
 * Dataset inspection: per-class counts, box sizes (COCO small/medium/large by box area: < 32², < 96², ≥ 96²
 * pixels), images without boxes, and the problems the loader reported — optionally after decoding every image.
 */
import { DataError } from "./errors";
import { mapLimit } from "./read-file";
import type { Dataset, ImageId } from "./types";

/** Edges (in √area pixels) of the box size histogram. */
export const SIZE_BIN_EDGES = [0, 8, 16, 32, 64, 96, 128, 256, Infinity] as const;

/** What `inspectDataset` finds. */
export interface Inspection {
  name: string;
  images: number;
  boxes: number;
  perClass: {
    index: number;
    name: string;
    categoryId: number;
    boxes: number;
    images: number;
    crowd: number;
    difficult: number;
    ignored: number;
  }[];
  /** COCO size ranges by box area (crowd boxes included). */
  sizes: { small: number; medium: number; large: number };
  /** Counts per `SIZE_BIN_EDGES` bin of √(w·h). */
  sizeHistogram: { from: number; to: number; count: number }[];
  /** Images without boxes among the labelled ones (unlabelled images have no boxes by definition). */
  imagesWithoutBoxes: { count: number; ids: ImageId[] };
  /** The two parts of a semi-supervised set (`SampleRecord.labelled`); unlabelled is 0 for a plain dataset. */
  parts: { labelled: number; unlabelled: number };
  /** Loader problems counted by kind and action. */
  problems: { kind: string; action: string; count: number }[];
  /** Images that failed to decode (only with `decode: true`). */
  decodeFailures: { imageId: ImageId; file: string; message: string }[];
}

/** Inspect a dataset; `decode: true` also decodes every image (finds truncated/corrupt files). */
export async function inspectDataset(
  ds: Dataset,
  options: { decode?: boolean; concurrency?: number } = {},
): Promise<Inspection> {
  const perClass = ds.classNames.map((name, index) => ({
    index,
    name,
    categoryId: ds.categoryIds[index]!,
    boxes: 0,
    images: 0,
    crowd: 0,
    difficult: 0,
    ignored: 0,
  }));
  const sizes = { small: 0, medium: 0, large: 0 };
  const hist = SIZE_BIN_EDGES.slice(0, -1).map((from, i) => ({ from, to: SIZE_BIN_EDGES[i + 1]!, count: 0 }));
  const empty: ImageId[] = [];
  let boxes = 0;
  let unlabelled = 0;
  for (const r of ds.records) {
    if (r.labelled === false) {
      unlabelled++;
      continue;
    }
    const n = r.classes.length;
    if (n === 0) empty.push(r.imageId);
    boxes += n;
    const seen = new Set<number>();
    for (let j = 0; j < n; j++) {
      const c = perClass[r.classes[j]!]!;
      c.boxes++;
      if (!seen.has(c.index)) {
        seen.add(c.index);
        c.images++;
      }
      c.crowd += r.iscrowd[j]!;
      c.difficult += r.difficult[j]!;
      c.ignored += r.ignore[j]!;
      const area = (r.boxes[j * 4 + 2]! - r.boxes[j * 4]!) * (r.boxes[j * 4 + 3]! - r.boxes[j * 4 + 1]!);
      if (area < 32 * 32) sizes.small++;
      else if (area < 96 * 96) sizes.medium++;
      else sizes.large++;
      const side = Math.sqrt(area);
      hist.find((b) => side >= b.from && side < b.to)!.count++;
    }
  }
  const byKind = new Map<string, { kind: string; action: string; count: number }>();
  for (const p of ds.report.problems) {
    const key = `${p.kind}\u0000${p.action}`;
    const e = byKind.get(key) ?? { kind: p.kind, action: p.action, count: 0 };
    e.count += p.action === "note" && typeof p.value === "number" ? p.value : 1;
    byKind.set(key, e);
  }
  const decodeFailures: Inspection["decodeFailures"] = [];
  if (options.decode) {
    await mapLimit(ds.records, options.concurrency ?? 4, async (r, i) => {
      try {
        await ds.loadImage(i);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        decodeFailures.push({ imageId: r.imageId, file: r.file, message: e.message });
      }
    });
  }
  return {
    name: ds.name,
    images: ds.records.length,
    boxes,
    perClass,
    sizes,
    sizeHistogram: hist,
    imagesWithoutBoxes: { count: empty.length, ids: empty },
    parts: { labelled: ds.records.length - unlabelled, unlabelled },
    problems: [...byKind.values()],
    decodeFailures,
  };
}

/** A markdown summary of an inspection. */
export function formatInspection(x: Inspection): string {
  const lines = [
    `## ${x.name}: ${x.images} images, ${x.boxes} boxes, ${x.imagesWithoutBoxes.count} images without boxes`,
    "",
    ...(x.parts.unlabelled
      ? [`Semi-supervised: ${x.parts.labelled} labelled images, ${x.parts.unlabelled} unlabelled images`, ""]
      : []),
    "| class | id | boxes | images | crowd | difficult | ignored |",
    "|---|---|---|---|---|---|---|",
    ...x.perClass.map(
      (c) =>
        `| ${c.name} | ${c.categoryId} | ${c.boxes} | ${c.images} | ${c.crowd} | ${c.difficult} | ${c.ignored} |`,
    ),
    "",
    `COCO sizes: small ${x.sizes.small}, medium ${x.sizes.medium}, large ${x.sizes.large}`,
    "",
    "| √area px | boxes |",
    "|---|---|",
    ...x.sizeHistogram.map((b) => `| ${b.from}–${b.to === Infinity ? "∞" : b.to} | ${b.count} |`),
  ];
  if (x.problems.length)
    lines.push(
      "",
      "| problem | action | count |",
      "|---|---|---|",
      ...x.problems.map((p) => `| ${p.kind} | ${p.action} | ${p.count} |`),
    );
  if (x.decodeFailures.length)
    lines.push("", "Decode failures:", ...x.decodeFailures.map((f) => `- ${f.file}: ${f.message}`));
  return lines.join("\n");
}
