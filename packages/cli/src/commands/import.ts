/**
 * `kdet import --from ultralytics|mmdet [--model ID] CHECKPOINT --out DIR`: reads a PyTorch checkpoint
 * (the zip of `torch.save`, in TypeScript, no Python) with `@kdet/detectors` `importCheckpoint` and
 * writes a kdet weights folder (`model.json` + shards + `kdet.json`) that `kdet predict --weights`,
 * `kdet export --weights` and `teacher: {weights: DIR}` configs read.
 */
import { mkdir, readdir } from "node:fs/promises";
import { numberOption, optionsHelp, parseOptions, type OptionTable } from "../args";
import { startBackend } from "../backend";
import type { Command } from "../command";
import { CliError, UsageError } from "../errors";
import { writeModelMeta } from "../model-meta";

const OPTIONS = {
  from: {
    type: "string",
    arg: "TOOL",
    help: "who wrote the checkpoint: ultralytics (YOLOv8) or mmdet (RetinaNet, GFL, FCOS, YOLOX)",
  },
  model: {
    type: "string",
    short: "m",
    arg: "ID",
    help: "kdet model to fill (default: the one the checkpoint's shapes fit): yolov8-n|s|m; retina-, gfl-, fcos-r50|r18, yolox-n|s",
  },
  out: { type: "string", short: "o", arg: "DIR", help: "output weights folder (must not exist or be empty)" },
  classes: {
    type: "string",
    arg: "N",
    help: "class count of the kdet model (default: the checkpoint's); another count re-initialises the class layers",
  },
  size: {
    type: "string",
    arg: "N",
    help: "input size recorded in kdet.json for predict/export (default 640)",
  },
  "no-fold": {
    type: "boolean",
    help: "mmdet: keep the stem weights as trained on normalised (YOLOX: BGR 0-255) input (default: fold it in)",
  },
  seed: { type: "string", arg: "N", help: "seed of re-initialised class layers (default 0)" },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const USAGE = `Usage: kdet import --from ultralytics|mmdet [--model ID] CHECKPOINT --out DIR [--classes N]

Reads a PyTorch checkpoint (.pt/.pth written by torch.save; no Python needed) and writes a kdet
weights folder for kdet predict --weights DIR, kdet export --weights DIR and teacher: {weights: DIR}.
  --from ultralytics   YOLOv8 detection checkpoints (yolov8n.pt, best.pt, ...) -> yolov8-n|s|m
  --from mmdet         RetinaNet (retinanet_r50_fpn_*.pth) -> retina-r50|r18,
                       GFL (gfl_r50_fpn_*.pth) -> gfl-r50|r18, FCOS with norm_on_bbox
                       (fcos_r18_fpn_gn-head-center-normbbox-*.pth) -> fcos-r18|r50,
                       YOLOX (yolox_s_8xb8-300e_coco_*.pth, yolox_nano_*) -> yolox-s|n
Every kdet weight is filled exactly once and every checkpoint tensor is used or listed as ignored;
a different --classes keeps the checkpoint's features and re-initialises the class layers (as
ultralytics and mmdetection do when fine-tuning on a new dataset), with a warning. Configs load the
folder with model: {type: ID, weights: DIR} or teacher: {type: ID, weights: DIR}, at the dataset's
class count: import with --classes N for it (or give a feature-map teacher numClasses: 80).

Options:
${optionsHelp(OPTIONS)}`;

/** `kdet import`. */
export const importCommand: Command = {
  summary:
    "import a PyTorch checkpoint (ultralytics YOLOv8; mmdet RetinaNet, GFL, FCOS, YOLOX) as kdet weights",
  usage: USAGE,
  async run(argv, io) {
    const { values: o, positionals } = parseOptions(argv, OPTIONS, USAGE, [0, 1]);
    if (o.help) return (io.stdout(`${USAGE}\n`), 0);
    const ckpt = positionals[0];
    if (ckpt === undefined) throw new UsageError(`give the CHECKPOINT file (.pt/.pth)\n\n${USAGE}`);
    if (o.from !== "ultralytics" && o.from !== "mmdet")
      throw new UsageError(
        `--from: got ${JSON.stringify(o.from ?? null)}; allowed: ultralytics, mmdet\n\n${USAGE}`,
      );
    if (!o.out) throw new UsageError(`--out DIR is required\n\n${USAGE}`);
    const numClasses = numberOption("classes", o.classes, { int: true, min: 1, max: 10_000 });
    const size = numberOption("size", o.size, { int: true, min: 32, max: 4096 }) ?? 640;
    const seed = numberOption("seed", o.seed, { int: true }) ?? 0;
    await mkdir(o.out, { recursive: true });
    if ((await readdir(o.out)).length > 0)
      throw new CliError(`--out ${o.out}: the folder is not empty; allowed: a new or empty folder`);
    await startBackend(io, "auto");
    const api = await import("../detectors-api");
    const models = api.importableModels(o.from);
    if (o.model !== undefined && !(models as string[]).includes(o.model))
      throw new UsageError(`--model: got "${o.model}"; allowed for --from ${o.from}: ${models.join(", ")}`);
    let res: Awaited<ReturnType<typeof api.importCheckpoint>>;
    try {
      res = await api.importCheckpoint(ckpt, {
        from: o.from,
        model: o.model as (typeof models)[number] | undefined,
        numClasses,
        seed,
        foldInputNormalization: !o["no-fold"],
      });
    } catch (e) {
      throw new CliError(`import ${ckpt}: ${(e as Error).message}`);
    }
    const { detector, report } = res;
    try {
      const n = detector.numClasses;
      const names =
        res.classNames?.length === n ? res.classNames : Array.from({ length: n }, (_, k) => `class${k}`);
      const coco = names.length === 80 && names.every((c, i) => c === api.COCO_CLASS_NAMES[i]);
      await api.saveWeights(detector, o.out);
      await writeModelMeta(o.out, {
        classNames: names,
        categoryIds: coco ? [...api.COCO_CATEGORY_IDS] : names.map((_, k) => k + 1),
        imageSize: size,
        postprocess: res.postprocess,
      });
      for (const w of res.warnings) io.stderr(`warning: ${w}\n`);
      const ignored = new Map<string, number>();
      for (const i of report.ignored) ignored.set(i.reason, (ignored.get(i.reason) ?? 0) + 1);
      io.stdout(
        `imported ${ckpt} (${o.from}, ${res.source}, ${res.checkpointClasses} classes) -> ${o.out}: ${detector.spec?.id}, ` +
          `${n} classes, ${report.loaded.length} weights loaded, ${report.reinitialized.length} re-initialised, ` +
          `${report.ignored.length} checkpoint tensors ignored${[...ignored].map(([r, c]) => `\n  ignored ${c}: ${r}`).join("")}\n`,
      );
      return 0;
    } finally {
      detector.dispose();
    }
  },
};
