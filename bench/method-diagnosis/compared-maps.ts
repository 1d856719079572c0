/**
 * The student-side map each distillation part compares with the teacher's: the student tap after the distiller's
 * adapter and the loss' own alignment (FGD/MGD/FSD `align`, CKD/confidence `aligns`, RDKD's top-down `fusion`), and
 * its scale against the teacher map. Reads the Distiller's per-part instances (a private field: this is a
 * diagnosis script, checked at run time).
 */
import type * as TF from "../../packages/detectors/node_modules/@tensorflow/tfjs-core";

type Tensor = TF.Tensor;
type Tensor4D = TF.Tensor4D;

type Apply = { apply(x: Tensor4D, ...rest: number[]): Tensor4D };
interface InstanceView {
  key: string;
  students: string[];
  teachers: string[];
  adapters: Apply[];
  loss: { align?: Apply | null; aligns?: Apply; fusion?: { fuse(xs: Tensor[]): Tensor4D[] } };
}

/** Scale of the compared maps of one part (one level). */
export interface MapScale {
  part: string;
  level: string;
  /** RMS of the student-side compared map / RMS of the teacher map. */
  rmsRatio: number;
  /** Mean over (image, channel) of the spatial std of the student-side map / the same of the teacher map. */
  spatialStdRatio: number;
  /** RMS of the teacher map. */
  teacherRms: number;
}

function instancesOf(distiller: object): InstanceView[] {
  const v = (distiller as { instances?: unknown }).instances;
  if (!Array.isArray(v) || v.some((i) => !Array.isArray((i as InstanceView).students)))
    throw new Error(
      "method-diagnosis: the Distiller's per-part instances are not readable; update compared-maps.ts",
    );
  return v as InstanceView[];
}

/** Scales of every part's compared maps for the student taps and teacher maps of one batch. */
export function comparedMapScales(
  tf: typeof TF,
  distiller: object,
  taps: Record<string, Tensor>,
  teacherMaps: Record<string, Tensor>,
): MapScale[] {
  const rms = (x: Tensor) => Math.sqrt(tf.mean(tf.square(x)).dataSync()[0]!);
  const spatialStd = (x: Tensor4D) => tf.mean(tf.sqrt(tf.moments(x, [1, 2]).variance)).dataSync()[0]!;
  const out: MapScale[] = [];
  tf.tidy(() => {
    for (const inst of instancesOf(distiller)) {
      const ss = inst.students.map((n, i) => {
        const s = taps[n] as Tensor4D;
        return inst.adapters[i] ? inst.adapters[i]!.apply(s) : s;
      });
      const L = ss.length;
      const compared = inst.loss.fusion
        ? inst.loss.fusion.fuse(ss)
        : ss.map((s, i) =>
            inst.loss.align
              ? inst.loss.align.apply(s)
              : inst.loss.aligns
                ? inst.loss.aligns.apply(s, i, L)
                : s,
          );
      compared.forEach((s, i) => {
        const t = teacherMaps[inst.teachers[i]!] as Tensor4D;
        out.push({
          part: inst.key,
          level: inst.students[i]!,
          rmsRatio: rms(s) / rms(t),
          spatialStdRatio: spatialStd(s) / spatialStd(t),
          teacherRms: rms(t),
        });
      });
    }
  });
  return out;
}
