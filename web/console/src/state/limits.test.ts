import { describe, expect, it } from "vitest";
import { heldBack, signInRefused, waitWords } from "./limits";

describe("limits in words", () => {
  it("says a wait the way people do", () => {
    expect([waitWords(1), waitWords(1000), waitWords(1001), waitWords(60_000), waitWords(14 * 60_000 + 1)]).toEqual([
      "1 second",
      "1 second",
      "2 seconds",
      "60 seconds",
      "15 minutes",
    ]);
  });

  it("tells a refused sign-in how long and until when", () => {
    const now = new Date(2026, 0, 5, 14, 17, 0);
    const text = signInRefused(900, now);
    expect(text).toContain("Too many sign-in attempts. Try again in 15 minutes");
    const at = new Date(2026, 0, 5, 14, 32, 0).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    expect(text).toContain(`(at ${at})`);
  });

  it("counts down the seconds messages are held back", () => {
    expect(heldBack(10_500, 10_000)).toBe("Sending too fast: your messages will go in 1 s.");
    expect(heldBack(13_000, 10_000)).toBe("Sending too fast: your messages will go in 3 s.");
    expect(heldBack(9_000, 10_000)).toBe("Sending too fast: your messages will go in 1 s.");
  });
});
