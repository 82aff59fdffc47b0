import { describe, expect, it } from "vitest";
import { messageTime } from "./time";

// Local dates, so the expectations hold in any time zone the tests run in.
const now = new Date(2026, 4, 20, 18, 30).getTime();

describe("a message's time", () => {
  it("is the hour and minute for today, as the locale writes them", () => {
    const at = new Date(2026, 4, 20, 14, 5).getTime();
    expect(messageTime(at, now, "en-US")).toBe("2:05 PM");
    expect(messageTime(at, now, "en-GB")).toBe("14:05");
    expect(messageTime(at, now, "ru")).toBe("14:05");
  });

  it("carries the day for an earlier day, and the year for an earlier year", () => {
    const yesterday = new Date(2026, 4, 19, 9, 7).getTime();
    expect(messageTime(yesterday, now, "en-GB")).toMatch(/^19 May,? 0?9:07$/);
    expect(messageTime(yesterday, now, "en-US")).toMatch(/^May 19,? 9:07\sAM$/);
    const lastYear = new Date(2025, 11, 31, 23, 59).getTime();
    expect(messageTime(lastYear, now, "en-GB")).toMatch(/^31 Dec 2025,? 23:59$/);
  });
});
