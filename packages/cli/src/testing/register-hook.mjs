// Registers the tfjs ESM resolution hook (see tfjs-esm-hook.mjs); `node --import` it before running kdet from
// sources under tsx (development only: the published @kdet/core bundles tfjs-core's registrations and needs no hook).
import { register } from "node:module";

register("./tfjs-esm-hook.mjs", import.meta.url);
