// When a message was written, as the visitor's own locale writes a time: the browser's language and
// time zone, not the page's, so a visitor reads "14:05" or "2:05 PM" as they are used to.

/** The hour and minute of `at` (ms since the epoch); the day too when it was not today, the year when not this year. */
export function messageTime(at: number, now: number = Date.now(), locale?: string): string {
  const d = new Date(at);
  const today = new Date(now);
  const sameDay = d.toDateString() === today.toDateString();
  const sameYear = d.getFullYear() === today.getFullYear();
  return d.toLocaleString(locale, {
    hour: "numeric",
    minute: "2-digit",
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
    ...(sameYear ? {} : { year: "numeric" }),
  });
}
