/** @kdet/detectors */
export const PACKAGE = "@kdet/detectors";
