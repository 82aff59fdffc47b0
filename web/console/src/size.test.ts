// The console's weight budget, over what `npm run build` wrote. What a console loads to start
// (index.html's script and every chunk it imports statically: Preact, signals, the console and
// web/common) stays under 45 KB gzipped, the budget of issue 15. The views loaded the first time
// they are opened (settings, reports, the account: `ui/lazy.tsx`) come on top, and the whole, what
// an admin who opens every view downloads, stays under 55 KB.
import { gzipSync } from "node:zlib";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The console's build; the widget builds into dist/widget/, apart. */
const dist = fileURLToPath(new URL("../../dist", import.meta.url));
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

/** The chunks a chunk imports statically (`import … from "./x.js"`, `import "./x.js"`); `import(…)` is not among them. */
function staticImports(file: string): string[] {
  const code = readFileSync(join(dist, file), "utf8");
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*"\.\/([^"]+\.js)"/g)].map((m) => `assets/${m[1]}`);
}

describe("the console's size", () => {
  it("starts with at most 45 KB of JavaScript gzip, and all of it is within 55 KB (run `npm run build` first)", () => {
    expect(existsSync(join(dist, "index.html")), `${dist} is not built: npm run build`).toBe(true);
    const scripts = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).map((f) => `assets/${f}`);
    expect(scripts.length).toBeGreaterThan(0);
    // What index.html loads must be among them: a script loaded from elsewhere would escape the count.
    const html = readFileSync(join(dist, "index.html"), "utf8");
    const entries = [...html.matchAll(/<script[^>]*src="\/?([^"]+)"/g)].map((m) => m[1]);
    expect(entries.length).toBeGreaterThan(0);
    for (const src of entries) expect(scripts).toContain(src);
    const start = new Set<string>();
    const visit = (file: string) => {
      if (start.has(file)) return;
      expect(scripts, `${file}, imported by the console, is not in the build`).toContain(file);
      start.add(file);
      for (const next of staticImports(file)) visit(next);
    };
    entries.forEach(visit);
    const startJs = [...start].reduce((sum, f) => sum + gz(f), 0);
    const js = scripts.reduce((sum, f) => sum + gz(f), 0);
    const css = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".css")).reduce((sum, f) => sum + gz(`assets/${f}`), 0);
    console.log(`console sizes, gzip -9: JavaScript to start ${startJs} B (${[...start].join(", ")}), all ${js} B (${scripts.join(", ")}), CSS ${css} B`);
    expect(startJs).toBeLessThanOrEqual(45 * 1024);
    expect(js).toBeLessThanOrEqual(55 * 1024);
    // Some views must load later: a build that bundled them back into the start would pass above
    // only by luck.
    expect(start.size).toBeLessThan(scripts.length);
  });
});
