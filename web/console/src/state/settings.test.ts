import { describe, expect, it } from "vitest";
import type { SiteView } from "../../../protocol/protocol";
import { MAX_ALLOWED_ORIGINS } from "../../../protocol/protocol";
import { ORIGIN_EXAMPLES } from "../../../protocol/origin-examples";
import { embedSnippet, emptyOperatorForm, operatorFormErrors, parseOrigins, siteForm, siteUpdate } from "./settings";

const site: SiteView = {
  key: "site_6ys3c4dwa7n36096q14dr9gpqy",
  name: "Shop",
  allowed_origins: ["https://shop.example"],
  settings: { color: "#2563eb", position: "right", greeting: "", show_operator_names: true },
};

describe("the new-operator form", () => {
  it("wants a name, an email and a password of at least 8 characters", () => {
    expect(operatorFormErrors(emptyOperatorForm)).toEqual({
      name: "Give a name.",
      email: "Give an email address, like boris@example.com.",
      password: "At least 8 characters.",
    });
    const boris = { name: "Boris", email: " boris@example.com ", password: "12345678", role: "operator" as const };
    expect(operatorFormErrors(boris)).toEqual({});
    expect(operatorFormErrors({ ...boris, email: "boris" }).email).toBeDefined();
    expect(operatorFormErrors({ ...boris, name: "   " }).name).toBeDefined();
    expect(operatorFormErrors({ ...boris, password: "1234567" }).password).toBeDefined();
  });
});

describe("allowed origins, one per line", () => {
  it("are kept in the form a browser sends: lower-case, no default port, no trailing slash, each once", () => {
    const text = " HTTPS://Shop.Example/ \n\nhttps://shop.example\r\nhttp://localhost:8080\nhttps://a.example:443\nhttp://[::1]:3000\n";
    expect(parseOrigins(text)).toEqual({
      ok: true,
      value: ["https://shop.example", "http://localhost:8080", "https://a.example", "http://[::1]:3000"],
    });
    expect(parseOrigins("  \n ")).toEqual({ ok: true, value: [] });
  });

  it("refuse anything but scheme, host and port, naming the line", () => {
    for (const bad of [
      "shop.example",
      "ftp://shop.example",
      "https://",
      "https://shop.example/path",
      "https://shop.example?q=1",
      "https://shop.example#top",
      "https://user@shop.example",
      "https://shop.example:0",
      "https://shop.example:70000",
      "https://shop.example:",
      "https://shop..example",
      "https://-shop.example",
      "https://shop.example; script-src *",
      "https://магазин.example",
      "*",
    ]) {
      const parsed = parseOrigins(`https://ok.example\n${bad}`);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain(`“${bad.trim()}”`);
    }
    expect(parseOrigins("https://shop.example/checkout")).toEqual({
      ok: false,
      error: "“https://shop.example/checkout” has a path, query or fragment: give only scheme://host[:port].",
    });
  });

  it("come to what the server makes of each line: the same origin kept, or refused naming the line", () => {
    // The server's verdicts, generated from its parser (parse_allowed_origins) by the Rust tests.
    expect(ORIGIN_EXAMPLES.length).toBeGreaterThan(40);
    for (const [line, kept] of ORIGIN_EXAMPLES) {
      const expected = kept === null ? { ok: false, error: expect.stringContaining(`“${line.trim()}”`) } : { ok: true, value: [kept] };
      expect(parseOrigins(line), line).toEqual(expected);
    }
  });

  it("are at most twenty, counted after repeats go", () => {
    expect(MAX_ALLOWED_ORIGINS).toBe(20);
    const twenty = Array.from({ length: 20 }, (_, i) => `https://s${i}.example`);
    expect(parseOrigins([...twenty, "https://S0.example"].join("\n")).ok).toBe(true);
    expect(parseOrigins([...twenty, "https://s20.example"].join("\n"))).toEqual({ ok: false, error: "At most 20 allowed origins." });
  });
});

describe("a site's form", () => {
  it("starts from the site and sends settings and origins in one update", () => {
    const form = siteForm(site);
    expect(form).toEqual({ color: "#2563eb", position: "right", greeting: "", showOperatorNames: true, origins: "https://shop.example" });
    const changed = { ...form, color: "#0A7D3B", greeting: "  Hi!  ", position: "left" as const, origins: "https://shop.example\nhttps://www.shop.example/" };
    expect(siteUpdate(changed)).toEqual({
      ok: true,
      value: {
        color: "#0a7d3b",
        position: "left",
        greeting: "Hi!",
        show_operator_names: true,
        allowed_origins: ["https://shop.example", "https://www.shop.example"],
      },
    });
  });

  it("says what is wrong instead of sending it", () => {
    const form = siteForm(site);
    expect(siteUpdate({ ...form, color: "red" })).toEqual({ ok: false, error: "The colour must be #rrggbb, like #0a7d3b." });
    expect(siteUpdate({ ...form, greeting: "a".repeat(501) }).ok).toBe(false);
    expect(siteUpdate({ ...form, origins: "shop.example" }).ok).toBe(false);
  });
});

describe("the embed snippet", () => {
  it("is the one script tag of docs/widget.md, from the widget's host", () => {
    expect(embedSnippet("https://chat.example.com/", site.key)).toBe(
      '<script src="https://chat.example.com/widget/widget.js" data-site="site_6ys3c4dwa7n36096q14dr9gpqy" async></script>',
    );
    expect(embedSnippet("http://127.0.0.1:8080", 'x"><b>')).toBe(
      '<script src="http://127.0.0.1:8080/widget/widget.js" data-site="x&quot;>&lt;b>" async></script>',
    );
  });
});
