// The visitor panel beside the open dialog: each dialog's visitor card, fetched the first time it
// opens and kept current by `visitor.page` events (state/visitor.ts), and whether the panel shows.

import { signal } from "@preact/signals";
import type { ServerEvent, VisitorCard } from "../../../protocol/protocol";
import type { Api } from "../api";
import { applyPage, type Cards } from "../state/visitor";

export class VisitorStore {
  /** The card per dialog, or why it is missing. */
  readonly cards = signal<Cards>(new Map());
  /** Whether the panel is open (folded away by "Visitor ▸"). */
  readonly panel = signal(true);

  constructor(private readonly api: Pick<Api, "visitorCard">) {}

  /** Whether a dialog still needs its card asked for. */
  missing(id: string): boolean {
    return !this.cards.value.get(id)?.card;
  }

  /** The visitor's card for the panel; `visitor.page` events keep it current from then on. */
  async load(id: string): Promise<void> {
    let entry: { card?: VisitorCard; failed?: boolean };
    try {
      const card = await this.api.visitorCard(id);
      // A `visitor.page` that overtook this answer holds the newer page.
      const held = this.cards.value.get(id)?.card?.current_page;
      const newer = held && (!card.current_page || held.at > card.current_page.at);
      entry = { card: newer ? { ...card, current_page: held } : card };
    } catch {
      entry = { ...this.cards.value.get(id), failed: true };
    }
    const cards = new Map(this.cards.value);
    cards.set(id, entry);
    this.cards.value = cards;
  }

  /** A page view moves every card of that visitor. */
  page(e: Extract<ServerEvent, { type: "visitor.page" }>): void {
    this.cards.value = applyPage(this.cards.value, e);
  }

  /** After a reconnect only the open dialog's card is kept; the others are asked again when next opened. */
  keepOnly(id: string | null): void {
    const card = id ? this.cards.value.get(id) : undefined;
    if (this.cards.value.size > (card ? 1 : 0)) this.cards.value = card ? new Map([[id!, card]]) : new Map();
  }
}
