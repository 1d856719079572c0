import { describe, expect, it } from "vitest";
import { renderReport, resultsMarkdown, type ReportRow } from "./report-html";
import { classColour } from "./draw-boxes";
import { integerTicks, lineChart, niceTicks } from "./svg-chart";

describe("report", () => {
  it("nice ticks are round and cover the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(0, 7, 5)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it("a chart maps data to pixels inside the plot area, one polyline per non-empty series", () => {
    const svg = lineChart({
      title: "t<1>",
      xLabel: "x",
      yLabel: "y",
      width: 400,
      height: 200,
      series: [
        {
          name: "a",
          color: "#f00",
          points: [
            [0, 0],
            [10, 1],
          ],
        },
        { name: "empty", color: "#0f0", points: [] },
      ],
    });
    expect(svg.match(/<polyline/g)?.length).toBe(1);
    // margins l 52, r 12, t 26, b 40: (0,0) -> (52,160), (10,1) -> (388,26)
    expect(svg).toContain('points="52.0,160.0 388.0,26.0"');
    expect(svg).toContain("t&lt;1&gt;");
  });

  it("tables show ± std only for several seeds", () => {
    const rows: ReportRow[] = [
      {
        label: "baseline",
        model: "yolov8-n",
        params: 3_011_000,
        gflops: 0.081,
        msPerImage: 7.25,
        mAP: 0.1234,
        AP50: 0.25,
        gain: null,
      },
      {
        label: "cwd",
        model: "yolov8-n",
        params: 3_011_000,
        gflops: 0.081,
        msPerImage: 7.31,
        mAP: 0.1534,
        AP50: 0.3,
        gain: 3,
        seeds: 3,
        mAPStd: 0.01,
        AP50Std: 0.02,
        gainStd: 0.5,
      },
    ];
    expect(resultsMarkdown(rows).split("\n").slice(2)).toEqual([
      "| baseline | yolov8-n | 3.01M | 0.081 | 7.3 | 12.3 | 25.0 |  |",
      "| cwd | yolov8-n | 3.01M | 0.081 | 7.3 | 15.3 ± 1.0 | 30.0 ± 2.0 | +3.0 ± 0.5 |",
    ]);
    const html = renderReport({ title: "x & y", notes: ["n"], rows, entries: [], samples: [] });
    expect(html).toContain("<title>x &amp; y</title>");
    expect(html).toContain("<td>15.3 ± 1.0</td>");
    expect(html).not.toMatch(/<script|(src|href)="https?:/); // self-contained
  });
});

describe("report polish", () => {
  it("epoch axes tick every integer for short runs and round integer steps for long ones", () => {
    expect(integerTicks(0, 2)).toEqual([0, 1, 2]);
    expect(integerTicks(0, 30)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(integerTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(integerTicks(1, 4.5)).toEqual([1, 2, 3, 4]);
  });

  it("mAP over epochs is in points (as in the tables), from epoch 0, with a tick per epoch; samples have a legend", () => {
    const log = {
      steps: [],
      vals: [
        { kind: "val" as const, step: 4, epoch: 0, metrics: { mAP: 0.123, AP50: 0.25 }, best: false },
        { kind: "val" as const, step: 8, epoch: 1, metrics: { mAP: 0.2, AP50: 0.4 }, best: true },
      ],
    };
    const html = renderReport({
      title: "r",
      notes: [],
      rows: [],
      entries: [{ label: "cwd", colour: "#f00", log }],
      samples: [
        {
          title: "img",
          cells: [],
          classes: [
            { name: "RBC", index: 1 },
            { name: "WBC", index: 2 },
          ],
        },
      ],
    });
    const map = html.slice(html.indexOf('id="map"'), html.indexOf("</div>", html.indexOf('id="map"')));
    expect(map).toContain(">mAP (points)</text>");
    // x ticks 0, 1, 2 (epochs 1 and 2 validated); y ticks reach 20 points
    const xTicks = [...map.matchAll(/text-anchor="middle" font-size="10">(\d+)<\/text>/g)].map((m) => m[1]);
    expect(xTicks.slice(0, 3)).toEqual(["0", "1", "2"]);
    expect(map).toMatch(/font-size="10">20<\/text>/);
    expect(html).toContain(`<span class="swatch" style="background:${classColour(1)}"></span>RBC`);
    expect(html).toContain(`<span class="swatch" style="background:${classColour(2)}"></span>WBC`);
  });
});
