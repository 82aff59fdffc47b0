// The widget's weight budget, over what `npm run build` wrote: the loader every page of a
// customer's site downloads stays under 2.5 KB gzipped; loader and chat app together under 25 KB.
import { gzipSync } from "node:zlib";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/widget", import.meta.url));
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

describe("the widget's size", () => {
  it("stays within its budget (run `npm run build` first)", () => {
    expect(existsSync(join(dist, "widget.js")), `${dist} is not built: npm run build`).toBe(true);
    const assets = readdirSync(join(dist, "assets")).map((f) => `assets/${f}`);
    const loader = gz("widget.js");
    const app = ["frame.html", ...assets].reduce((sum, f) => sum + gz(f), 0);
    console.log(`widget sizes, gzip -9: loader ${loader} B, app ${app} B (${assets.join(", ")} and frame.html), total ${loader + app} B`);
    expect(loader).toBeLessThanOrEqual(2.5 * 1024);
    expect(loader + app).toBeLessThanOrEqual(25 * 1024);
  });
});
