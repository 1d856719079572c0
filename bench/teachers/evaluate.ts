/** The body of bench/teachers/run.ts (see there). */
// The teachers' modules load tfjs-core's main entry before @kdet/core's deep imports.
import {
  TEACHERS,
  TEACHER_IDS,
  loadTeacher,
  type TeacherId,
} from "../../packages/detectors/src/teachers/registry";
import { initBackend } from "../../packages/core/src/index";
import {
  decodeImage,
  loadYolo,
  toCocoGt,
  toCocoResults,
  type ImageDetections,
} from "../../packages/data/src/index";
import { cocoEvaluate, loadGroundTruth, loadResults } from "../../packages/eval/src/index";
import { execSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface Row {
  id: TeacherId;
  resize: string;
  images: number;
  dets: number;
  ap: number;
  ap50: number;
  ap75: number;
  msPerImage: number;
  loadMs: number;
}

export async function main(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      limit: { type: "string" },
      only: { type: "string" },
      resize: { type: "string", default: "stretch" },
      write: { type: "boolean" },
    },
  });
  const root = path.join(
    process.env.KDET_DATA ?? path.join(import.meta.dirname, "..", "..", "..", "shared"),
    "datasets",
    "coco128",
  );
  const dataYaml = path.join(root, "data.yaml");
  if (!existsSync(dataYaml)) {
    console.log(`bench/teachers: ${dataYaml} not found; nothing to do`);
    return;
  }
  const info = await initBackend({ quiet: true });
  const full = await loadYolo({ dataYaml, split: "val" });
  const ds = args.limit ? { ...full, records: full.records.slice(0, Number(args.limit)) } : full;
  const gt = loadGroundTruth(toCocoGt(ds));
  const ids = (args.only ? args.only.split(",") : TEACHER_IDS) as TeacherId[];
  const loadBefore = execSync("uptime").toString().trim();
  const rows: Row[] = [];
  const modes = args.resize!.split(",") as ("stretch" | "letterbox")[];
  for (const id of ids)
    for (const resize of modes) {
      const t0 = performance.now();
      const teacher = await loadTeacher(id, { resize });
      const loadMs = performance.now() - t0;
      const dets: ImageDetections[] = [];
      let runMs = 0;
      for (const [index, r] of ds.records.entries()) {
        const image = await decodeImage(r.file);
        const t = performance.now();
        const { detections } = await teacher.run([image], { scores: false });
        runMs += performance.now() - t;
        const d = detections[0]!;
        dets.push({ index, boxes: d.boxes, scores: d.scores, classes: d.classes });
      }
      teacher.dispose();
      const results = toCocoResults(ds, dets);
      const e = cocoEvaluate(gt, loadResults(results, gt));
      const row: Row = {
        id,
        resize,
        images: ds.records.length,
        dets: results.length,
        ap: e.stats[0]!,
        ap50: e.stats[1]!,
        ap75: e.stats[2]!,
        msPerImage: runMs / ds.records.length,
        loadMs,
      };
      rows.push(row);
      console.log(
        `${id} (${resize}): AP ${row.ap.toFixed(3)}  AP50 ${row.ap50.toFixed(3)}  AP75 ${row.ap75.toFixed(3)}  ${row.msPerImage.toFixed(0)} ms/image  (${row.dets} dets, ${row.images} images, load ${loadMs.toFixed(0)} ms)`,
      );
    }
  const loadAfter = execSync("uptime").toString().trim();
  console.log(`backend: ${info.message}\nuptime before: ${loadBefore}\nuptime after:  ${loadAfter}`);
  if (args.write) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    writeFileSync(
      path.join(here, "RESULTS.md"),
      report(rows, info.backend, info.threads, args.resize!, ds.records.length, loadBefore, loadAfter),
    );
  }
}

function report(
  rows: Row[],
  backend: string,
  threads: number | null,
  resize: string,
  n: number,
  before: string,
  after: string,
): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    "# Pretrained teachers on coco128 val2017",
    "",
    `Command: \`pnpm exec tsx bench/teachers/run.ts --resize ${resize} --write\`. ${n} images of \`$KDET_DATA/datasets/coco128/images/val2017\`,`,
    "gt from the YOLO labels (`loadYolo` → `toCocoGt`: iscrowd 0, area = box area), scored with `@kdet/eval` `cocoEvaluate`",
    "(pycocotools-exact, maxDets 100). Detections: each teacher's registry defaults (centernet: score ≥ 0.01, top-100",
    "peaks, no NMS; nanodet: score ≥ 0.05, class-aware NMS IoU 0.6, top-100). ms/image = teacher.run (resize,",
    "graph call, decode), excluding JPEG decoding.",
    "",
    `Backend: ${backend}, ${threads ?? "-"} thread(s). Machine: 2 cores, shared with other jobs.`,
    `Load before: \`${before}\``,
    `Load after: \`${after}\``,
    "",
    "| teacher | resize | AP (stats[0]) | AP50 (stats[1]) | AP75 | ms/image | dets | documented AP / AP50 / ms (the model publishers: vladmandic/human model notes) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const d = TEACHERS[r.id].documented;
      return `| ${r.id} | ${r.resize} | ${f(r.ap)} | ${f(r.ap50)} | ${f(r.ap75)} | ${r.msPerImage.toFixed(0)} | ${r.dets} | ${d.ap} / ${d.ap50} / ≈${d.msPerImage} |`;
    }),
    "",
    "The documented numbers came from a simple COCO-style evaluator (101-point, no crowd/area handling, no 100-det",
    "cap); the numbers here are pycocotools-exact, so small differences are expected. `stretch` is the preprocessing",
    "the documented AP was measured with; `letterbox` keeps the aspect ratio (pad 114). ms/image depends strongly on",
    "the machine load (see the uptime lines; 2 cores shared with other jobs): the documented times are from a quieter",
    "machine.",
    "",
  ];
  return lines.join("\n");
}
