// The sidebar's server search as plain data: which query is asked, which answer counts (only the
// latest query's), the hits merged into the rows, and how a hit's row says where it matched.

import type { SearchField, SearchHit, SearchResults } from "../../../protocol/protocol";
import { MAX_QUERY_CHARS, MIN_TERM_CHARS } from "../../../protocol/protocol";
import { upsertDialog, type Rows } from "./sidebar";

/** A word the server can find something by: `MIN_TERM_CHARS` letters or digits in a row. */
const WORD = new RegExp(`[\\p{L}\\p{N}]{${MIN_TERM_CHARS}}`, "u");
/** How long the search box waits for typing to pause before asking the server. */
export const SEARCH_DEBOUNCE_MS = 250;

/** Hits by dialog id. */
export type Hits = ReadonlyMap<string, SearchHit>;

export interface Search {
  /** The query asked (trimmed); "" when not searching. */
  query: string;
  /** Grows with every query asked or cleared: an answer carrying an older one is stale. */
  ticket: number;
  status: "idle" | "loading" | "done" | "failed";
  hits: Hits;
  error?: string;
}

export const idleSearch: Search = { query: "", ticket: 0, status: "idle", hits: new Map() };

/**
 * The query as the server is asked it, or null when asking is pointless: nothing typed, no word of
 * two letters or digits (the server answers no hits), or longer than the server accepts (both
 * limits are the server's, generated into protocol.ts).
 */
export function askable(query: string): string | null {
  const q = query.trim();
  if (!q || [...q].length > MAX_QUERY_CHARS) return null;
  return WORD.test(q) ? q : null;
}

/** A new query is asked: earlier answers go stale, the old hits no longer count. */
export function asked(s: Search, query: string): Search {
  return { query, ticket: s.ticket + 1, status: "loading", hits: new Map() };
}

/** The box is cleared (or holds nothing worth asking): any answer still on its way is stale. */
export function cleared(s: Search): Search {
  return { ...idleSearch, ticket: s.ticket + 1 };
}

/** The server's answer to the query asked with `ticket`; a stale one changes nothing. */
export function answered(s: Search, ticket: number, results: SearchResults): Search {
  if (ticket !== s.ticket) return s;
  return { ...s, status: "done", hits: new Map(results.hits.map((h) => [h.dialog.id, h])), error: undefined };
}

/** The query asked with `ticket` failed; a stale failure changes nothing. */
export function failed(s: Search, ticket: number, error: string): Search {
  if (ticket !== s.ticket) return s;
  return { ...s, status: "failed", hits: new Map(), error };
}

/** The hits that count for what the box holds now: only the answer to that very query. */
export function hitsFor(s: Search, query: string): Hits {
  return s.status === "done" && s.query === query.trim() ? s.hits : new Map();
}

/** A dialog gone from my list (`dialog.removed`, handed away) is no hit any more. */
export function dropHit(s: Search, id: string): Search {
  if (!s.hits.has(id)) return s;
  const hits = new Map(s.hits);
  hits.delete(id);
  return { ...s, hits };
}

/**
 * Found dialogs join the rows (so live events keep them current). A row already holding the same
 * or a newer summary keeps it: the answer may have been read before a push that came first.
 */
export function mergeHits(rows: Rows, hits: Hits): Rows {
  let out: Rows = rows;
  for (const hit of hits.values()) {
    const old = out.get(hit.dialog.id);
    if (old && old.dialog.seq >= hit.dialog.seq) continue;
    out = upsertDialog(out, hit.dialog);
  }
  return out;
}

export interface Found {
  /** What the row shows in place of the last message: the newest message that matched. */
  text?: string;
  /** Where it matched, when the row does not show it already (the name is shown). */
  label?: string;
}

const LABELS: Record<Exclude<SearchField, "name">, string> = {
  message: "Found in message",
  email: "Found in email",
  phone: "Found in phone",
};

/** How a hit's row says where it matched; null for a row that is not a hit or matched by name only. */
export function foundIn(hit: SearchHit | undefined): Found | null {
  if (!hit) return null;
  if (hit.message) return { text: hit.message.text, label: LABELS.message };
  const field = (["email", "phone", "message"] as const).find((f) => hit.found_in.includes(f));
  return field ? { label: LABELS[field] } : null;
}
