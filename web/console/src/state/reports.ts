// Reports (seed 001) as the console shows them: the period picked, the figures the server counted
// (docs/protocol.md, "Reports") turned into a table's cells, the team's totals and the charts' bars.
// Pure, so each rule is tested without a browser; the server checks the period again.

import { MAX_REPORT_DAYS, type Figures, type Report } from "../../../protocol/protocol";

const DAY_MS = 24 * 3600 * 1000;

/** `YYYY-MM-DD` of a UTC day. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The last seven UTC days, today included. */
export function lastWeek(now: Date): { from: string; to: string } {
  return { from: isoDay(new Date(now.getTime() - 6 * DAY_MS)), to: isoDay(now) };
}

function dayNumber(day: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const at = Date.parse(`${day}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March: a real date reads back the same.
  return Number.isNaN(at) || isoDay(new Date(at)) !== day ? null : at / DAY_MS;
}

/** Why the period cannot be asked for, as the server would refuse it; null when it can. */
export function periodProblem(from: string, to: string): string | null {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === null || b === null) return "Pick both days.";
  if (a > b) return "The first day is after the last.";
  if (b - a + 1 > MAX_REPORT_DAYS) return `A report covers at most ${MAX_REPORT_DAYS} days.`;
  return null;
}

/** Each day of the period, in order. */
export function daysOf(from: string, to: string): string[] {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === null || b === null || a > b) return [];
  return Array.from({ length: b - a + 1 }, (_, i) => isoDay(new Date((a + i) * DAY_MS)));
}

/** A time as people read it: "45 s", "12 min", "3 h 05 min"; "–" for none. */
export function duration(ms: number | null): string {
  if (ms === null) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}

/** A sum over its count; null without a count. */
export function average(sum: number, count: number): number | null {
  return count > 0 ? sum / count : null;
}

/** One row of the table: what it shows of one operator's (or the team's) figures. */
export interface Row {
  id: string;
  name: string;
  closed: number;
  firstResponse: string;
  reply: string;
  resolution: string;
  missed: number;
  queued: number;
  queueWait: string;
  online: string;
  away: string;
  offline: string;
  noConsole: string;
}

export function row(id: string, name: string, f: Figures): Row {
  return {
    id,
    name,
    closed: f.closed,
    firstResponse: duration(average(f.first_response_ms, f.first_responses)),
    reply: duration(average(f.reply_ms, f.replies)),
    resolution: duration(average(f.resolution_ms, f.closed)),
    missed: f.missed,
    queued: f.queued,
    queueWait: duration(average(f.queue_ms, f.queued)),
    online: duration(f.online_ms),
    away: duration(f.away_ms),
    offline: duration(f.offline_ms),
    noConsole: duration(f.no_console_ms),
  };
}

/** The table: every operator, those with the most closed dialogs first, then by name. */
export function rows(report: Report): Row[] {
  return [...report.operators]
    .sort((a, b) => b.total.closed - a.total.closed || a.name.localeCompare(b.name))
    .map((o) => row(o.id, o.name, o.total));
}

/** A bar of a chart: its label, value and height in the chart's units (0 to `height`). */
export interface Bar {
  label: string;
  value: number;
  size: number;
}

/** The team's closed dialogs per day of the period, days without any included, scaled to `height`. */
export function closedPerDay(report: Report, height: number): Bar[] {
  const by = new Map(report.team.days.map((d) => [d.day, d.closed]));
  const values = daysOf(report.from, report.to).map((day) => ({ label: day.slice(5), value: by.get(day) ?? 0 }));
  const top = Math.max(1, ...values.map((v) => v.value));
  return values.map((v) => ({ ...v, size: (v.value / top) * height }));
}

export const PRESENCE_PARTS = [
  ["online_ms", "Online"],
  ["away_ms", "Away"],
  ["offline_ms", "Offline"],
  ["no_console_ms", "No console"],
] as const;

/** One operator's time split by presence state, as shares of `width` (all zero without any time). */
export function presenceShares(f: Figures, width: number): { part: string; label: string; size: number }[] {
  const total = PRESENCE_PARTS.reduce((sum, [key]) => sum + f[key], 0);
  return PRESENCE_PARTS.map(([key, label]) => ({ part: key, label, size: total > 0 ? (f[key] / total) * width : 0 }));
}
