#!/usr/bin/env node
import { mainAsync } from "./cli";

mainAsync(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}).then((code) => {
  process.exitCode = code;
});
