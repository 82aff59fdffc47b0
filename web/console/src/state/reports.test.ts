import { describe, expect, it } from "vitest";
import type { Figures, Report } from "../../../protocol/protocol";
import { average, closedPerDay, daysOf, duration, lastWeek, periodProblem, presenceShares, row, rows } from "./reports";

const none: Figures = {
  online_ms: 0,
  away_ms: 0,
  offline_ms: 0,
  no_console_ms: 0,
  closed: 0,
  resolution_ms: 0,
  first_responses: 0,
  first_response_ms: 0,
  replies: 0,
  reply_ms: 0,
  missed: 0,
  queued: 0,
  queue_ms: 0,
};

describe("reports", () => {
  it("picks the last week and checks a period as the server does", () => {
    expect(lastWeek(new Date("2026-12-04T23:30:00Z"))).toEqual({ from: "2026-11-28", to: "2026-12-04" });
    expect(periodProblem("2026-12-01", "2026-12-01")).toBeNull();
    expect(periodProblem("2024-01-01", "2024-12-31"), "366 days of a leap year").toBeNull();
    expect(periodProblem("2024-01-01", "2025-01-01")).toBe("A report covers at most 366 days.");
    expect(periodProblem("2026-12-02", "2026-12-01")).toBe("The first day is after the last.");
    expect(periodProblem("2026-02-30", "2026-03-01")).toBe("Pick both days.");
    expect(periodProblem("", "2026-03-01")).toBe("Pick both days.");
    expect(daysOf("2024-02-28", "2024-03-01")).toEqual(["2024-02-28", "2024-02-29", "2024-03-01"]);
    expect(daysOf("2024-03-01", "2024-02-28")).toEqual([]);
  });

  it("writes times and averages as people read them", () => {
    expect(duration(null)).toBe("–");
    expect(duration(0)).toBe("0 s");
    expect(duration(44_600)).toBe("45 s");
    expect(duration(12 * 60_000)).toBe("12 min");
    expect(duration(3 * 3600_000 + 5 * 60_000)).toBe("3 h 05 min");
    expect(average(9_000, 3)).toBe(3_000);
    expect(average(5, 0)).toBeNull();
  });

  it("turns figures into the table's cells, most closed first", () => {
    const anna: Figures = { ...none, closed: 2, resolution_ms: 600_000, first_responses: 1, first_response_ms: 30_000, replies: 3, reply_ms: 90_000, missed: 1, queued: 2, queue_ms: 90_000, online_ms: 3600_000 };
    expect(row("a", "Anna", anna)).toEqual({
      id: "a",
      name: "Anna",
      closed: 2,
      firstResponse: "30 s",
      reply: "30 s",
      resolution: "5 min",
      missed: 1,
      queued: 2,
      queueWait: "45 s",
      online: "1 h 00 min",
      away: "0 s",
      offline: "0 s",
      noConsole: "0 s",
    });
    expect(row("b", "Bob", none).reply).toBe("–");
    expect(row("b", "Bob", none).queueWait).toBe("–");
    const report: Report = {
      from: "2026-12-01",
      to: "2026-12-03",
      operators: [
        { id: "b", name: "Bob", days: [], total: none },
        { id: "a", name: "Anna", days: [{ day: "2026-12-02", ...anna }], total: anna },
        { id: "c", name: "Ada", days: [], total: none },
      ],
      team: { days: [{ day: "2026-12-02", ...anna }], total: anna },
    };
    expect(rows(report).map((r) => r.name)).toEqual(["Anna", "Ada", "Bob"]);
    expect(closedPerDay(report, 100)).toEqual([
      { label: "12-01", value: 0, size: 0 },
      { label: "12-02", value: 2, size: 100 },
      { label: "12-03", value: 0, size: 0 },
    ]);
  });

  it("splits an operator's time by presence state", () => {
    const shares = presenceShares({ ...none, online_ms: 3, away_ms: 1 }, 200);
    expect(shares.map((s) => s.size)).toEqual([150, 50, 0, 0]);
    expect(presenceShares(none, 200).every((s) => s.size === 0)).toBe(true);
  });
});
