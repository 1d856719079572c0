import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { beforeAll, expect, it } from "vitest";
import * as detectors from "../index";
import { loadDetector } from "../io/tfjs-weights";
import { useTestBackend } from "../testing/backend";
import { FIXTURES } from "./test-fixtures";

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "README.md");
const MARKER = "<!-- example: import-checkpoint";

beforeAll(useTestBackend);

it("the README's importCheckpoint example runs on the ultralytics fixture and writes a loadable weights folder", async () => {
  const text = readFileSync(README, "utf8");
  const at = text.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? "";
  const dir = mkdtempSync(path.join(os.tmpdir(), "kdet-import-readme-"));
  const ckpt = path.join(dir, "yolov8n.pt");
  writeFileSync(ckpt, gunzipSync(readFileSync(path.join(FIXTURES, "yolov8n-ultralytics.pt.gz"))));
  const out = path.join(dir, "weights");
  // the two values the test sets: where the checkpoint is and where the weights go
  expect(block.split('"yolov8n.pt"').length).toBe(2);
  expect(block.split('"weights/yolov8n"').length).toBe(2);
  const code = block
    .replace(/^import \{([^}]*)\} from "@kdet\/detectors";$/m, "const {$1} = __detectors;")
    .replace('"yolov8n.pt"', JSON.stringify(ckpt))
    .replace('"weights/yolov8n"', JSON.stringify(out));
  const logged: unknown[] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction("__detectors", "console", code)(detectors, {
    log: (...a: unknown[]) => logged.push(a),
  });
  expect(String((logged[0] as unknown[])[0])).toBe("297 weights, 58 tensors ignored");
  const det = await loadDetector(out);
  expect(det.spec?.id).toBe("yolov8-n");
  det.dispose();
  rmSync(dir, { recursive: true, force: true });
});
