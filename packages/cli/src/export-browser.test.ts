/**
 * `kdet export` output in a real browser: headless Chromium loads the tfjs-core, tfjs-backend-cpu and
 * tfjs-converter browser bundles (the packages `@tensorflow/tfjs` bundles), then
 * `tf.loadGraphModel("<url>/model.json")` over HTTP, and runs `executeAsync(x, ["boxes", "scores"])` (a two-stage
 * graph has NMS, an async op); the result must equal the trained model's own forward in Node. One one-stage and the
 * two-stage family.
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@kdet/core";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import {
  alignProposalRows,
  createDetector,
  detectorOutputs,
  relativeMaxDiff,
  saveWeights,
} from "./detectors-api";
import { main } from "./main";
import { loadModelFolder } from "./models";
import { launchChromium } from "./testing/chromium";

const T = mkdtempSync(path.join(os.tmpdir(), "kdet-export-browser-"));
const S = 96;
beforeAll(() => initBackend({ quiet: true }));

/** The browser bundles of the tfjs packages @kdet/detectors uses (resolved from its install). */
function bundles(): Record<string, string> {
  const req = createRequire(createRequire(import.meta.url).resolve("@kdet/detectors/package.json"));
  const dist = (pkg: string, file: string) =>
    path.join(path.dirname(req.resolve(`${pkg}/package.json`)), "dist", file);
  return {
    "tf-core.min.js": dist("@tensorflow/tfjs-core", "tf-core.min.js"),
    "tf-backend-cpu.min.js": dist("@tensorflow/tfjs-backend-cpu", "tf-backend-cpu.min.js"),
    "tf-converter.min.js": dist("@tensorflow/tfjs-converter", "tf-converter.min.js"),
  };
}

/** A deterministic test image, the same formula in Node and in the page: x_i = ((i·7919) mod 251)/251. */
const pixel = (i: number): number => ((i * 7919) % 251) / 251;

describe("kdet export in a browser", () => {
  for (const id of ["yolov8-n", "faster-rcnn-r50"] as const)
    it(`${id}: Chromium loads the exported folder by URL with tf.loadGraphModel and reproduces the trained model's boxes and scores`, async () => {
      // a small model with real BatchNorm statistics (one training-mode pass, momentum 1) saved as kdet does
      const det = createDetector(id, { numClasses: 3, seed: 5, bnMomentum: 1 });
      const batch = det.head.graphBatch;
      tf.dispose(
        tf.tidy(() => det.call(tf.randomUniform([2, S, S, 3], 0, 1, "float32", 1) as tf.Tensor4D).cls),
      );
      const weights = path.join(T, id, "weights");
      await saveWeights(det, weights);
      det.dispose();
      writeFileSync(
        path.join(weights, "kdet.json"),
        JSON.stringify({
          format: "kdet-model-meta",
          classNames: ["a", "b", "c"],
          categoryIds: [1, 2, 3],
          imageSize: S,
          postprocess: { scoreThreshold: 0.001, iouThreshold: 0.7, maxDetections: 300 },
        }),
      );
      const out = path.join(T, id, "web");
      const io = bufferIo();
      expect(await main(["export", "--weights", weights, "--out", out], io), io.err.join("")).toBe(0);

      const libs = bundles();
      const page = `<!doctype html><html><body>${Object.keys(libs)
        .map((f) => `<script src="/lib/${f}"></script>`)
        .join("")}</body></html>`;
      const server = createServer((req, res) => {
        const url = req.url ?? "/";
        const file =
          url === "/"
            ? null
            : url.startsWith("/lib/")
              ? libs[url.slice(5)]
              : url.startsWith("/model/")
                ? path.join(out, path.basename(url))
                : undefined;
        try {
          const body = file === null ? page : readFileSync(file ?? "");
          res.writeHead(200, {
            "content-type":
              file === null
                ? "text/html"
                : file!.endsWith(".js")
                  ? "text/javascript"
                  : file!.endsWith(".json")
                    ? "application/json"
                    : "application/octet-stream",
          });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on("pageerror", (e) => errors.push(e.message));
        await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        const got = await tab.evaluate(async (size: number) => {
          const tfw = (
            globalThis as unknown as {
              tf: typeof tf & {
                loadGraphModel(
                  url: string,
                ): Promise<{ executeAsync(x: tf.Tensor, names: string[]): Promise<tf.Tensor[]> }>;
              };
            }
          ).tf;
          await tfw.setBackend("cpu");
          const meta = (await (await fetch("/model/kdet.json")).json()) as {
            input: { shape: number[] };
            outputs: Record<string, unknown>;
          };
          const model = await tfw.loadGraphModel("/model/model.json");
          const n = size * size * 3;
          const x = tfw.tensor4d(
            Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 251) / 251),
            [1, size, size, 3],
          );
          const names = "proposals" in meta.outputs ? ["boxes", "scores", "proposals"] : ["boxes", "scores"];
          const [boxes, scores, proposals] = (await model.executeAsync(x, names)) as tf.Tensor[] as [
            tf.Tensor,
            tf.Tensor,
            tf.Tensor | undefined,
          ];
          return {
            proposals: proposals && { values: Array.from(proposals.dataSync()), shape: proposals.shape },
            backend: tfw.getBackend(),
            input: meta.input.shape,
            boxes: Array.from(boxes.dataSync()),
            boxShape: boxes.shape,
            scores: Array.from(scores.dataSync()),
            scoreShape: scores.shape,
          };
        }, S);
        expect(errors).toEqual([]);
        expect(got.backend).toBe("cpu");
        expect(got.input).toEqual([batch, S, S, 3]);
        // the trained model in Node on the same image
        const model = await loadModelFolder(weights, "weights");
        const x = tf.tensor4d(
          Float32Array.from({ length: S * S * 3 }, (_, i) => pixel(i)),
          [1, S, S, 3],
        );
        const ref = detectorOutputs(model, x);
        const gp = got.proposals && tf.tensor(got.proposals.values, got.proposals.shape);
        // a two-stage graph's rows follow its proposals, ranked by nearly equal logits here: align them first
        if (gp) alignProposalRows(ref, gp, 3);
        expect(got.boxShape).toEqual(ref.boxes!.shape);
        expect(got.scoreShape).toEqual(ref.scores!.shape);
        const [gb, gs] = [tf.tensor(got.boxes, got.boxShape), tf.tensor(got.scores, got.scoreShape)];
        // two-stage: ResNet-50, RoIAlign and a 12544-input fc before the softmax; Chromium's cpu backend against
        // Node's wasm differs by 2.9e-4 in the scores (measured), inside `kdet export`'s own check (1e-3)
        const tol = gp ? 1e-3 : 1e-4;
        expect(relativeMaxDiff(gb, ref.boxes!)).toBeLessThan(tol);
        expect(relativeMaxDiff(gs, ref.scores!)).toBeLessThan(tol);
        if (gp) expect(relativeMaxDiff(gp, ref.proposals!)).toBeLessThan(tol);
        tf.dispose([x, gb, gs, ...(gp ? [gp] : []), ...Object.values(ref)]);
        model.dispose();
      } finally {
        await browser.close();
        server.close();
      }
    }, 300_000);
});
