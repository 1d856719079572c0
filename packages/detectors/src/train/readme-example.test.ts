import type * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { namedVariables } from "../io/named-variables";
import { createDetector } from "../registry";
import type { GraphTeacher } from "../teachers/graph-teacher";
import { loadTeacher } from "../teachers/registry";
import { HAVE_DATA } from "../teachers/test-helpers";
import { useTestBackend } from "../testing/backend";
import { COCO128_YAML } from "../testing/coco128";
import type { Trainer } from "./trainer";

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "README.md");
const MARKER = "<!-- example: distill-centernet";
const DATA_YAML = '"coco128/data.yaml"';

/** The README's example block, its imports turned into lookups in `__modules` (the code is otherwise unchanged). */
function readmeExample(): { code: string; modules: string[] } {
  const text = readFileSync(README, "utf8");
  const at = text.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at))![1]!;
  expect(block.split(DATA_YAML).length).toBe(2); // the one value the test sets: where coco128 is
  const modules: string[] = [];
  const code = block
    .replace(/^import \{([^}]*)\} from "([^"]+)";$/gm, (_, names: string, mod: string) => {
      modules.push(mod);
      return `const {${names}} = __modules[${JSON.stringify(mod)}];`;
    })
    .replace(DATA_YAML, JSON.stringify(COCO128_YAML));
  return { code, modules };
}

beforeAll(useTestBackend);

/** A tensor's values as bytes. */
const bytes = (t: tf.Tensor) => {
  const v = t.dataSync();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
};

describe.skipIf(!HAVE_DATA)("README: distilling a student from the pretrained CenterNet", () => {
  it("runs as written: two steps update the student; the teacher's weights stay as loaded", async () => {
    const { code, modules } = readmeExample();
    expect(modules).toEqual(["@kdet/data", "@kdet/losses", "@kdet/detectors"]);
    const __modules = {
      "@kdet/data": await import("@kdet/data"),
      "@kdet/losses": await import("@kdet/losses"),
      "@kdet/detectors": await import("@kdet/detectors"),
    };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (m: unknown) => Promise<{
      trainer: Trainer;
      teacher: GraphTeacher;
      student: ReturnType<typeof createDetector>;
      distiller: { dispose(): void };
    }>;
    const run = new AsyncFunction("__modules", `${code}\nreturn { trainer, teacher, student, distiller };`);
    const { trainer, teacher, student, distiller } = await run(__modules);

    expect(trainer.step).toBe(2);
    // the student left its deterministic initialisation (same id/config/seed)
    const init = createDetector("yolov8-n", { numClasses: 80 });
    const a = namedVariables(init);
    const b = namedVariables(student);
    const moved = a.filter(
      (v, i) => v.kind !== "buffer" && Buffer.compare(bytes(v.variable), bytes(b[i]!.variable)) !== 0,
    );
    expect(moved.length).toBeGreaterThan(0.9 * a.filter((v) => v.kind !== "buffer").length);
    // the teacher's graph weights equal a freshly loaded copy
    const fresh = await loadTeacher("centernet-mbv3");
    const w0 = fresh.model.weights;
    const w1 = teacher.model.weights;
    expect(Object.keys(w1).sort()).toEqual(Object.keys(w0).sort());
    for (const k of Object.keys(w0))
      w0[k]!.forEach((t, j) => expect(Buffer.compare(bytes(t), bytes(w1[k]![j]!)), k).toBe(0));
    [fresh, teacher, init, student, distiller].forEach((m) => m.dispose());
    trainer.dispose();
  }, 90_000);
});
