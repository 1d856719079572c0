/**
 * Sample predictions for the report: the first images of the evaluated split, upscaled so small
 * images are visible, with the ground truth and each model's detections (score ≥ 0.3) drawn — lines
 * 2 px and labels about 8 px high as displayed (the page shows a cell at most 320 px wide).
 */
import { encodePng, type Dataset, type ImageDetections } from "@kdet/data";
import { drawBoxes, upscale } from "./draw-boxes";
import type { ReportSample } from "./report-html";

/** Detections below this score are not drawn. */
export const SAMPLE_MIN_SCORE = 0.3;

/** Keeps the detections of one image with score ≥ `min`. */
export function confident(d: ImageDetections, min = SAMPLE_MIN_SCORE): ImageDetections {
  const keep: number[] = [];
  for (let j = 0; j < d.scores.length; j++) if (d.scores[j]! >= min) keep.push(j);
  return {
    index: d.index,
    boxes: Float32Array.from(keep.flatMap((j) => Array.from(d.boxes.subarray(4 * j, 4 * j + 4)))),
    scores: Float32Array.from(keep.map((j) => d.scores[j]!)),
    classes: Int32Array.from(keep.map((j) => d.classes[j]!)),
  };
}

/** Sample rows: record `i` of `ds` for i < count, one column of ground truth and one per model. */
export async function buildSamples(
  ds: Dataset,
  models: ReadonlyArray<{ label: string; detections: readonly ImageDetections[] }>,
  count: number,
): Promise<ReportSample[]> {
  const out: ReportSample[] = [];
  for (let i = 0; i < Math.min(count, ds.records.length); i++) {
    const rec = ds.records[i]!;
    const img = await ds.loadImage(i);
    const factor = Math.max(1, Math.floor(192 / Math.max(img.width, img.height)));
    const show = Math.min(1, 320 / (Math.max(img.width, img.height) * factor));
    const names = { names: ds.classNames, textScale: Math.max(1, Math.round(1.2 / show)) };
    const cell = async (label: string, draw: Parameters<typeof drawBoxes>[1]) => {
      const canvas = upscale(img, factor);
      drawBoxes(canvas, draw, factor, Math.max(1, Math.round(2 / show)), names);
      return {
        label,
        png: await encodePng({ data: canvas.data, width: canvas.width, height: canvas.height, channels: 3 }),
        width: Math.round(canvas.width * show),
        height: Math.round(canvas.height * show),
      };
    };
    const cells = [await cell("ground truth", { boxes: rec.boxes, classes: rec.classes })];
    const drawn = new Set<number>(rec.classes);
    for (const m of models) {
      const d = m.detections.find((x) => x.index === i);
      const shown = d ? confident(d) : { boxes: [], classes: [] };
      for (const k of Array.from(shown.classes)) drawn.add(k);
      cells.push(await cell(m.label, shown));
    }
    const classes = [...drawn]
      .sort((a, b) => a - b)
      .map((k) => ({ name: ds.classNames[k] ?? `class ${k}`, index: k }));
    out.push({ title: String(rec.imageId), cells, classes });
  }
  return out;
}
