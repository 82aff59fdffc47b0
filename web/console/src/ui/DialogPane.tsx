import { useComputed } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Attachment, MessageView } from "../../../protocol/protocol";
import type { Store } from "../store";
import { clock, lines, mark, type Line } from "../state/timeline";
import { Composer } from "./Composer";
import { linkParts } from "../state/links";
import { VisitorPanel } from "./VisitorPanel";
import { AttachmentsPanel, Lightbox, MessageFiles } from "./Attachments";
import { draggingFiles, gallery, summary, type Shown } from "../state/attachments";
import { Icon, WithFiles } from "./Icons";
import { OperatorLink } from "./OperatorCard";
import { useEscape } from "./escape";
import { canTransfer } from "../state/rights";
import { transferTargets } from "../state/team";
import { PresenceDot } from "./Presence";

export function DialogPane({ store }: { store: Store }) {
  const id = store.dialog.selected.value;
  // Only this dialog's row, pane and typing: another dialog's update leaves the open timeline alone.
  const row = useComputed(() => {
    const sel = store.dialog.selected.value;
    return sel ? store.sidebar.rows.value.get(sel) : undefined;
  }).value;
  const pane = useComputed(() => {
    const sel = store.dialog.selected.value;
    return sel ? store.timeline.panes.value.get(sel) : undefined;
  }).value;
  const typing = useComputed(() => {
    const sel = store.dialog.selected.value;
    return sel ? store.timeline.typing.value.has(sel) : false;
  }).value;
  const meId = store.session.me.value?.id ?? "";
  const pending = store.composer.pending.value;
  const all = useMemo(() => (id ? lines(pane?.messages ?? [], pending, id, meId) : []), [pane?.messages, pending, id, meId]);
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [transfer, setTransfer] = useState(false);
  const [quickFrom, setQuickFrom] = useState<string | null>(null);
  const [whisper, setWhisper] = useState(false);
  const [lightbox, setLightbox] = useState<{ items: Shown[]; at: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const images = useMemo(() => gallery(pane?.messages ?? []), [pane?.messages]);
  useEffect(() => {
    setReplyTo(null);
    setTransfer(false);
    setLightbox(null);
  }, [id]);
  // Escape closes what is open over the dialog, newest first (ui/escape.ts); the side panels not
  // from a field, so Escape in the composer never folds the visitor card.
  const filesOpen = store.attachments.panel.value;
  const panelOpen = store.visitor.panel.value && !filesOpen;
  useEscape(!!id && transfer, () => setTransfer(false));
  useEscape(!!id && filesOpen, () => (store.attachments.panel.value = false), false);
  useEscape(!!id && panelOpen, () => (store.visitor.panel.value = false), false);
  useEffect(() => {
    // A file dropped beside the conversation must not make the browser open it in place of the console.
    const keep = (e: DragEvent) => draggingFiles(e.dataTransfer?.types) && e.preventDefault();
    addEventListener("dragover", keep);
    addEventListener("drop", keep);
    return () => {
      removeEventListener("dragover", keep);
      removeEventListener("drop", keep);
    };
  }, []);
  if (!id || !row) {
    return (
      <main class="pane empty-pane" aria-label="Dialog">
        <p>Pick a dialog on the left. Alt+↑ / Alt+↓ move between dialogs.</p>
      </main>
    );
  }
  const d = row.dialog;
  // Files dropped anywhere on the conversation go into the composer's tray (a whisper takes none).
  const drop = {
    onDragEnter: (e: DragEvent) => {
      if (!draggingFiles(e.dataTransfer?.types)) return;
      e.preventDefault();
      dragDepth.current++;
      setDragging(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!draggingFiles(e.dataTransfer?.types)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = "copy";
    },
    onDragLeave: () => {
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      const files = [...(e.dataTransfer?.files ?? [])];
      dragDepth.current = 0;
      setDragging(false);
      if (files.length === 0) return;
      e.preventDefault();
      if (whisper) store.attachments.refuse(id, "Whispers are text-only: turn whisper off to send files.");
      else void store.attachments.attach(id, files);
    },
  };
  return (
    <main class="pane" aria-label={`Dialog with ${d.visitor_name}`} data-testid="pane" data-dialog={id}>
      <header class="pane-head">
        <button type="button" class="back icon-button" aria-label="Back to the dialogs" data-testid="back" onClick={() => (store.dialog.selected.value = null)}>
          <Icon name="back" />
        </button>
        <div class="pane-title">
          <h2 title={d.visitor_name}>{d.visitor_name}</h2>
          <span class="sub">
            {d.status === "closed" ? (
              "Closed"
            ) : d.assignee ? (
              <>
                <PresenceDot store={store} id={d.assignee.id} />
                With <OperatorLink store={store} id={d.assignee.id} name={d.assignee.name} />
              </>
            ) : (
              "Waiting for an operator"
            )}
            {d.held_since !== undefined && (
              <span class="held-badge" data-testid="pane-held">
                On hold
              </span>
            )}
            {d.queued_since !== undefined && (
              <span class="held-badge" data-testid="pane-queued">
                Queued
              </span>
            )}
          </span>
        </div>
        {/* Each action an icon with its name beside it; on narrow screens the icon alone, the name kept for screen readers and as a tooltip. */}
        <div class="actions">
          {canTransfer(store.session.me.value, d) && (
            <button type="button" data-testid="transfer" title="Transfer to another operator" onClick={() => setTransfer(!transfer)} aria-expanded={transfer}>
              <Icon name="transfer" />
              <span class="label">Transfer</span>
            </button>
          )}
          {/* Hold (seed 004): an operator connected to the dialog puts it aside to take another. */}
          {d.status === "open" && d.participants.some((p) => p.id === store.session.me.value?.id) &&
            (d.held_since === undefined ? (
              <button type="button" data-testid="hold" title="Put the dialog on hold: the visitor is told" onClick={() => void store.dialog.command({ action: "assign", op: "hold", dialog_id: id })}>
                <Icon name="pause" />
                <span class="label">Hold</span>
              </button>
            ) : (
              <button type="button" data-testid="resume" title="Take the dialog off hold" onClick={() => void store.dialog.command({ action: "assign", op: "resume", dialog_id: id })}>
                <Icon name="play" />
                <span class="label">Resume</span>
              </button>
            ))}
          {d.status === "open" ? (
            <button type="button" data-testid="close" title="Close the dialog" onClick={() => void store.dialog.command({ action: "close", op: "close", dialog_id: id })}>
              <Icon name="close" />
              <span class="label">Close</span>
            </button>
          ) : (
            <button type="button" data-testid="reopen" title="Reopen the dialog" onClick={() => void store.dialog.command({ action: "close", op: "reopen", dialog_id: id })}>
              <Icon name="reopen" />
              <span class="label">Reopen</span>
            </button>
          )}
          <button type="button" data-testid="mark-unread" title="Mark unread (for me alone)" onClick={() => void store.dialog.markUnread(id)}>
            <Icon name="unread" />
            <span class="label">Mark unread</span>
          </button>
          <button
            type="button"
            data-testid="attachments-toggle"
            title="Show attachments"
            aria-expanded={filesOpen}
            aria-controls="attachments-panel"
            onClick={() => (store.attachments.panel.value = !filesOpen)}
          >
            <Icon name="files" />
            <span class="label">Attachments</span>
          </button>
          <button
            type="button"
            data-testid="visitor-toggle"
            title={panelOpen ? "Hide the visitor" : "Show the visitor"}
            aria-expanded={panelOpen}
            aria-controls="visitor-panel"
            onClick={() => {
              store.attachments.panel.value = false;
              store.visitor.panel.value = !panelOpen;
            }}
          >
            <Icon name="user" />
            <span class="label">Visitor</span>
          </button>
        </div>
      </header>
      <div class="pane-body">
        <div class="conversation" {...drop}>
          {dragging && (
            <div class="drop-zone" data-testid="drop-zone">
              {whisper ? "Whispers are text-only: turn whisper off to send files" : `Drop files to send to ${d.visitor_name}`}
            </div>
          )}
          {transfer && canTransfer(store.session.me.value, d) && <Transfer store={store} dialogId={id} done={() => setTransfer(false)} />}
          <Timeline
            store={store}
            dialogId={id}
            lines={all}
            onReply={setReplyTo}
            onQuick={setQuickFrom}
            onOpen={(seq, a) => setLightbox({ items: images, at: Math.max(0, images.findIndex((s) => s.seq === seq && s.attachment.id === a.id)) })}
            more={pane?.more ?? false}
            loading={pane?.loading ?? false}
          />
          <div class="typing" aria-live="polite" data-testid="typing">
            {typing ? `${d.visitor_name} is typing…` : ""}
          </div>
          {d.blocked && d.contact_id ? (
            <Blocked store={store} contactId={d.contact_id} />
          ) : (
            <Composer
              store={store}
              dialogId={id}
              replyTo={replyTo}
              clearReply={() => setReplyTo(null)}
              quickFrom={quickFrom}
              clearQuickFrom={() => setQuickFrom(null)}
              whisper={whisper}
              setWhisper={setWhisper}
            />
          )}
        </div>
        {panelOpen && <VisitorPanel store={store} dialogId={id} />}
        {filesOpen && (
          <AttachmentsPanel store={store} dialogId={id} status={d.status} seen={images.length + withFiles(pane?.messages)} onOpen={(items, at) => setLightbox({ items, at })} />
        )}
      </div>
      {lightbox && lightbox.items.length > 0 && (
        <Lightbox store={store} dialogId={id} items={lightbox.items} at={lightbox.at} onStep={(at) => setLightbox({ ...lightbox, at })} onClose={() => setLightbox(null)} />
      )}
    </main>
  );
}

/** In place of the composer while the dialog's contact is blocked: no message goes either way. */
function Blocked({ store, contactId }: { store: Store; contactId: string }) {
  const [refused, setRefused] = useState<string | null>(null);
  return (
    <div class="composer blocked" role="status" data-testid="blocked-warning">
      <p>This contact is blocked: no messages go to or from them.</p>
      <button type="button" data-testid="unblock" onClick={async () => setRefused((await store.contacts.block(contactId, false))?.message ?? null)}>
        Unblock
      </button>
      {refused && (
        <p class="error" role="alert">
          {refused}
        </p>
      )}
    </div>
  );
}

/** A delivery mark's icon and words: a clock while queued, one tick delivered, two read, a cross refused. */
const MARK_ICONS = { queued: "clock", delivered: "check", read: "checks", failed: "failed" } as const;
const MARK_TITLES = { queued: "Queued", delivered: "Delivered", read: "Read", failed: "Not sent" } as const;

/** How many messages carry files: the attachments panel loads again when it grows. */
function withFiles(messages: readonly MessageView[] | undefined): number {
  return (messages ?? []).filter((m) => m.attachments?.length).length;
}

function Timeline(props: {
  store: Store;
  dialogId: string;
  lines: Line[];
  more: boolean;
  loading: boolean;
  onReply(m: MessageView): void;
  onQuick(text: string): void;
  onOpen(seq: number, a: Attachment): void;
}) {
  const { store, dialogId, lines: all } = props;
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  const first = all[0]?.type === "pending" ? undefined : all[0];
  const last = all.length;
  // New lines at the bottom keep the view at the bottom; older ones loaded on top keep it still.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (heightBefore.current !== null) {
      el.scrollTop += el.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [last, first, dialogId]);
  useEffect(() => {
    atBottom.current = true;
  }, [dialogId]);
  const onScroll = () => {
    const el = box.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 60 && props.more && !props.loading) {
      heightBefore.current = el.scrollHeight;
      void store.timeline.loadOlder(dialogId);
    }
  };
  const bySeq = useMemo(() => {
    const out = new Map<number, MessageView>();
    for (const l of all) if (l.type !== "pending") out.set(l.message.seq, l.message);
    return out;
  }, [all]);
  return (
    <div class="timeline" ref={box} onScroll={onScroll} data-testid="timeline" tabIndex={0} aria-label="Messages">
      {props.more && <div class="older">{props.loading ? "Loading older messages…" : "Scroll up for older messages"}</div>}
      {all.map((l) => {
        if (l.type === "system") {
          return (
            <div class="system" data-testid="system" data-event={l.message.event?.event} key={l.message.seq}>
              {l.message.text}
              {l.message.event?.event === "transferred" && l.message.event.comment ? `: “${l.message.event.comment}”` : ""} ·{" "}
              <time dateTime={new Date(l.message.created_at).toISOString()}>{clock(l.message.created_at)}</time>
            </div>
          );
        }
        if (l.type === "pending") {
          const f = l.item.failed;
          return (
            <div class={`msg ${l.item.kind === "whisper" ? "whisper" : "mine"}`} data-testid="message" data-pending="true" key={l.item.client_id}>
              {l.item.text && <p class="text">{l.item.text}</p>}
              {l.item.attachments?.length ? (
                <ul class="pending-files">
                  {l.item.attachments.map((a) => (
                    <li key={a.id}>{a.name}</li>
                  ))}
                </ul>
              ) : null}
              <span class="meta">
                {f ? (
                  <>
                    <span class="mark failed" data-testid="mark" data-status="failed" title={f.reason}>
                      <Icon name="failed" size={14} /> {f.reason}
                    </span>{" "}
                    <button type="button" class="link" onClick={() => store.composer.retry(l.item.client_id)}>
                      Retry
                    </button>{" "}
                    <button type="button" class="link" onClick={() => store.composer.discard(l.item.client_id)}>
                      Discard
                    </button>
                  </>
                ) : (
                  <span class="mark" data-testid="mark" data-status="queued" role="img" aria-label="queued" title="Queued: sent once connected">
                    <Icon name="clock" size={14} />
                  </span>
                )}
              </span>
            </div>
          );
        }
        const m = l.message;
        const quoted = m.reply_to !== undefined ? bySeq.get(m.reply_to) : undefined;
        const status = mark(m);
        return (
          <div class={`msg ${l.who}`} data-testid="message" data-kind={m.kind} data-seq={m.seq} key={m.seq}>
            <span class="author">
              {l.who === "whisper" ? `Whisper · ${m.author_name ?? ""}` : (m.author_name ?? "")}
            </span>
            {quoted && (
              <blockquote class="quote">
                <WithFiles text={summary(quoted)} />
              </blockquote>
            )}
            {m.text && (
              <p class="text">
                {linkParts(m.text).map((p) =>
                  p.href ? (
                    <a href={p.href} target="_blank" rel="noopener noreferrer nofollow">
                      {p.text}
                    </a>
                  ) : (
                    p.text
                  ),
                )}
              </p>
            )}
            {m.attachments?.length ? <MessageFiles store={store} dialogId={dialogId} seq={m.seq} attachments={m.attachments} onOpen={(a) => props.onOpen(m.seq, a)} /> : null}
            <span class="meta">
              <time dateTime={new Date(m.created_at).toISOString()}>{clock(m.created_at)}</time>
              {status && (
                <span class={`mark ${status}`} data-testid="mark" data-status={status} role="img" aria-label={status} title={MARK_TITLES[status]}>
                  <Icon name={MARK_ICONS[status]} size={14} />
                </span>
              )}
            </span>
            <span class="hover-actions">
              <button type="button" aria-label="Quote" title="Quote" data-testid="quote" onClick={() => props.onReply(m)}>
                <Icon name="reply" size={14} />
              </button>
              <button type="button" aria-label="Make a quick reply" title="Make a quick reply" data-testid="make-quick" onClick={() => props.onQuick(m.text)}>
                <Icon name="bolt" size={14} />
              </button>
            </span>
          </div>
        );
      })}
    </div>
  );
}

function Transfer({ store, dialogId, done }: { store: Store; dialogId: string; done(): void }) {
  const me = store.session.me.value!;
  const available = transferTargets(store.workspace.operators.value, me.id);
  const [to, setTo] = useState(available[0]?.id ?? "");
  const [comment, setComment] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!to) return;
    if (await store.dialog.transfer(dialogId, to, comment.trim())) done();
  };
  return (
    <form class="transfer" onSubmit={submit} data-testid="transfer-form">
      {available.length === 0 ? (
        <p>No other operator is available (online, with a console open).</p>
      ) : (
        <>
          <label>
            To
            <select value={to} data-testid="transfer-to" onChange={(e) => setTo(e.currentTarget.value)}>
              {available.map((o) => (
                <option value={o.id}>{o.name}</option>
              ))}
            </select>
          </label>
          <label>
            Comment (operators only)
            <input type="text" maxLength={500} data-testid="transfer-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" data-testid="transfer-submit">
            Transfer
          </button>
        </>
      )}
      <button type="button" class="link" onClick={done}>
        Cancel
      </button>
    </form>
  );
}
