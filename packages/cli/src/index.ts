/** @kdet/cli */
export const PACKAGE = "@kdet/cli";
