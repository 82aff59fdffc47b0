import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Store } from "../store";
import { avatarHue, colour, deadline, initials, lastTime, rowHeight, rowsAround, waited, waitingSince, type Filter, type LastBy, type Row, type StateFilter } from "../state/sidebar";
import { foundIn } from "../state/search";
import { Icon, WithFiles } from "./Icons";
import { PresenceDot } from "./Presence";

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
    <nav class="sidebar" aria-label="Dialogs">
      <input
        type="search"
        class="search"
        placeholder="Search name, email, phone or text"
        aria-label="Search dialogs"
        data-testid="search"
        value={v.query}
        onInput={(e) => store.sidebar.setQuery(e.currentTarget.value)}
      />
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
            <DialogRow key={row.dialog.id} row={row} store={store} now={now} height={offsets[from + i + 1] - offsets[from + i]} at={from + i + 1} of={list.length} />
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

function DialogRow({ row, store, now, height, at, of }: { row: Row; store: Store; now: number; height: number; at: number; of: number }) {
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
            {/* The channel the contact wrote through (seed 002); pinned tags will follow it on this line. */}
            <span class="channel-name" data-testid="channel-name">
              {channel}
            </span>
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
