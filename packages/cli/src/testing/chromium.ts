/** Test helper: headless Chromium (Debian `chromium`) through playwright-core; missing Chromium is an error, not a skip. */
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** The Chromium binary: env KDET_CHROMIUM, else the first of the usual Debian/Ubuntu paths. */
export function chromiumPath(): string {
  const candidates = [
    process.env.KDET_CHROMIUM,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `headless Chromium not found (looked for ${candidates.join(", ")}): install it with \`apt-get install -y chromium\` (CI does this in .ci/run) or set KDET_CHROMIUM to its path`,
    );
  return found;
}

/** Launches Chromium headless with the flags that work in containers, in a new empty profile folder. */
export function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "kdet-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
