// The visitor panel beside a dialog as plain data: the card fetched per dialog, kept current by
// `visitor.page` events, and how its times and UTM parameters read.

import type { ServerEvent, VisitorCard } from "../../../protocol/protocol";

/** Per dialog id: the card, or why it is missing. */
export type Cards = ReadonlyMap<string, { card?: VisitorCard; failed?: boolean }>;

type PageEvent = Extract<ServerEvent, { type: "visitor.page" }>;

/** A page view moves every card of that visitor, unless the card already holds a later page. */
export function applyPage(cards: Cards, e: PageEvent): Cards {
  let out: Map<string, { card?: VisitorCard; failed?: boolean }> | null = null;
  for (const [dialogId, entry] of cards) {
    const card = entry.card;
    if (!card || card.id !== e.visitor_id) continue;
    if (card.current_page && card.current_page.at > e.page.at) continue;
    out ??= new Map(cards);
    out.set(dialogId, { card: { ...card, current_page: e.page } });
  }
  return out ?? cards;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago": how long since `at`. */
export function ago(at: number, now: number): string {
  const min = Math.floor(Math.max(0, now - at) / 60_000);
  if (min < 1) return "just now";
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** UTM parameters as the panel lists them: `key: value`, `utm_source` first, then by name. */
export function utmLines(utm: { [key in string]?: string } | undefined): { key: string; value: string }[] {
  const order = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(utm ?? {})
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}

/** A phone number as a `tel:` link (its digits, a leading `+` kept), or null when it is not written as one. */
export function telHref(phone: string | undefined): string | null {
  const raw = phone?.trim() ?? "";
  if (!/^[\d\s+\-().]+$/.test(raw)) return null;
  const digits = raw.replace(/\D/g, "");
  if (digits.length < 5) return null;
  return `tel:${raw.startsWith("+") ? "+" : ""}${digits}`;
}
