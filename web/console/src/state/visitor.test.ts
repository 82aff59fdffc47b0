import { describe, expect, it } from "vitest";
import type { VisitorCard } from "../../../protocol/protocol";
import { ago, applyPage, utmLines, type Cards, telHref } from "./visitor";
import { safeHref } from "./links";

const vera: VisitorCard = { id: "vis_vera", site: "site_1", name: "Vera", source: {}, created_at: 1 };

describe("the visitor panel", () => {
  it("a page view moves the cards of that visitor only, never back in time", () => {
    const cards: Cards = new Map([
      ["dlg_1", { card: vera }],
      ["dlg_2", { card: { ...vera, id: "vis_oleg", name: "Oleg" } }],
      ["dlg_3", { failed: true }],
    ]);
    const page = { url: "https://shop.example/cart", title: "Cart", at: 100 };
    const moved = applyPage(cards, { type: "visitor.page", visitor_id: "vis_vera", page });
    expect(moved.get("dlg_1")?.card?.current_page).toEqual(page);
    expect(moved.get("dlg_2")).toBe(cards.get("dlg_2"));
    const older = applyPage(moved, { type: "visitor.page", visitor_id: "vis_vera", page: { ...page, url: "https://shop.example/", at: 50 } });
    expect(older).toBe(moved);
    expect(applyPage(cards, { type: "visitor.page", visitor_id: "vis_nobody", page })).toBe(cards);
  });

  it("says how long ago", () => {
    expect(ago(0, 59_000)).toBe("just now");
    expect(ago(0, 5 * 60_000)).toBe("5 min ago");
    expect(ago(0, 3 * 3600_000 + 1)).toBe("3 h ago");
    expect(ago(0, 50 * 3600_000)).toBe("2 d ago");
    expect(ago(10_000, 0)).toBe("just now");
  });

  it("lists UTM parameters source first", () => {
    expect(utmLines({ utm_campaign: "winter", utm_source: "newsletter", ref: "x" })).toEqual([
      { key: "utm_source", value: "newsletter" },
      { key: "utm_campaign", value: "winter" },
      { key: "ref", value: "x" },
    ]);
    expect(utmLines(undefined)).toEqual([]);
  });

  it("links only http(s) addresses", () => {
    expect(safeHref("https://shop.example/a?b=1")).toBe("https://shop.example/a?b=1");
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("data:text/html,x")).toBeUndefined();
    expect(safeHref("shop.example")).toBeUndefined();
    expect(safeHref(undefined)).toBeUndefined();
  });
});

describe("telHref", () => {
  it("dials the digits with a leading plus kept; anything not written as a phone number is no link", () => {
    expect(telHref("+7 (912) 345-67-89")).toBe("tel:+79123456789");
    expect(telHref("8 912 345 67 89")).toBe("tel:89123456789");
    expect(telHref("12-34")).toBeNull();
    expect(telHref("javascript:alert(1)")).toBeNull();
    expect(telHref(undefined)).toBeNull();
  });
});
