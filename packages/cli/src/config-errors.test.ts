import { describe, expect, it } from "vitest";
import { validateExperiment } from "./config-load";
import { DETECTOR_IDS } from "./detectors-config";
import { CliError } from "./errors";

const base = {
  data: { train: { type: "synthetic", numImages: 8, size: 64 }, imageSize: 64 },
  model: { type: "yolov8-n" },
  train: { epochs: 1, optimizer: { type: "sgd", lr: 0.01 } },
};
const term = { student: "neck.p3", teacher: "neck.p3" };
function lines(config: unknown): string[] {
  try {
    validateExperiment(config, "c.yaml");
  } catch (e) {
    if (e instanceof CliError)
      return e.message
        .split("\n")
        .slice(1)
        .map((l) => l.trim());
    throw e;
  }
  throw new Error("expected an invalid config");
}

describe("config errors name the discriminator, the allowed ids and the nearest one", () => {
  it("a mistyped loss type lists every loss type (from the registry) and suggests the nearest", async () => {
    const { LOSS_IDS } = await import("@kdet/losses");
    const [l, ...rest] = lines({
      ...base,
      teacher: { type: "yolov8-s", weights: "w" },
      distill: [{ loss: { type: "cwdd" }, ...term }],
    });
    expect(rest).toEqual([]);
    expect(l).toMatch(/^distill\[0\]\.loss\.type: got "cwdd"; allowed: one of /);
    for (const id of LOSS_IDS) expect(l).toContain(`"${id}"`);
    expect(l).toMatch(/; did you mean "cwd"\?$/);
  });

  it("a channel setting under its old name names the new field, per term and per level", () => {
    const out = lines({
      ...base,
      teacher: { type: "yolov8-s", weights: "w" },
      distill: [
        { loss: { type: "defeat", channels: 128, strides: [8] }, ...term },
        { loss: [{ type: "score-l2", inChannels: 64, outChannels: 128 }], ...term },
      ],
    });
    const why = "(every loss names its channel settings studentChannels / teacherChannels)";
    expect(out).toEqual(
      expect.arrayContaining([
        `distill[0].loss.channels: got 128; renamed to teacherChannels ${why}`,
        `distill[1].loss[0].inChannels: got 64; renamed to studentChannels ${why}`,
        `distill[1].loss[0].outChannels: got 128; renamed to teacherChannels ${why}`,
      ]),
    );
    // besides the renamed keys, only the new names are reported (as missing)
    expect(out.filter((l) => !l.includes("renamed"))).toEqual([
      "distill[1].loss[0].studentChannels: got nothing (the key is missing); allowed: a number",
      "distill[1].loss[0].teacherChannels: got nothing (the key is missing); allowed: a number",
    ]);
  });

  it("a teacher without type names the missing key and its values, not the pretrained option's keys", () => {
    const out = lines({
      ...base,
      teacher: { weights: "runs/t/weights" },
      distill: [{ loss: { type: "cwd" }, ...term }],
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^teacher\.type: missing; allowed: one of "yolov8-n"/);
    for (const id of DETECTOR_IDS) expect(out[0]).toContain(`"${id}"`);
    expect(out[0]).toContain("(or no type, with pretrained)");
  });

  it("model and dataset ids and unknown keys get a suggestion; far-off words get none", () => {
    expect(lines({ ...base, model: { type: "yolov8n" } })).toEqual([
      `model.type: got "yolov8n"; allowed: one of ${DETECTOR_IDS.map((i) => `"${i}"`).join(", ")}; did you mean "yolov8-n"?`,
    ]);
    expect(lines({ ...base, data: { ...base.data, train: { type: "vocc", root: "x" } } })[0]).toMatch(
      /did you mean "voc"\?$/,
    );
    expect(lines({ ...base, data: { ...base.data, train: { root: "x" } } })[0]).toMatch(
      /^data\.train\.type: missing; allowed: one of "coco", /,
    );
    expect(lines({ ...base, model: { type: "resnet-transformer" } })[0]).not.toMatch(/did you mean/);
    expect(lines({ ...base, train: { ...base.train, epoch: 3 } })).toEqual([
      expect.stringMatching(/^train\.epoch: unknown key; allowed keys here: .*; did you mean "epochs"\?$/),
    ]);
  });
});
