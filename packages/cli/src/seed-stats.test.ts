import { describe, expect, it } from "vitest";
import type { ReportRow } from "./report-html";
import { aggregateSeeds, meanStd, verdict } from "./seed-stats";

const row = (label: string, mAP: number, gain: number | null): ReportRow => ({
  label,
  model: "m",
  params: 10,
  gflops: 1,
  msPerImage: 2,
  mAP,
  AP50: 2 * mAP,
  gain,
});

describe("results over seeds", () => {
  it("mean and sample standard deviation (n − 1), hand-computed", () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: Math.sqrt(32 / 7) });
    expect(meanStd([0.3])).toEqual({ mean: 0.3, std: 0 });
  });

  it("gains are paired per seed; the verdict needs the mean gain to exceed both spreads", () => {
    // baseline 0.10, 0.12, 0.14 (std 2 points); method +3, +4, +5 points over each seed's baseline
    const base = [0.1, 0.12, 0.14];
    const seeds = [
      {
        label: "teacher",
        rows: [row("teacher", 0.3, null), row("teacher", 0.3, null), row("teacher", 0.3, null)],
      },
      { label: "baseline", rows: base.map((b) => row("baseline", b, null)) },
      { label: "cwd", rows: base.map((b, i) => row("cwd", b + (3 + i) / 100, 3 + i)) },
    ];
    const rows = aggregateSeeds(seeds, "baseline");
    expect(rows.map((r) => r.label)).toEqual(["teacher", "baseline", "cwd"]);
    expect(rows[1]!.mAP).toBeCloseTo(0.12, 12);
    expect(rows[1]!.mAPStd).toBeCloseTo(0.02, 12);
    expect(rows[2]!.gain).toBeCloseTo(4, 10);
    expect(rows[2]!.gainStd).toBeCloseTo(1, 10);
    expect(rows[0]!.gain).toBeNull();
    expect(verdict(rows[2]!, rows[1]!)).toMatch(
      /^real gain: \|mean gain\| 4\.0 > std of baseline 2\.0 and of cwd 3\.0$/,
    );
    // the same gains with a noisier baseline: not real
    const noisy = aggregateSeeds(
      [
        { label: "baseline", rows: [0.05, 0.12, 0.19].map((b) => row("baseline", b, null)) },
        { label: "cwd", rows: [0.05, 0.12, 0.19].map((b, i) => row("cwd", b + (3 + i) / 100, 3 + i)) },
      ],
      "baseline",
    );
    expect(verdict(noisy[1]!, noisy[0]!)).toMatch(/^no measurable gain \(mean \+4\.0/);
    expect(
      verdict(
        aggregateSeeds(
          [
            { label: "b", rows: [row("b", 0.1, null)] },
            { label: "c", rows: [row("c", 0.2, 10)] },
          ],
          "b",
        )[1]!,
        row("b", 0.1, null),
      ),
    ).toMatch(/^one seed/);
  });
});
