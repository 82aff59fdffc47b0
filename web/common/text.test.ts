import { describe, expect, it } from "vitest";
import { length, tooLong } from "./text";

describe("the text limit", () => {
  it("counts characters as the server does: an emoji is one", () => {
    expect(length("👍👍")).toBe(2);
    expect(tooLong("a".repeat(2000))).toBe(false);
    expect(tooLong("a".repeat(2001))).toBe(true);
    expect(tooLong("👍".repeat(2000))).toBe(false);
  });
});
