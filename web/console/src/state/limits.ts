// What the console says when the server holds it to a limit (docs/protocol.md, "Limits"): a
// sign-in refused until a time, messages held back for a few seconds. Pure: the clock is passed in.

/** A wait as people say it: "1 second", "40 seconds", "15 minutes" (rounded up). */
export function waitWords(ms: number): string {
  const secs = Math.max(1, Math.ceil(ms / 1000));
  if (secs < 90) return secs === 1 ? "1 second" : `${secs} seconds`;
  return `${Math.ceil(secs / 60)} minutes`;
}

/** The sign-in form's words when the server refused for too many attempts, `retryAfterSecs` from `now`. */
export function signInRefused(retryAfterSecs: number, now: Date): string {
  const at = new Date(now.getTime() + retryAfterSecs * 1000);
  const clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `Too many sign-in attempts. Try again in ${waitWords(retryAfterSecs * 1000)} (at ${clock}).`;
}

/** The composer's words while messages wait out the server's limit, until `until`. */
export function heldBack(until: number, now: number): string {
  const secs = Math.max(1, Math.ceil((until - now) / 1000));
  return `Sending too fast: your messages will go in ${secs} s.`;
}
