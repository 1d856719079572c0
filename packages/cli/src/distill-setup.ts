/** The distillation path handed to the detectors' Trainer: a frozen teacher and the distiller. */
import type { Distiller } from "@kdet/losses";
import type { Detector } from "./detectors-api";

/** Teacher (inference mode, never updated) and the distiller composing the terms. */
export interface DistillSetup {
  teacher: Detector;
  distiller: Distiller;
}
