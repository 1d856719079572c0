/** Small helpers shared by the benchmark scripts. */
import { execSync } from "node:child_process";

/** Median of `v` (mean of the two middle values for an even count). */
export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The machine's 1/5/15-minute load averages as `uptime` prints them. */
export const loadAverage = (): string =>
  execSync("uptime")
    .toString()
    .trim()
    .replace(/.*load average: /, "");
