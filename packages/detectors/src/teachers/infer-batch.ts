/**
 * Running any {@link Teacher} on a loaded batch when no student input tensor is at hand (cache building,
 * inspection, benchmarks): makes the 0..1 NHWC tensor of the batch, calls `infer`, frees the tensor.
 */
import { batchImages } from "../train/batch-tensors";
import type { Teacher, TeacherBatch, TeacherRequest, TeacherResult } from "./teacher";

/** `teacher.infer` on `batch` (its pixels as the student sees them); the caller owns the returned tensors. */
export async function inferBatch(
  teacher: Teacher,
  batch: TeacherBatch["batch"],
  request: TeacherRequest,
): Promise<TeacherResult> {
  const images = batchImages(batch);
  try {
    return await teacher.infer({ batch, images }, request);
  } finally {
    images.dispose();
  }
}
