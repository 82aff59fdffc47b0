import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Store } from "../store";
import { avatarHue, colour, deadline, initials, lastTime, rowHeight, rowsAround, waited, waitingSince, type Filter, type LastBy, type Row, type StateFilter } from "../state/sidebar";
import { foundIn } from "../state/search";
import { can } from "../state/rights";
import { Icon, WithFiles } from "./Icons";
import { PresenceDot } from "./Presence";
import { PinnedTags, TagFilter } from "./TagFilter";

/** Rows drawn beyond each edge of the list's viewport, in pixels, so a scroll shows no blank. */
const OVERSCAN_PX = 400;
/** The next page of a list is asked for when the rows drawn come this close to its end. */
const NEAR_END_ROWS = 20;

const FILTERS: [Filter, string][] = [
  ["all", "All"],
  ["unread", "Unread"],
  ["mine", "Mine"],
  ["others", "Others"],
];

const STATES: [StateFilter, string][] = [
  ["any", "Any state"],
  ["held", "On hold"],
  ["queued", "Queued"],
];

const LAST_BY: [LastBy, string][] = [
  ["any", "Anyone wrote last"],
  ["visitor", "Visitor wrote last"],
  ["operator", "Operator wrote last"],
];

export function Sidebar({ store }: { store: Store }) {
  const v = store.sidebar.view.value;
  const set = (patch: Partial<typeof v>) => (store.sidebar.view.value = { ...v, ...patch });
  const counts = store.sidebar.tabCounts.value;
  const s = store.sidebar.search.value;
  const list = store.sidebar.visible.value;
  const found = store.sidebar.found.value;
  const listing = store.sidebar.listings.value[v.tab];
  const sort = store.sidebar.sort.value;
  const limited = store.sidebar.replyLimitSecs.value !== undefined;
  const me = store.session.me.value?.id;
  // Ticking rows to delete them is offered to who may delete dialogs (seed 002).
  const mayDelete = can(store.session.me.value, "delete_dialogs");
  const picking = mayDelete && store.sidebar.picked.value.size > 0;
  const colleagues = store.workspace.operators.value.filter((o) => o.id !== me).sort((a, b) => a.name.localeCompare(b.name));
  // Times and waits on the rows move on by themselves.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  // Only the rows in and near the viewport are drawn; padding above and below stands for the rest,
  // so thousands of dialogs cost a few dozen elements.
  const box = useRef<HTMLDivElement>(null);
  const [port, setPort] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const el = box.current!;
    const measure = () => setPort({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const seen = new ResizeObserver(measure);
    seen.observe(el);
    return () => seen.disconnect();
  }, []);
  const offsets = useMemo(() => {
    const o = [0];
    for (const r of list) o.push(o[o.length - 1] + rowHeight(found.has(r.dialog.id)));
    return o;
  }, [list, found]);
  const [from, to] = rowsAround(offsets, port.top - OVERSCAN_PX, port.top + port.height + OVERSCAN_PX);
  const total = offsets[offsets.length - 1];
  useEffect(() => {
    if (to >= list.length - NEAR_END_ROWS && !listing.complete && !listing.loading) void store.sidebar.more(v.tab);
  }, [to, list.length, v.tab, listing]);
  // Alt+arrows may pick a row out of sight: the list scrolls to it.
  const selected = store.dialog.selected.value;
  useEffect(() => {
    const at = list.findIndex((r) => r.dialog.id === selected);
    const el = box.current;
    if (at < 0 || !el) return;
    if (offsets[at] < el.scrollTop) el.scrollTop = offsets[at];
    else if (offsets[at + 1] > el.scrollTop + el.clientHeight) el.scrollTop = offsets[at + 1] - el.clientHeight;
  }, [selected]);
  return (
    <nav class={`sidebar ${picking ? "picking" : ""}`} aria-label="Dialogs">
      {/* With rows ticked, the actions on them take the search box's place (seed 002). */}
      {picking ? (
        <PickBar store={store} shown={list.map((r) => r.dialog.id)} />
      ) : (
        <input
          type="search"
          class="search"
          placeholder="Search name, email, phone or text"
          aria-label="Search dialogs"
          data-testid="search"
          value={v.query}
          onInput={(e) => store.sidebar.setQuery(e.currentTarget.value)}
        />
      )}
      {s.status === "failed" && v.query.trim() && (
        <p class="search-note" role="status" data-testid="search-error" title={s.error}>
          Could not search the server; showing what is loaded here.
        </p>
      )}
      <div class="list-head">
        <div class="tabs" role="tablist" aria-label="Open or closed">
          {(["open", "closed"] as const).map((t) => {
            const label = t === "open" ? "Open" : "Closed";
            // While searching, the other tab says how many matches it holds.
            const count = t !== v.tab ? counts[t] : undefined;
            return (
              <button
                type="button"
                role="tab"
                aria-selected={v.tab === t}
                aria-label={count !== undefined ? `${label}, ${count} found` : undefined}
                data-testid={`tab-${t}`}
                class={v.tab === t ? "on" : ""}
                onClick={() => set({ tab: t })}
              >
                {label}
                {count !== undefined && (
                  <span class="tab-count" data-testid="tab-count">
                    {" "}
                    · {count}
                  </span>
                )}
              </button>
            );
          })}
        </div>
        <label class="visually-hidden" for="sort">
          Sort
        </label>
        {/* Processing order follows the reply-time limit: without one it is not offered (seed 002). */}
        <select id="sort" data-testid="sort" value={sort} onChange={(e) => set({ sort: e.currentTarget.value as typeof v.sort })}>
          <option value="activity">Last activity</option>
          {limited && <option value="waiting">Processing order</option>}
        </select>
      </div>
      <div class="filters" role="group" aria-label="Filter">
        {FILTERS.map(([f, label]) => (
          <button type="button" aria-pressed={v.filter === f} data-testid={`filter-${f}`} class={v.filter === f ? "on" : ""} onClick={() => set({ filter: f })}>
            {label}
          </button>
        ))}
      </div>
      <div class="filters filters-more" role="group" aria-label="More filters">
        {v.filter === "others" && (
          <select aria-label="Colleague" data-testid="filter-colleague" value={v.colleague ?? ""} onChange={(e) => set({ colleague: e.currentTarget.value || undefined })}>
            <option value="">Any colleague</option>
            {colleagues.map((o) => (
              <option value={o.id}>{o.name}</option>
            ))}
          </select>
        )}
        <select aria-label="State" data-testid="filter-state" value={v.state} onChange={(e) => set({ state: e.currentTarget.value as StateFilter })}>
          {STATES.map(([value, label]) => (
            <option value={value}>{label}</option>
          ))}
        </select>
        <select aria-label="Who wrote last" data-testid="filter-last" value={v.lastBy} onChange={(e) => set({ lastBy: e.currentTarget.value as LastBy })}>
          {LAST_BY.map(([value, label]) => (
            <option value={value}>{label}</option>
          ))}
        </select>
        <TagFilter store={store} />
      </div>
      <div
        class="rows"
        ref={box}
        data-testid="dialog-list"
        aria-busy={s.status === "loading" || listing.loading}
        onScroll={(e) => setPort({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      >
        <ul style={{ paddingTop: `${offsets[from]}px`, paddingBottom: `${total - offsets[to]}px` }}>
          {list.slice(from, to).map((row, i) => (
            <DialogRow key={row.dialog.id} row={row} store={store} now={now} height={offsets[from + i + 1] - offsets[from + i]} at={from + i + 1} of={list.length} pickable={mayDelete} />
          ))}
          {list.length === 0 && <li class="empty">{listing.complete ? "No dialogs here" : "Loading…"}</li>}
        </ul>
      </div>
      <ul class="legend" aria-label="Row colours" data-testid="legend">
        <li>
          <span class="swatch waiting" aria-hidden="true" />
          Needs an answer
        </li>
        <li>
          <span class="swatch taken" aria-hidden="true" />
          A colleague's
        </li>
        <li>
          <span class="swatch mine" aria-hidden="true" />
          Mine
        </li>
      </ul>
    </nav>
  );
}

/** What a row's colour means, for screen readers (the legend says it for eyes). */
const COLOUR_WORDS = { waiting: "needs an answer", taken: "with a colleague", mine: "mine", plain: "" } as const;

/**
 * The ticked rows' bar: a checkbox that ticks or unticks every row of the list as loaded, with the
 * count; "Actions" (Delete, after a confirmation that names how many); × unticks all.
 */
function PickBar({ store, shown }: { store: Store; shown: string[] }) {
  const sidebar = store.sidebar;
  const picked = sidebar.picked.value;
  // "": the bar alone; "ask": the confirmation; "busy": deleting; else what went wrong.
  const [step, setStep] = useState("");
  const dialogs = `${picked.size} dialog${picked.size === 1 ? "" : "s"}`;
  const remove = async () => {
    setStep("busy");
    try {
      // Their rows go now; the other consoles drop them on `dialog.deleted`.
      for (const id of await sidebar.deletePicked()) store.dialog.forget(id);
      setStep("");
    } catch (e) {
      setStep(`Could not delete: ${(e as Error).message}`);
    }
  };
  return (
    <div class="pick-bar">
      <label>
        <input type="checkbox" checked={shown.every((id) => picked.has(id))} onChange={(e) => sidebar.pickOnly(e.currentTarget.checked ? shown : [])} />
        {picked.size} selected
      </label>
      <details>
        <summary>Actions</summary>
        <button type="button" class="danger" onClick={(e) => ((e.currentTarget.parentElement as HTMLDetailsElement).open = false, setStep("ask"))}>
          Delete
        </button>
      </details>
      <button type="button" class="icon-button" aria-label="Untick all" onClick={() => sidebar.pickOnly([])}>
        <Icon name="x" />
      </button>
      {step && (
        <div class="confirm" role="alert">
          {step.length > 4 ? step : `Delete ${dialogs}? Their messages and files go for good.`}
          <button type="button" class="danger" disabled={step === "busy"} onClick={() => void remove()}>
            Delete {dialogs}
          </button>
          <button type="button" onClick={() => setStep("")}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

function DialogRow({ row, store, now, height, at, of, pickable }: { row: Row; store: Store; now: number; height: number; at: number; of: number; pickable: boolean }) {
  const me = store.session.me.value!.id;
  const d = row.dialog;
  const draft = store.composer.drafts.value.get(d.id);
  const found = foundIn(store.sidebar.found.value.get(d.id));
  // A closed dialog keeps its participants but has nothing to hand back: no ×. (Transfer stays
  // in the pane: seed 002 reassigns closed dialogs, which stay closed.)
  const connected = d.status === "open" && d.participants.some((p) => p.id === me);
  const selected = store.dialog.selected.value === d.id;
  const tint = colour(d, me);
  const since = waitingSince(d);
  // With a reply-time limit the row says the time left to reply, or how long overdue, instead of the wait.
  const due = deadline(d, store.sidebar.replyLimitSecs.value, now);
  const lastAt = d.last_message?.at ?? d.last_activity;
  const channel = store.contacts.channels.value.get(d.site) ?? "Website";
  return (
    <li
      class={`row ${tint} ${selected ? "selected" : ""} ${due?.overdue ? "overdue" : ""}`}
      data-testid="dialog-row"
      data-dialog={d.id}
      data-colour={tint}
      data-ringing={String(row.ringing)}
      data-held={String(d.held_since !== undefined)}
      data-overdue={due ? String(due.overdue) : undefined}
      style={{ height: `${height}px` }}
      aria-posinset={at}
      aria-setsize={of}
    >
      {/* Over the avatar: shown while the avatar is hovered, and on every row once one is ticked. */}
      {pickable && (
        <label class="pick">
          <input type="checkbox" aria-label={`Tick ${d.visitor_name}`} checked={store.sidebar.picked.value.has(d.id)} onChange={(e) => store.sidebar.pick(d.id, e.currentTarget.checked)} />
        </label>
      )}
      <button type="button" class="row-main" aria-current={selected} onClick={() => void store.dialog.open(d.id, true)}>
        <span class="avatar" data-hue={avatarHue(d.visitor_name)} aria-hidden="true">
          {initials(d.visitor_name)}
          <span class="channel" title={`Website chat: ${channel}`}>
            <Icon name="chat" size={10} />
          </span>
        </span>
        <span class="who">
          <span class="visitor-name" title={d.visitor_name}>
            {d.visitor_name}
          </span>
          <span class="row-sub">
            {/* The channel the contact wrote through (seed 002), then the contact's pinned tags. */}
            <span class="channel-name" data-testid="channel-name">
              {channel}
            </span>
            <PinnedTags store={store} dialog={d} />
            {d.assignee && (
              <span class="assignee" data-testid="assignee">
                <PresenceDot store={store} id={d.assignee.id} />
                {d.assignee.name}
              </span>
            )}
          </span>
        </span>
        <time class="row-time" dateTime={new Date(lastAt).toISOString()} data-testid="row-time">
          {lastTime(lastAt, now)}
        </time>
        {tint !== "plain" && <span class="visually-hidden">, {COLOUR_WORDS[tint]}</span>}
        {found?.label && (
          <span class="found" data-testid="found-in">
            {found.label}
          </span>
        )}
        <span class="last">
          {found?.text !== undefined ? (
            <span data-testid="found-text">{found.text}</span>
          ) : draft ? (
            <>
              <em class="draft-label">Draft: </em>
              {draft}
            </>
          ) : (
            <WithFiles text={d.last_message?.text ?? ""} />
          )}
        </span>
        <span class="side">
          {d.held_since !== undefined && (
            <span class="held-badge" data-testid="held-badge" title="On hold">
              On hold
            </span>
          )}
          {d.queued_since !== undefined && (
            <span class="held-badge" data-testid="queued-badge" title="Everyone is busy: it waits in the queue">
              Queued
            </span>
          )}
          {due ? (
            <span class={`deadline ${due.overdue ? "overdue" : ""}`} title={due.overdue ? "Overdue: past the reply-time limit" : "Time left to reply"} data-testid="deadline">
              <Icon name="clock" size={12} />
              {due.overdue && <span class="visually-hidden">overdue, </span>}
              {due.words}
            </span>
          ) : since !== undefined && (
            <time class="waited" dateTime={new Date(since).toISOString()} title="Waiting for an answer" data-testid="waited">
              <Icon name="clock" size={12} />
              <span class="visually-hidden">waiting </span>
              {waited(since, now)}
            </time>
          )}
          {row.unread > 0 && (
            <span class="badge" data-testid="unread" aria-label={`${row.unread} unread`}>
              {row.unread}
            </span>
          )}
        </span>
      </button>
      {connected && (
        <button type="button" class="disconnect" aria-label={`Disconnect from ${d.visitor_name}`} data-testid="disconnect" title="Disconnect: hand the dialog back" onClick={() => void store.dialog.leave(d.id)}>
          <Icon name="x" />
        </button>
      )}
    </li>
  );
}
