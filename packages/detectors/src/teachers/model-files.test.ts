import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { packageModelPath, resolvePackageDir, TeacherModelError } from "./model-files";
import { loadTeacher, TEACHER_IDS, TEACHERS } from "./registry";

const SHA256: Record<string, string> = {
  "models/centernet.json": "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
  "models/centernet.bin": "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
  "models/nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
  "models/nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
};

describe("teacher model files", () => {
  beforeAll(useTestBackend);

  it("the installed npm packages hold the pinned model files (sha256)", () => {
    for (const id of TEACHER_IDS) {
      const t = TEACHERS[id];
      for (const f of [t.modelFile, t.modelFile.replace(/\.json$/, ".bin")]) {
        const hash = createHash("sha256")
          .update(readFileSync(packageModelPath(t.package, f)))
          .digest("hex");
        expect(hash, f).toBe(SHA256[f]);
      }
    }
  });

  it("a missing model json gives an error naming the file", async () => {
    const missing = path.join(tmpdir(), "kdet-no-such-dir", "nanodet.json");
    await expect(loadTeacher("nanodet-g", { modelPath: missing })).rejects.toThrow(
      `teacher model json not found: ${missing}`,
    );
    await expect(loadTeacher("nanodet-g", { modelPath: missing })).rejects.toBeInstanceOf(TeacherModelError);
  });

  it("a missing weight shard gives an error naming the shard", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kdet-teacher-"));
    const json = path.join(dir, "centernet.json");
    copyFileSync(packageModelPath("@vladmandic/human", "models/centernet.json"), json);
    await expect(loadTeacher("centernet-mbv3", { modelPath: json })).rejects.toThrow(
      `teacher weight shard not found: ${path.join(dir, "centernet.bin")}`,
    );
    writeFileSync(json, "{ not json");
    await expect(loadTeacher("centernet-mbv3", { modelPath: json })).rejects.toThrow(`not valid JSON`);
  });

  it("an absent npm package and a bad config are reported", async () => {
    expect(() => resolvePackageDir("@kdet/no-such-package")).toThrow(
      "pretrained-teacher model package not installed (an optional peer dependency of @kdet/detectors; install it: npm install @kdet/no-such-package): @kdet/no-such-package",
    );
    await expect(loadTeacher("centernet-mbv3", { scoreThreshold: 2 })).rejects.toThrow();
    await expect(loadTeacher("centernet-mbv3", { resize: "crop" } as never)).rejects.toThrow();
  });
});
