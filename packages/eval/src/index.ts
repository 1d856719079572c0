/** @kdet/eval */
export const PACKAGE = "@kdet/eval";
