// The console's weight budget, over what `npm run build` wrote: all its JavaScript (Preact, signals,
// the console and web/common) stays under 46 KB gzipped: the budget of issue 15 (45 KB), raised by
// 1 KB for issue 18's contact card (about 0.6 KB), which did not fit in the 0.4 KB left.
import { gzipSync } from "node:zlib";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The console's build; the widget builds into dist/widget/, apart. */
const dist = fileURLToPath(new URL("../../dist", import.meta.url));
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

describe("the console's size", () => {
  it("keeps its JavaScript within 46 KB gzip (run `npm run build` first)", () => {
    expect(existsSync(join(dist, "index.html")), `${dist} is not built: npm run build`).toBe(true);
    const scripts = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).map((f) => `assets/${f}`);
    expect(scripts.length).toBeGreaterThan(0);
    // What index.html loads must be among them: a script loaded from elsewhere would escape the count.
    const html = readFileSync(join(dist, "index.html"), "utf8");
    for (const src of html.matchAll(/<script[^>]*src="\/?([^"]+)"/g)) expect(scripts).toContain(src[1]);
    const js = scripts.reduce((sum, f) => sum + gz(f), 0);
    const css = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".css")).reduce((sum, f) => sum + gz(`assets/${f}`), 0);
    console.log(`console sizes, gzip -9: JavaScript ${js} B (${scripts.join(", ")}), CSS ${css} B`);
    expect(js).toBeLessThanOrEqual(46 * 1024);
  });
});
