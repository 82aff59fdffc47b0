// The sidebar's dialogs in signals: one row per dialog, the lists as paged from the server, the
// list's view (tab, filter, sort, the search box), the server's search, and what follows from them
// (the rows shown, tab counts, the unread count, whether anything rings). The rules are
// state/sidebar.ts and state/search.ts.

import { batch, computed, signal, type ReadonlySignal } from "@preact/signals";
import type { ChatHandling, DialogPage, DialogView, OperatorView, TagView } from "../../../protocol/protocol";
import type { Api } from "../api";
import * as sb from "../state/sidebar";
import * as search from "../state/search";
import { allTags } from "../state/tags";

export type Drafts = ReadonlyMap<string, string>;

const noDrafts: Drafts = new Map();

/** How far one list (open or closed) is loaded: the cursor of its next page, if any. */
export interface Listing {
  next?: string;
  /** Every page is in: rows missing from them are gone. */
  complete: boolean;
  loading: boolean;
}

const unlisted: Listing = { complete: false, loading: false };

/** The most dialogs one delete request names (the server's `MAX_DIALOGS_PER_DELETE`). */
export const MAX_DELETE = 100;

export interface SidebarDeps {
  me: ReadonlySignal<OperatorView | null>;
  /** My drafts: the search looks into them too. */
  drafts: ReadonlySignal<Drafts>;
  /** The workspace's chat handling: its reply-time limit decides whether processing order is offered. */
  handling?: ReadonlySignal<ChatHandling | null>;
  /** The workspace's tags by id: the tag filter ignores ids it does not hold (deleted tags). */
  tags?: ReadonlySignal<ReadonlyMap<string, TagView>>;
}

export class SidebarStore {
  readonly rows = signal<sb.Rows>(new Map());
  readonly listings = signal<Record<sb.Tab, Listing>>({ open: unlisted, closed: unlisted });
  readonly view = signal<Omit<sb.View, "me" | "replyLimitSecs" | "tagDefs">>({ tab: "open", filter: "all", sort: "activity", query: "", state: "any", lastBy: "any", tags: allTags });
  /** The workspace's reply-time limit in seconds, if it has one. */
  readonly replyLimitSecs = computed(() => this.deps.handling?.value?.reply_time_limit_secs);
  /** The sort the list uses: processing order falls back to last activity without a limit. */
  readonly sort = computed(() => sb.effectiveSort(this.view.value.sort, this.replyLimitSecs.value));
  /** The server's search for what the search box holds. */
  readonly search = signal<search.Search>(search.idleSearch);
  /**
   * Dialogs ticked in the list for an action on all of them at once (seed 002: deleting), by id.
   * A row that leaves the list leaves it too.
   */
  readonly picked = signal<ReadonlySet<string>>(new Set());
  /** The server's hits that count for the box as it is now. */
  readonly found = computed(() => search.hitsFor(this.search.value, this.view.value.query));

  readonly unreadDialogs = computed(() => sb.unreadDialogs(this.rows.value));
  readonly ringing = computed(() => sb.anyRinging(this.rows.value));
  /** The list's view with who I am; one object for both the rows and the tab counts. */
  private readonly fullView = computed<sb.View>(() => ({ ...this.view.value, me: this.deps.me.value?.id ?? "", replyLimitSecs: this.replyLimitSecs.value, tagDefs: this.deps.tags?.value }));
  /** Drafts count for the list only while searching: typing in the composer leaves it alone otherwise. */
  private readonly searchedDrafts = computed(() => (this.view.value.query.trim() ? this.deps.drafts.value : noDrafts));
  readonly visible = computed(() => sb.visibleRows(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));
  readonly tabCounts = computed(() => sb.tabCounts(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));

  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private searchAbort: AbortController | null = null;
  /**
   * The round of lists under way (one per (re)connect): the rows when it began, and the dialogs its
   * pages held so far. A page of an earlier round is dropped.
   */
  private round = { n: 0, before: new Map() as sb.Rows, seen: new Set<string>() };

  constructor(
    private readonly api: Pick<Api, "search" | "dialogs" | "deleteDialogs">,
    private readonly deps: SidebarDeps,
  ) {}

  /** A dialog summary merged in; `ring` is the flag its event carried, if any. */
  upsert(d: DialogView, ring?: boolean): void {
    this.rows.value = sb.upsertDialog(this.rows.value, d, ring);
  }

  /** Both lists whole, as loaded over HTTP (see `page`). */
  load(dialogs: readonly DialogView[], before: sb.Rows = this.rows.value): void {
    const n = this.begin(before);
    batch(() => {
      for (const tab of ["open", "closed"] as const) this.page(tab, { dialogs: dialogs.filter((d) => d.status === tab), unread_dialogs: 0 }, n);
    });
  }

  /**
   * A new round of lists, after every (re)connect: `before` is the rows when the first pages were
   * asked for. Returns the round, for its pages.
   */
  begin(before: sb.Rows = this.rows.value): number {
    this.round = { n: this.round.n + 1, before, seen: new Set() };
    this.listings.value = { open: unlisted, closed: unlisted };
    return this.round.n;
  }

  /**
   * One page of a list, newest activity first; a row keeps its ring, a new one rings as the server
   * would. What events changed since the round began is newer than the page: a dialog created,
   * updated or removed meanwhile stays as its event left it. A row the round's pages have passed
   * over (its last activity above this page's oldest, or any once the list is complete) and that no
   * event touched is gone from the list: it is dropped.
   */
  page(tab: sb.Tab, p: DialogPage, n = this.round.n): void {
    if (n !== this.round.n) return;
    const { before, seen } = this.round;
    const now = this.rows.value;
    let rows: sb.Rows = now;
    for (const d of p.dialogs) {
      seen.add(d.id);
      const row = now.get(d.id);
      if (before.has(d.id) ? row !== before.get(d.id) : row) continue;
      rows = sb.upsertDialog(rows, d, row?.ringing ?? shouldRing(d, this.deps.me.value));
    }
    const complete = p.next_cursor === undefined;
    const floor = complete ? -Infinity : (p.dialogs.at(-1)?.last_activity ?? Infinity);
    const out = new Map(rows);
    for (const [id, row] of rows) {
      if (row.dialog.status === tab && !seen.has(id) && before.get(id) === row && row.dialog.last_activity > floor) out.delete(id);
    }
    batch(() => {
      // Dialogs the search found beyond the lists' pages stay while their query does.
      this.rows.value = search.mergeHits(out, this.search.value.hits);
      this.listings.value = { ...this.listings.value, [tab]: { next: p.next_cursor, complete, loading: false } };
    });
  }

  /**
   * The next page of a list, if it has one and none is on its way: as the operator scrolls near the
   * end of the rows shown. True when a page came.
   */
  async more(tab: sb.Tab): Promise<boolean> {
    const l = this.listings.value[tab];
    if (l.complete || l.loading || l.next === undefined) return false;
    const n = this.round.n;
    this.listings.value = { ...this.listings.value, [tab]: { ...l, loading: true } };
    try {
      this.page(tab, await this.api.dialogs(tab, l.next), n);
      return n === this.round.n;
    } catch {
      if (n === this.round.n) this.listings.value = { ...this.listings.value, [tab]: { ...l, loading: false } };
      return false;
    }
  }

  /**
   * Every page of a list, one after another: the open list, whose dialogs all count for the
   * header's unread number (the server counts per page only).
   */
  async loadAll(tab: sb.Tab): Promise<void> {
    while (await this.more(tab));
  }

  /** A dialog gone from my list: its row, its place among the search's hits, its tick. */
  remove(id: string): void {
    batch(() => {
      this.rows.value = sb.removeDialog(this.rows.value, id);
      this.search.value = search.dropHit(this.search.value, id);
      if (this.picked.value.has(id)) this.pick(id, false);
    });
  }

  /** Ticks a row, or unticks it. */
  pick(id: string, on: boolean): void {
    const next = new Set(this.picked.value);
    if (on) next.add(id);
    else next.delete(id);
    this.picked.value = next;
  }

  /** Ticks exactly these rows (none: unticks all). */
  pickOnly(ids: readonly string[]): void {
    this.picked.value = new Set(ids);
  }

  /**
   * Deletes the ticked dialogs on the server, `MAX_DELETE` to a request, and unticks them; answers
   * the ids it deleted (their rows go when the server's `dialog.deleted` comes, or at once by the
   * caller). A failure throws and keeps every tick: the same delete again finishes the rest (what
   * is gone already is no error).
   */
  async deletePicked(): Promise<string[]> {
    const ids = [...this.picked.value];
    const deleted: string[] = [];
    for (let at = 0; at < ids.length; at += MAX_DELETE) deleted.push(...(await this.api.deleteDialogs(ids.slice(at, at + MAX_DELETE))).deleted);
    this.picked.value = new Set();
    return deleted;
  }

  setUnread(id: string, unread: number): void {
    this.rows.value = sb.setUnread(this.rows.value, id, unread);
  }

  /**
   * The search box changed: the list filters what it holds at once, and the server is asked once
   * typing pauses. Only the latest query's answer counts; clearing the box cancels what is asked.
   */
  setQuery(query: string): void {
    this.view.value = { ...this.view.value, query };
    const q = search.askable(query);
    const now = this.search.value;
    if (q !== null && q === now.query && now.status !== "failed") return;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = null;
    this.searchAbort?.abort();
    this.searchAbort = null;
    if (q === null) {
      this.search.value = search.cleared(now);
      return;
    }
    const asked = search.asked(now, q);
    this.search.value = asked;
    this.searchTimer = setTimeout(() => void this.runSearch(q, asked.ticket), search.SEARCH_DEBOUNCE_MS);
  }

  private async runSearch(query: string, ticket: number): Promise<void> {
    this.searchTimer = null;
    const abort = new AbortController();
    this.searchAbort = abort;
    try {
      const results = await this.api.search(query, abort.signal);
      batch(() => {
        const before = this.search.value;
        this.search.value = search.answered(before, ticket, results);
        if (this.search.value !== before) this.rows.value = search.mergeHits(this.rows.value, this.search.value.hits);
      });
    } catch (e) {
      if (abort.signal.aborted) return;
      this.search.value = search.failed(this.search.value, ticket, e instanceof Error ? e.message : String(e));
    } finally {
      if (this.searchAbort === abort) this.searchAbort = null;
    }
  }
}

/** A dialog loaded over HTTP rings when the server would ring for it: open, waiting, nobody connected, I am online. */
export function shouldRing(d: DialogView, me: OperatorView | null): boolean {
  return d.status === "open" && d.needs_answer && d.participants.length === 0 && me?.status === "online";
}
