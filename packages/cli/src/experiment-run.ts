/**
 * Runs one experiment (`kdet train` / `kdet distill`) in its run folder: loads the data, gets the
 * teacher (from `weights`, trained first in `teacher/`, or a pretrained COCO-80 teacher; its maps read
 * from `teacher.cache` when given), trains the student (distilled when
 * terms are configured), evaluates it on the report split (`eval/`), measures its cost and writes
 * report.html. Every stage resumes from its folder when re-run.
 */
import path from "node:path";
import type { Dataset } from "@kdet/data";
import type { CliIo } from "./cli-io";
import type { Experiment, ModelSection } from "./config-schema";
import { evalLoader, evalSplitName, loadSplits, trainLoader, type Splits } from "./datasets";
import { isPretrained } from "./config-schema";
import {
  type Detector,
  detectorTeacher,
  type DistillSetup,
  modelCost,
  type ModelCost,
  type PostprocessOptions,
  type Teacher,
  type Validator,
} from "./detectors-api";
import { cocoValidator } from "./coco-validator";
import { buildDistiller } from "./distiller-build";
import { evaluateToFiles, type SplitEvaluation } from "./evaluate-split";
import { readMetricsLog } from "./metrics-log";
import type { ModelMeta } from "./model-meta";
import { buildModel, loadModelFolder, loadPretrained, openRunCache } from "./models";
import { predictSplit } from "./predict-split";
import { Progress } from "./progress";
import { renderReport, resultsMarkdown, type ReportEntry, type ReportRow } from "./report-html";
import { buildSamples } from "./report-samples";
import { CliError } from "./errors";
import { RUN_FILES, writeRunFile } from "./run-folder";
import { runTrainStage } from "./train-stage";

/** One evaluated model of a run. */
export interface EvaluatedModel {
  label: string;
  model: string;
  evaluation: SplitEvaluation;
  cost: ModelCost;
  detections: Awaited<ReturnType<typeof predictSplit>>["detections"];
}

/** What a finished run reports. */
export interface RunResult {
  dir: string;
  student: EvaluatedModel;
  teacher?: EvaluatedModel;
  table: string;
}

/** The post-processing options of the experiment. */
export function postprocessOf(
  exp: Experiment,
): Required<Pick<PostprocessOptions, "scoreThreshold" | "iouThreshold" | "maxDetections">> {
  return {
    scoreThreshold: exp.eval.scoreThreshold,
    iouThreshold: exp.eval.iouThreshold,
    maxDetections: exp.eval.maxDetections,
  };
}

/** What is saved beside trained weights (`kdet.json`): classes of the training split, input size, post-processing. */
export function metaOf(exp: Experiment, train: Dataset): Omit<ModelMeta, "format"> {
  return {
    classNames: train.classNames,
    categoryIds: train.categoryIds,
    imageSize: exp.data.imageSize,
    postprocess: postprocessOf(exp),
  };
}

/** Evaluates `model` on `ds` into `dir` (gt.json, results.json, metrics.json) and measures its cost. */
export async function evaluateModel(
  label: string,
  section: ModelSection,
  model: Detector,
  ds: Dataset,
  split: string,
  exp: Experiment,
  dir: string,
  io: CliIo,
): Promise<EvaluatedModel> {
  const loader = evalLoader(ds, exp.data);
  const bar = new Progress(io, {
    label: `evaluate ${label} on ${split}`,
    total: loader.batchesPerEpoch,
    unit: "img",
    perTick: exp.data.batchSize,
  });
  const { detections } = await predictSplit(model, loader, postprocessOf(exp), bar);
  const evaluation = await evaluateToFiles(dir, ds, detections, split);
  bar.finish(`mAP ${(100 * evaluation.mAP).toFixed(1)} AP50 ${(100 * evaluation.AP50).toFixed(1)}`);
  const cost = await modelCost(model, exp.data.imageSize, postprocessOf(exp));
  return { label, model: section.type, evaluation, cost, detections };
}

/** The trainer's validation (COCO metrics on the val split, when configured). */
export function validationOf(splits: Splits, exp: Experiment): Validator | undefined {
  return splits.val ? cocoValidator(splits.val, evalLoader(splits.val, exp.data)) : undefined;
}

/** The results rows of evaluated models; gains are relative to `baseline` (mAP points). */
export function resultRows(
  models: readonly EvaluatedModel[],
  baseline?: EvaluatedModel,
  students: readonly EvaluatedModel[] = [],
): ReportRow[] {
  return models.map((m) => ({
    label: m.label,
    model: m.model,
    params: m.cost.params,
    gflops: m.cost.gflops,
    msPerImage: m.cost.msPerImage,
    mAP: m.evaluation.mAP,
    AP50: m.evaluation.AP50,
    gain: baseline && students.includes(m) ? 100 * (m.evaluation.mAP - baseline.evaluation.mAP) : null,
  }));
}

/** Runs `exp` in `dir` (created by the caller, config.yaml already written). */
export async function runExperiment(
  exp: Experiment,
  dir: string,
  io: CliIo,
  opts: { configText?: string; notes?: string[]; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const t0 = performance.now();
  const splits = await loadSplits(exp.data);
  const numClasses = splits.train.classNames.length;
  const train = trainLoader(splits.train, exp.data);
  const val = validationOf(splits, exp);
  const splitName = evalSplitName(exp, splits);
  const evalDs = splits[splitName]!;
  const post = postprocessOf(exp);
  const meta = metaOf(exp, splits.train);
  const disposers: Array<{ dispose(): void }> = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    const teacherDir = path.join(dir, "teacher");
    const t = exp.teacher;
    // the kind of teacher is decided here, once: a registry detector (trained first, or from weights) or a
    // pretrained model; from then on only the Teacher interface is used (the detector is kept for its evaluation)
    let teacher: Teacher | undefined;
    // a registry teacher is evaluated on the dataset at the end; a pretrained one predicts COCO-80 and is not
    let evaluated: { detector: Detector; section: ModelSection } | undefined;
    const teacherNote: string[] = [];
    if (t) {
      if (isPretrained(t)) {
        teacher = await loadPretrained(t.pretrained, "teacher.pretrained");
        teacherNote.push(
          `teacher: pretrained ${t.pretrained} (COCO-80${t.cache ? `, maps from the cache ${t.cache}` : ""}); not evaluated on this dataset's classes`,
        );
      } else {
        const det = t.weights
          ? await loadModelFolder(t.weights, "teacher.weights")
          : await buildModel(t, numClasses, "teacher");
        if (t.weights && det.spec && det.spec.id !== t.type) {
          det.dispose();
          throw new CliError(
            `teacher.type: got "${t.type}" but ${t.weights} holds a ${det.spec.id}; allowed: "${det.spec.id}" (or other weights)`,
          );
        }
        if (!t.weights)
          await runTrainStage({
            dir: teacherDir,
            label: `teacher ${t.type}`,
            model: det,
            config: t.train!,
            data: train,
            batchSize: exp.data.batchSize,
            val,
            postprocess: post,
            meta,
            io,
            signal: opts.signal,
          }).catch((e: unknown) => {
            det.dispose();
            throw e;
          });
        // a teacher trained on other classes (e.g. on another dataset) lends its maps but is not scored on these
        if (det.head.numClasses === numClasses) evaluated = { detector: det, section: t };
        else
          teacherNote.push(
            `teacher: ${t.weights} predicts ${det.head.numClasses} classes, the dataset has ${numClasses}; its maps are used, it is not evaluated on this dataset`,
          );
        teacher = detectorTeacher(det, { postprocess: post });
        if (t.cache) teacherNote.push(`teacher maps from the cache ${t.cache}`);
      }
      disposers.push(teacher);
    }
    const student = await buildModel(exp.model, numClasses, "model");
    disposers.push(student);
    let distill: DistillSetup | undefined;
    if (teacher && t && exp.distill.length) {
      const distiller = buildDistiller(
        exp.distill,
        student,
        teacher,
        exp.model.seed as number,
        exp.data.imageSize,
      );
      disposers.push(distiller);
      let source: Teacher = teacher;
      if (t.cache) {
        const cache = await openRunCache(
          t.cache,
          teacher,
          distiller.requiredFeatures.teacher,
          splits.train,
          exp.data.imageSize,
        );
        closers.push(() => cache.dispose());
        source = cache;
      }
      distill = { teacher: source, distiller };
    }
    const label = `${distill ? "distilled " : ""}${exp.model.type}`;
    await runTrainStage({
      dir,
      label,
      model: student,
      config: exp.train,
      data: train,
      batchSize: exp.data.batchSize,
      val,
      distill,
      postprocess: post,
      meta,
      io,
      signal: opts.signal,
    });

    const studentEval = await evaluateModel(
      label,
      exp.model,
      student,
      evalDs,
      splitName,
      exp,
      path.join(dir, RUN_FILES.evaluation),
      io,
    );
    const teacherEval = evaluated
      ? await evaluateModel(
          `teacher ${evaluated.section.type}`,
          evaluated.section,
          evaluated.detector,
          evalDs,
          splitName,
          exp,
          path.join(teacherDir, RUN_FILES.evaluation),
          io,
        )
      : undefined;
    const models = teacherEval ? [teacherEval, studentEval] : [studentEval];
    const rows = resultRows(models);
    const entries: ReportEntry[] = [];
    if (teacherEval)
      entries.push({
        label: teacherEval.label,
        colour: "#7f7f7f",
        log: readMetricsLog(path.join(teacherDir, RUN_FILES.metrics)),
        evaluation: teacherEval.evaluation,
      });
    entries.push({
      label: studentEval.label,
      colour: "#d62728",
      log: readMetricsLog(path.join(dir, RUN_FILES.metrics)),
      evaluation: studentEval.evaluation,
    });
    const samples = await buildSamples(
      evalDs,
      models.map((m) => ({ label: m.label, detections: m.detections })),
      exp.output.samples,
    );
    const minutes = (performance.now() - t0) / 60000;
    const html = renderReport({
      title: `kdet run ${path.basename(dir)}`,
      notes: [
        ...(opts.notes ?? []),
        ...teacherNote,
        `evaluated on the ${splitName} split (${evalDs.records.length} images) with the final weights; ${minutes.toFixed(1)} min`,
      ],
      rows,
      entries,
      samples,
      config: opts.configText,
    });
    await writeRunFile(path.join(dir, RUN_FILES.report), html);
    return { dir, student: studentEval, teacher: teacherEval, table: resultsMarkdown(rows) };
  } finally {
    for (const c of closers) await c();
    for (const d of disposers.reverse()) d.dispose();
  }
}
