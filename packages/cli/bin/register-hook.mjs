// Registers the tfjs ESM resolution hook (see tfjs-esm-hook.mjs); `node --import` it before running kdet from sources.
import { register } from "node:module";

register("./tfjs-esm-hook.mjs", import.meta.url);
