import { describe, expect, it } from "vitest";
import { renderReport, resultsMarkdown, type ReportRow } from "./report-html";
import { lineChart, niceTicks } from "./svg-chart";

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
