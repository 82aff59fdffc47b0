import { describe, expect, it } from "vitest";
import { pageSource } from "./messages";

describe("the visitor's source", () => {
  it("is the referrer, the landing page and its UTM parameters", () => {
    expect(pageSource("https://shop.example/p?utm_source=news&utm_campaign=winter&id=4", "https://search.example/")).toEqual({
      referrer: "https://search.example/",
      landing_page: "https://shop.example/p?utm_source=news&utm_campaign=winter&id=4",
      utm: { utm_source: "news", utm_campaign: "winter" },
    });
  });

  it("leaves out what the page does not have", () => {
    expect(pageSource("https://shop.example/", "")).toEqual({ landing_page: "https://shop.example/" });
  });
});
