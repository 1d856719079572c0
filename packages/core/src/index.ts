/** @kdet/core */
export const PACKAGE = "@kdet/core";
