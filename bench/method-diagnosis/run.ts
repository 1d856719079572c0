/**
 * bench/method-diagnosis: why a distillation method does or does not lift the student. For a trained teacher and a
 * student (at its initial weights, or trained weights), on a few batches of the demo's synthetic training split, per
 * method preset (as `kdet demo` / `kdet zoo` build them) and per tapped level: every loss part's value and its ratio
 * to the detection loss; the gradient norm the distillation terms and the detection loss send into the student's
 * tapped maps and into its parameters (and the global norm the trainer clips at 10); the mask coverage of the masked
 * methods; the scale of the map each part compares against the teacher's. Medians over the batches.
 *
 *   pnpm exec tsx bench/method-diagnosis/run.ts --teacher RUN/teacher/weights [--student RUN/baseline-s1/weights]
 *       [--size 64] [--methods cwd,fgd,mgd,fsd,rdkd,ckd] [--batches 4] [--seed 1] [--json out.json]
 *       [--voc ROOT [--split train]] [--coco DIR] [--student-type yolov8-n] [--levels p3,p4,p5]
 *
 * Data: the demo's synthetic options (objects 10–40 px at 64 px, scaled with --size), train split seed 1, letterboxed,
 * not augmented; batch 16. With `--voc ROOT`: the first batches × batch-size images of that PASCAL VOC split
 * (`ImageSets/Main/<split>.txt`, loaded by `@kdet/data`'s VOC loader as `kdet zoo` loads it), letterboxed to --size,
 * not augmented. With `--coco DIR`: the first images of a COCO split folder (`DIR/annotations.json`, `DIR/images`;
 * e.g. a `kdet zoo` sweep's generated `data/train`), letterboxed to --size, not augmented. The student is
 * `--student-type` (default YOLOv8-n; BatchNorm momentum 0.1, as the demo) in training mode; with `--student` and no
 * `--student-type`, the detector its weights folder describes (e.g. a Faster R-CNN with its proposal settings).
 * `--levels`: the neck levels each method distils and the tables list (default p3,p4,p5; a Faster R-CNN's FPN has
 * p2–p6). The teacher-confidence row needs a teacher with `head.cls.<level>` maps (the YOLO heads).
 */
import { createRequire, register } from "node:module";
import { writeFileSync } from "node:fs";
import os from "node:os";

register("../../packages/cli/src/testing/tfjs-esm-hook.mjs", import.meta.url);

type TF = typeof import("../../packages/detectors/node_modules/@tensorflow/tfjs-core");
const tf = createRequire(new URL("../../packages/detectors/package.json", import.meta.url))(
  "@tensorflow/tfjs-core",
) as TF;
const { featureInfo, initBackend } = await import("@kdet/core");
const { createBatchLoader, loadDataset, syntheticDataset, SYNTHETIC_CLASS_NAMES } = await import(
  "@kdet/data"
);
const { batchImages, createDetector, detectorTeacher, inferBatch, loadDetector, loadWeights } = await import(
  "@kdet/detectors"
);
const { DEMO_PRESETS } = await import("../../packages/cli/src/demo");
const { buildDistiller } = await import("../../packages/cli/src/distiller-build");
const { probeDistillStep } = await import("../../packages/detectors/src/train/distill-probe");
const { maskCoverage, MASK_FAMILIES } = await import(
  "../../packages/detectors/src/train/distill-mask-coverage"
);
const { comparedMapScales } = await import("./compared-maps");
type DistillProbe = import("../../packages/detectors/src/train/distill-probe").DistillProbe;
type MapScale = import("./compared-maps").MapScale;

const args = process.argv.slice(2);
const arg = (n: string, d?: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const teacherDir = arg("--teacher");
if (!teacherDir)
  throw new Error("method-diagnosis: --teacher DIR (a trained teacher's weights folder) is required");
const studentDir = arg("--student");
const size = Number(arg("--size", "64"));
const methods = arg("--methods", "cwd,fgd,mgd,fsd,rdkd,ckd")!.split(",");
const batches = Number(arg("--batches", "4"));
const batchSize = Number(arg("--batch-size", "16"));
const seed = Number(arg("--seed", "1"));
const jsonOut = arg("--json");
const vocRoot = arg("--voc");
const split = arg("--split", "train")!;
const cocoDir = arg("--coco");
const studentType = arg("--student-type", "yolov8-n")!;
const levelsArg = arg("--levels");
const LEVELS = (levelsArg ?? "p3,p4,p5").split(",");

await initBackend({ quiet: true });
const load0 = os.loadavg();
const t0 = performance.now();
const demo = DEMO_PRESETS.default;
const k = size / demo.imageSize;
const ds = vocRoot
  ? await loadDataset({ type: "voc", root: vocRoot, split })
  : cocoDir
    ? await loadDataset({
        type: "coco",
        annotationFile: `${cocoDir}/annotations.json`,
        imageDir: `${cocoDir}/images`,
      })
    : syntheticDataset({
        ...demo.synthetic,
        minObjectSize: demo.synthetic.minObjectSize * k,
        maxObjectSize: demo.synthetic.maxObjectSize * k,
        seed: demo.splits.train.seed,
        numImages: batches * batchSize,
        size,
      });
const loader = createBatchLoader(ds, { batchSize, size, shuffle: false, prefetch: 0 });
const data = [];
for await (const b of loader.epoch(0)) {
  data.push(b);
  if (data.length >= batches) break;
}

const teacherDet = (await loadDetector(teacherDir)).train(false);
const teacher = detectorTeacher(teacherDet);
const K = vocRoot || cocoDir ? ds.classNames.length : SYNTHETIC_CLASS_NAMES.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f = (x: number, d = 3) =>
  !Number.isFinite(x)
    ? String(x)
    : x === 0
      ? "0"
      : Math.abs(x) >= 0.01 && Math.abs(x) < 1e4
        ? x.toFixed(d)
        : x.toExponential(1);

const typed = args.includes("--student-type");
const student =
  studentDir && !typed
    ? await loadDetector(studentDir)
    : createDetector(studentType as "yolov8-n", { numClasses: K, seed, bnMomentum: 0.1 });
if (studentDir && typed) await loadWeights(student, studentDir);
const studentMaps = featureInfo(student);
const grid = LEVELS.map((l) => {
  const stride = studentMaps[`neck.${l}`]!.stride;
  return { name: l, h: Math.ceil(size / stride), w: Math.ceil(size / stride), stride };
});
const hasCls = LEVELS.every((l) => `head.cls.${l}` in teacher.maps);

// mask coverage (data only) and the teacher's confident cells (the confidence method's selection, threshold 0.3)
const coverage = data.map((b) =>
  maskCoverage(
    b.items.map((it) => it.boxes),
    [b.height, b.width],
    grid,
  ),
);
const confident = await Promise.all(
  (hasCls ? data : []).map(async (b) => {
    const { maps } = await inferBatch(teacher, b, { maps: LEVELS.map((l) => `head.cls.${l}`) });
    const r = LEVELS.map((l) =>
      tf.tidy(
        () =>
          tf
            .mean(tf.cast(tf.greaterEqual(tf.max(tf.sigmoid(maps[`head.cls.${l}`]!), 3), 0.3), "float32"))
            .dataSync()[0]!,
      ),
    );
    tf.dispose(Object.values(maps));
    return r;
  }),
);
const lines: string[] = [];
const out = (s = "") => (lines.push(s), console.log(s));
out(
  `## ${size} px, student ${studentDir ? `trained (${studentDir.split("/").slice(-2).join("/")})` : `at init (seed ${seed})`}`,
);
out();
out(
  `Mask coverage per level (${LEVELS.map((l) => l.toUpperCase()).join("/")} = ${grid.map((g) => `${g.h}×${g.w}`).join(", ")}): mean fraction of cells marked foreground; in brackets the fraction of images whose foreground fills the level (no background left).`,
);
out();
out(`| mask | ${LEVELS.map((l) => l.toUpperCase()).join(" | ")} |`);
out(`| --- |${" ---: |".repeat(LEVELS.length)}`);
const covLabel = {
  fgd: "FGD fill (= RDKD box mask)",
  fsd: "FSD fill + Gaussian halo",
  defeat: "DeFeat / per-size level (CKD's level)",
};
for (const fam of MASK_FAMILIES) {
  const fg = LEVELS.map((_, l) => median(coverage.map((c) => c[fam].foreground[l]!)));
  const full = LEVELS.map((_, l) => median(coverage.map((c) => c[fam].full[l]!)));
  out(`| ${covLabel[fam]} | ${fg.map((v, l) => `${f(v, 2)} (${f(full[l]!, 2)})`).join(" | ")} |`);
}
if (hasCls)
  out(
    `| teacher confidence ≥ 0.3 (confidence method) | ${LEVELS.map((_, l) => f(median(confident.map((c) => c[l]!)), 3)).join(" | ")} |`,
  );
out();

const json: Record<string, unknown> = {
  size,
  student: studentDir ?? `init seed ${seed}`,
  coverage,
  confident,
};
const rows: string[] = [];
const levelRows: string[] = [];
const scaleRows: string[] = [];
for (const method of methods) {
  const term = levelsArg ? { method, levels: LEVELS } : { method };
  const distiller = buildDistiller([term as never], student, teacher, seed, size);
  const probes: DistillProbe[] = [];
  const scales: MapScale[][] = [];
  for (const b of data) {
    const { maps } = await inferBatch(teacher, b, { maps: distiller.requiredFeatures.teacher });
    student.train(true);
    probes.push(probeDistillStep({ model: student, distiller, batch: b, teacherMaps: maps, seed }));
    tf.tidy(() => {
      const { taps } = student.forwardWithTaps(batchImages(b), distiller.requiredFeatures.student);
      scales.push(comparedMapScales(tf, distiller, taps, maps));
    });
    tf.dispose(Object.values(maps));
  }
  const med = (g: (p: (typeof probes)[number]) => number) => median(probes.map(g));
  const det = med((p) => p.detection);
  const dis = med((p) => p.distillation);
  const gDet = med((p) => p.params!.detection);
  const gDis = med((p) => p.params!.distillation);
  const gTot = med((p) => p.params!.total);
  rows.push(
    `| ${method} | ${f(det)} | ${f(dis)} | ${f(dis / det)} | ${f(gDet)} | ${f(gDis)} | ${f(gDis / gDet)} | ${f(gTot)} | ${f(Math.min(1, 10 / gTot), 2)} |`,
  );
  for (const [li, l] of LEVELS.entries()) {
    const tap = `neck.${l}`;
    const parts = probes[0]!.leaves.filter(
      (p) => p.split("/")[1] === l || (!LEVELS.some((x) => p.includes(`/${x}`)) && li === 0),
    );
    const partText = parts
      .map(
        (p) =>
          `${p.split("/").slice(2).join("/") || p} ${f(med((x) => x.parts[p]!))} (${f(med((x) => x.parts[p]! / x.detection))}) ∇${f(med((x) => x.taps![tap]?.parts[p] ?? NaN))}`,
      )
      .join("; ");
    const tDet = med((p) => p.taps![tap]?.detection ?? NaN);
    const tDis = med((p) => p.taps![tap]?.distillation ?? NaN);
    levelRows.push(
      `| ${method} | ${l.toUpperCase()} | ${partText || "—"} | ${f(tDet)} | ${f(tDis)} | ${f(tDis / tDet)} |`,
    );
  }
  for (const s of scales[0]!) {
    const same = scales.map((b) => b.find((x) => x.part === s.part && x.level === s.level)!);
    scaleRows.push(
      `| ${method} | ${s.part} | ${s.level} | ${f(median(same.map((x) => x.rmsRatio)))} | ${f(median(same.map((x) => x.spatialStdRatio)))} | ${f(median(same.map((x) => x.teacherRms)))} |`,
    );
  }
  json[method] = { probes, scales };
  // progress: this method's rows now (the full tables follow at the end)
  console.error(
    [
      rows.at(-1),
      ...levelRows.slice(-LEVELS.length),
      ...scaleRows.filter((r) => r.startsWith(`| ${method} |`)),
    ].join("\n"),
  );
  distiller.dispose();
}
out(
  "Totals (medians over the batches): losses as weighted in the term; gradient norms over the student's parameters; global = ‖∂(detection + distillation)/∂(student, distiller variables)‖, which the trainer clips to 10 (clip factor = min(1, 10 / global)).",
);
out();
out(
  "| method | detection loss | distillation loss | ratio | ‖∂det/∂θ‖ | ‖∂dist/∂θ‖ | ratio | global norm | clip factor |",
);
out("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
rows.forEach((r) => out(r));
out();
out(
  "Per level: each distillation part's value (in brackets: / detection loss; ∇: its gradient norm into this level's neck map); gradient norms of the detection loss and of all distillation terms into the map.",
);
out();
out("| method | level | parts: value (/ detection) | ‖∂det/∂map‖ | ‖∂dist/∂map‖ | ratio |");
out("| --- | --- | --- | ---: | ---: | ---: |");
levelRows.forEach((r) => out(r));
out();
out(
  "Scale of the map each part compares (student side after adapter / align / fusion) against the teacher map.",
);
out();
out("| method | part | student map | RMS ratio | spatial-std ratio | teacher RMS |");
out("| --- | --- | --- | ---: | ---: | ---: |");
scaleRows.forEach((r) => out(r));
out();
const load1 = os.loadavg();
out(
  `${batches} batches of ${batchSize}; ${((performance.now() - t0) / 1000).toFixed(0)} s; load ${load0.map((l) => l.toFixed(1)).join("/")} → ${load1.map((l) => l.toFixed(1)).join("/")}`,
);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ ...json, table: lines.join("\n") }, null, 1)}\n`);
student.dispose();
teacherDet.dispose();
