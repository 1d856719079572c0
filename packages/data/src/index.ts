/** @kdet/data */
export const PACKAGE = "@kdet/data";
