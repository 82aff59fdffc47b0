import { describe, expect, it } from "vitest";
import { linkParts } from "./links";

describe("linkParts", () => {
  it("links http(s) URLs and leaves the rest as text", () => {
    expect(linkParts("see https://shop.example/orders/4412, thanks")).toEqual([
      { text: "see " },
      { text: "https://shop.example/orders/4412", href: "https://shop.example/orders/4412" },
      { text: ", thanks" },
    ]);
  });

  it("never links other schemes or markup", () => {
    for (const t of ["javascript:alert(1)", "data:text/html,<b>x</b>", '<a href="https://x">x</a>'.replace("https://x", "javascript:x")]) {
      expect(linkParts(t).every((p) => p.href === undefined)).toBe(true);
    }
    expect(linkParts("")).toEqual([]);
  });
});
