#!/usr/bin/env node
import "./register-hook.mjs";

await import("../dist/bin.js");
