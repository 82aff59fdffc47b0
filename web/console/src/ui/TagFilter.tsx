import { useState } from "preact/hooks";
import type { Store } from "../store";
import type { DialogView } from "../../../protocol/protocol";
import { allTags, chip, isAll, pinnedIds, pinnedTags, tagChoices, toggle, type TagFilter as Filter } from "../state/tags";

/**
 * The sidebar's filter by customer tags (seed 002), offered once the workspace has a tag: All;
 * "No tags set" (which turns the list off); the tags, combined with AND, each with its count of
 * dialogs, the selected ones first; a box to find one by name; "Pinned" (only pinned tags, and
 * dialogs whose contact pinned one).
 */
export function TagFilter({ store }: { store: Store }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const tags = store.tags.list.value;
  const v = store.sidebar.view.value;
  const f = v.tags ?? allTags;
  if (tags.length === 0) return null;
  const set = (tags: Filter) => (store.sidebar.view.value = { ...v, tags });
  const pinned = f.pinnedOnly ? pinnedIds([...store.sidebar.rows.value.values()].map((r) => r.dialog)) : new Set<string>();
  const choices = tagChoices(tags, f, query, pinned);
  const label = f.none ? "No tags" : f.selected.length ? `Tags: ${f.selected.length}` : "Tags";
  return (
    <div class="tag-filter" data-testid="tag-filter">
      <button
        type="button"
        aria-expanded={open}
        class={isAll(f) ? "" : "on"}
        data-testid="tag-filter-toggle"
        onClick={() => {
          if (!open) void store.tags.load();
          setOpen(!open);
        }}
      >
        {label}
      </button>
      {open && (
        <div class="tag-filter-panel" role="group" aria-label="Filter by tags">
          <label>
            <input type="radio" name="tag-mode" checked={!f.none && f.selected.length === 0} data-testid="tag-filter-all" onChange={() => set(allTags)} /> All
          </label>
          <label>
            <input type="radio" name="tag-mode" checked={f.none} data-testid="tag-filter-none" onChange={() => set({ ...allTags, none: true })} /> No tags set
          </label>
          <label>
            <input type="checkbox" role="switch" checked={f.pinnedOnly} disabled={f.none} data-testid="tag-filter-pinned" onChange={(e) => set({ ...f, pinnedOnly: e.currentTarget.checked })} /> Pinned
          </label>
          <input type="search" placeholder="Find a tag" aria-label="Find a tag" value={query} disabled={f.none} data-testid="tag-filter-search" onInput={(e) => setQuery(e.currentTarget.value)} />
          <ul class="tag-choices" aria-disabled={f.none}>
            {choices.map((t) => (
              <li key={t.id}>
                <label data-testid="tag-choice" data-tag={t.id}>
                  <input type="checkbox" checked={f.selected.includes(t.id)} disabled={f.none} onChange={() => set(toggle(f, t.id))} />
                  <span class="tag-chip" style={chip(t.colour)}>
                    {t.name}
                  </span>
                  <span class="tag-count" data-testid="tag-count">
                    {t.dialogs}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** A row's pinned tags, under the contact's name. */
export function PinnedTags({ store, dialog }: { store: Store; dialog: DialogView }) {
  return (
    <>
      {pinnedTags(dialog, store.tags.byId.value).map((t) => (
        <span class="tag-chip" key={t.id} style={chip(t.colour)} data-testid="row-tag">
          {t.name}
        </span>
      ))}
    </>
  );
}
