#!/usr/bin/env node
import { register } from "node:module";

register("./tfjs-esm-hook.mjs", import.meta.url);
await import("../dist/bin.js");
