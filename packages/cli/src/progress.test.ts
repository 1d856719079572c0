import { describe, expect, it } from "vitest";
import { bufferIo } from "./cli-io";
import { fmtNum, formatDuration, Progress } from "./progress";

describe("progress", () => {
  it("formats durations and numbers", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(61.4)).toBe("1:01");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(NaN)).toBe("--:--");
    expect([fmtNum(1234.5), fmtNum(12.345), fmtNum(0.012345), fmtNum(0)]).toEqual([
      "1235",
      "12.35",
      "0.0123",
      "0",
    ]);
  });

  it("on a terminal: a bar with count, percent, elapsed<ETA, throughput and loss parts, redrawn in place", () => {
    let t = 0;
    const io = { ...bufferIo(), isTTY: true, columns: 160 };
    const p = new Progress(io, {
      label: "teacher epoch 1/3",
      total: 10,
      unit: "img",
      perTick: 16,
      now: () => t,
    });
    t = 4000;
    p.tick(2, { loss: 3.5, box: 1.25 });
    // 2 of 10 in 4 s: 2 s each, 8 left = 16 s to go; 32 images in 4 s
    expect(p.line(160)).toBe(
      "teacher epoch 1/3 [######------------------------] 2/10  20% 0:04<0:16 8.00 img/s  loss 3.50 box 1.25",
    );
    expect(io.err.at(-1)).toBe(`\r${p.line(160)}\x1b[K`);
    t = 20000;
    p.tick(8);
    p.finish("val mAP 0.5");
    expect(io.err.at(-1)).toBe(
      "\rteacher epoch 1/3: 10/10 in 0:20 (8.00 img/s), loss 3.50 box 1.25; val mAP 0.5\x1b[K\n",
    );
  });

  it("not a terminal (CI): silent while running, one summary line at the end", () => {
    let t = 0;
    const io = bufferIo();
    const p = new Progress(io, { label: "evaluate", total: 4, now: () => t });
    for (let i = 0; i < 4; i++) (t += 500), p.tick();
    expect(io.err).toEqual([]);
    p.finish();
    p.finish();
    expect(io.err).toEqual(["evaluate: 4/4 in 0:02 (2.00 it/s)\n"]);
  });
});
