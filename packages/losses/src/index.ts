/** @kdet/losses */
export const PACKAGE = "@kdet/losses";
