// The sidebar's dialogs in signals: one row per dialog, the list's view (tab, filter, sort, the
// search box), the server's search, and what follows from them (the rows shown, tab counts, the
// unread count, whether anything rings). The rules are state/sidebar.ts and state/search.ts.

import { batch, computed, signal, type ReadonlySignal } from "@preact/signals";
import type { DialogView, OperatorView } from "../../../protocol/protocol";
import type { Api } from "../api";
import * as sb from "../state/sidebar";
import * as search from "../state/search";

export type Drafts = ReadonlyMap<string, string>;

const noDrafts: Drafts = new Map();

export interface SidebarDeps {
  me: ReadonlySignal<OperatorView | null>;
  /** My drafts: the search looks into them too. */
  drafts: ReadonlySignal<Drafts>;
}

export class SidebarStore {
  readonly rows = signal<sb.Rows>(new Map());
  readonly view = signal<Omit<sb.View, "me">>({ tab: "open", filter: "all", sort: "activity", query: "" });
  /** The server's search for what the search box holds. */
  readonly search = signal<search.Search>(search.idleSearch);
  /** The server's hits that count for the box as it is now. */
  readonly found = computed(() => search.hitsFor(this.search.value, this.view.value.query));

  readonly unreadDialogs = computed(() => sb.unreadDialogs(this.rows.value));
  readonly ringing = computed(() => sb.anyRinging(this.rows.value));
  /** The list's view with who I am; one object for both the rows and the tab counts. */
  private readonly fullView = computed<sb.View>(() => ({ ...this.view.value, me: this.deps.me.value?.id ?? "" }));
  /** Drafts count for the list only while searching: typing in the composer leaves it alone otherwise. */
  private readonly searchedDrafts = computed(() => (this.view.value.query.trim() ? this.deps.drafts.value : noDrafts));
  readonly visible = computed(() => sb.visibleRows(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));
  readonly tabCounts = computed(() => sb.tabCounts(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));

  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private searchAbort: AbortController | null = null;

  constructor(
    private readonly api: Pick<Api, "search">,
    private readonly deps: SidebarDeps,
  ) {}

  /** A dialog summary merged in; `ring` is the flag its event carried, if any. */
  upsert(d: DialogView, ring?: boolean): void {
    this.rows.value = sb.upsertDialog(this.rows.value, d, ring);
  }

  /**
   * The lists as loaded over HTTP; a row keeps its ring, a new one rings as the server would.
   * `before`: the rows when the lists were asked for. What events changed since then is newer
   * than the lists: a dialog created, updated or removed meanwhile stays as its event left it.
   */
  load(dialogs: readonly DialogView[], before: sb.Rows = this.rows.value): void {
    const now = this.rows.value;
    let rows: sb.Rows = new Map();
    for (const d of dialogs) {
      if (before.has(d.id) && !now.has(d.id)) continue;
      rows = sb.upsertDialog(rows, d, now.get(d.id)?.ringing ?? shouldRing(d, this.deps.me.value));
    }
    const merged = new Map(rows);
    for (const [id, row] of now) if (row !== before.get(id)) merged.set(id, row);
    rows = merged;
    // Dialogs the search found beyond the lists' pages stay while their query does.
    this.rows.value = search.mergeHits(rows, this.search.value.hits);
  }

  /** A dialog gone from my list: its row, and its place among the search's hits. */
  remove(id: string): void {
    this.rows.value = sb.removeDialog(this.rows.value, id);
    this.search.value = search.dropHit(this.search.value, id);
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
