// Screenshot references: a page's look is compared, pixel by pixel with a tolerance, to a PNG kept in
// the repository (e2e/screenshots/), so a layout regression fails the suite. pixelmatch and pngjs
// compare offline. `PARLOR_UPDATE_SCREENSHOTS=1` writes the references anew instead (check the
// pictures, then commit them); a missing reference is written and the check fails, so it is seen.
//
// The references are of this project's test machine: Debian's Chromium, headless, its fonts. What
// moves from run to run (times, keys) is masked with one flat colour; names are fixed by the tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import { repoRoot, screenshotDir } from "./harness";

export const referenceDir = join(repoRoot, "web/e2e/screenshots");

/** Viewports the main states are kept at: a laptop, a desktop and a phone. */
export const VIEWPORTS = {
  laptop: { width: 1280, height: 720 },
  desktop: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** What may differ: a pixel counts as different past pixelmatch's colour `threshold`; a state fails past `maxDiffRatio` of them. */
export interface Tolerance {
  threshold: number;
  maxDiffRatio: number;
}

/**
 * Anti-aliasing and font hinting move a few pixels between runs; a moved or wrapped element moves
 * thousands (a 1280×720 shot has 921,600 pixels: 0.3% is about 2,800, one button's area).
 */
export const TOLERANCE: Tolerance = { threshold: 0.1, maxDiffRatio: 0.003 };

export const updating = () => process.env.PARLOR_UPDATE_SCREENSHOTS === "1";

export interface Comparison {
  name: string;
  width: number;
  height: number;
  diffPixels: number;
  ratio: number;
  /** Why it failed, or null when it matched (or was written). */
  problem: string | null;
}

/**
 * The page as it is now against the reference `name`: the shot (times and `mask` covered) goes to
 * tests/output/screenshots/, and where it differs, a picture of the differences beside it.
 */
export async function compareToReference(
  page: Page,
  name: string,
  options: { mask?: Locator[]; tolerance?: Tolerance; /** Compare only: never write the reference, nor the shot under its name. */ probe?: boolean } = {},
): Promise<Comparison> {
  const { mask = [], tolerance = TOLERANCE, probe = false } = options;
  // No pointer over anything (hover colours), no caret, no running transitions.
  await page.mouse.move(0, 0);
  const shot = await page.screenshot({
    animations: "disabled",
    caret: "hide",
    mask: [page.locator("time"), ...mask],
    maskColor: "#ff00ff",
  });
  mkdirSync(screenshotDir, { recursive: true });
  writeFileSync(join(screenshotDir, probe ? `${name}.probe.png` : `${name}.png`), shot);
  const reference = join(referenceDir, `${name}.png`);
  const actual = PNG.sync.read(shot);
  const base = { name, width: actual.width, height: actual.height, diffPixels: 0, ratio: 0 };
  if (!probe && (updating() || !existsSync(reference))) {
    mkdirSync(referenceDir, { recursive: true });
    writeFileSync(reference, shot);
    return { ...base, problem: updating() ? null : `no reference ${name}.png: written now, check it and commit it` };
  }
  const expected = PNG.sync.read(readFileSync(reference));
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { ...base, problem: `${name}: ${actual.width}×${actual.height}, the reference is ${expected.width}×${expected.height}` };
  }
  const diff = new PNG({ width: actual.width, height: actual.height });
  const diffPixels = pixelmatch(expected.data, actual.data, diff.data, actual.width, actual.height, { threshold: tolerance.threshold });
  const ratio = diffPixels / (actual.width * actual.height);
  const problem = ratio > tolerance.maxDiffRatio ? `${name}: ${diffPixels} pixels (${(ratio * 100).toFixed(2)}%) differ from the reference, more than ${tolerance.maxDiffRatio * 100}%` : null;
  if (diffPixels > 0) writeFileSync(join(screenshotDir, `${name}${probe ? ".probe" : ""}.diff.png`), PNG.sync.write(diff));
  return { ...base, diffPixels, ratio, problem };
}
