import { useEffect, useRef, useState } from "preact/hooks";
import type { Attachment, DialogAttachment } from "../../../protocol/protocol";
import type { Store } from "../store";
import { fit, needsLinks, resendBlock, tabs, type Shown } from "../state/attachments";
import { megabytes } from "../../../common/upload";
import { safeHref } from "../state/links";
import { Icon } from "./Icons";
import { useEscape } from "./escape";

/** The largest side of an image in the timeline, in CSS pixels. */
const INLINE_PX = 240;
const THUMB_PX = 104;

interface Where {
  store: Store;
  dialogId: string;
  seq: number;
}

/** A message's files: images inline with their preview (click to enlarge), others as a row to download. */
export function MessageFiles({ store, dialogId, seq, attachments, onOpen }: Where & { attachments: Attachment[]; onOpen(a: Attachment): void }) {
  return (
    <div class="files">
      {attachments.map((a) =>
        a.kind === "image" ? (
          <Picture key={a.id} store={store} dialogId={dialogId} seq={seq} a={a} max={INLINE_PX} onOpen={() => onOpen(a)} />
        ) : (
          <div key={a.id} class="file-row" data-testid="file">
            <span class="file-name">{a.name}</span> <span class="muted">{megabytes(a.size)}</span>{" "}
            <Download store={store} dialogId={dialogId} seq={seq} a={a} />
          </div>
        ),
      )}
    </div>
  );
}

/** An image's preview, boxed to its own shape before it loads; a broken link is asked for again. */
function Picture({ store, dialogId, seq, a, max, onOpen }: Where & { a: Attachment; max: number; onOpen(): void }) {
  const held = store.attachments.links.value.get(a.id)?.links;
  useEffect(() => {
    void store.attachments.linksFor(dialogId, seq, a.id);
  }, [dialogId, seq, a.id]);
  const { width, height } = fit(a, max);
  return (
    <button type="button" class="picture" onClick={onOpen} aria-label={`Enlarge ${a.name}`} data-testid="picture">
      <img
        src={safeHref(held?.preview_url ?? held?.url)}
        alt={a.name}
        width={width}
        height={height}
        onError={() => void store.attachments.linksFor(dialogId, seq, a.id, true)}
      />
    </button>
  );
}

/** The file under its name; a link about to expire is fetched again first. */
function Download({ store, dialogId, seq, a }: Where & { a: Attachment }) {
  const held = store.attachments.links.value.get(a.id);
  useEffect(() => {
    void store.attachments.linksFor(dialogId, seq, a.id);
  }, [dialogId, seq, a.id]);
  const href = safeHref(held?.links.url);
  if (!href) return <span class="muted">Download…</span>;
  const onClick = async (e: MouseEvent) => {
    if (!needsLinks(held, Date.now())) return;
    e.preventDefault();
    const fresh = safeHref((await store.attachments.linksFor(dialogId, seq, a.id))?.url);
    if (!fresh) return;
    const link = document.createElement("a");
    link.href = fresh;
    link.download = a.name;
    link.click();
  };
  return (
    <a class="download" href={href} download={a.name} onClick={onClick} data-testid="download">
      Download<span class="visually-hidden"> {a.name}</span>
    </a>
  );
}

/** The original of an image, over everything (a modal dialog): Escape or × closes, arrows step through the others. */
export function Lightbox({ store, dialogId, items, at, onStep, onClose }: { store: Store; dialogId: string; items: Shown[]; at: number; onStep(at: number): void; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const shown = items[at];
  const held = store.attachments.links.value.get(shown.attachment.id)?.links;
  // Newest of what Escape closes (ui/escape.ts), so the panels under it stay open.
  useEscape(true, onClose);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    ref.current?.querySelector<HTMLElement>('[data-testid="lightbox-close"]')?.focus();
    return () => {
      ref.current?.close();
      // The focus goes back where it was when the lightbox opened.
      setTimeout(() => opener?.isConnected && opener.focus());
    };
  }, []);
  useEffect(() => {
    void store.attachments.linksFor(dialogId, shown.seq, shown.attachment.id);
  }, [dialogId, shown.seq, shown.attachment.id]);
  const step = (by: number) => items.length > 1 && onStep((at + by + items.length) % items.length);
  const name = shown.attachment.name;
  return (
    <dialog
      ref={ref}
      class="lightbox"
      aria-label={name}
      data-testid="lightbox"
      onCancel={(e) => (e.preventDefault(), onClose())}
      onKeyDown={(e) => (e.key === "ArrowRight" ? step(1) : e.key === "ArrowLeft" ? step(-1) : undefined)}
    >
      <div class="lightbox-bar">
        <span>
          {name}
          {items.length > 1 ? ` · ${at + 1} of ${items.length}` : ""}
        </span>
        {items.length > 1 && (
          <>
            <button type="button" class="icon-button" aria-label="Previous image" onClick={() => step(-1)}>
              <Icon name="back" />
            </button>
            <button type="button" class="icon-button" aria-label="Next image" onClick={() => step(1)}>
              <Icon name="next" />
            </button>
          </>
        )}
        <Download store={store} dialogId={dialogId} seq={shown.seq} a={shown.attachment} />
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose} data-testid="lightbox-close">
          <Icon name="x" />
        </button>
      </div>
      <img
        src={safeHref(held?.url)}
        alt={name}
        data-testid="lightbox-image"
        onError={() => void store.attachments.linksFor(dialogId, shown.seq, shown.attachment.id, true)}
      />
    </dialog>
  );
}

type Tab = "images" | "files";

/**
 * "Show attachments": every file sent and received in the dialog, images and other files in their
 * own tabs, each to download or send again. Loads when opened and when the dialog gets new files.
 */
export function AttachmentsPanel({ store, dialogId, status, seen, onOpen }: { store: Store; dialogId: string; status: "open" | "closed"; seen: number; onOpen(items: Shown[], at: number): void }) {
  const [items, setItems] = useState<DialogAttachment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("images");
  const [queued, setQueued] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    store.attachments.dialogAttachments(dialogId).then(
      (a) => live && (setItems(a), setError(null)),
      (e) => live && setError(`Could not load the attachments: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => void (live = false);
  }, [dialogId, seen]);
  useEffect(() => setQueued(null), [dialogId]);
  const { images, files } = tabs(items ?? []);
  const blocked = resendBlock(status);
  const pick = (t: Tab) => {
    setTab(t);
    document.getElementById(`att-tab-${t}`)?.focus();
  };
  const again = (item: DialogAttachment) => {
    void store.composer.resend(dialogId, item);
    setQueued(`${item.attachment.name} is on its way to the visitor.`);
  };
  const actions = (item: DialogAttachment) => (
    <span class="att-actions">
      <Download store={store} dialogId={dialogId} seq={item.seq} a={item.attachment} />
      <button type="button" class="link" disabled={!!blocked} aria-describedby={blocked ? "resend-blocked" : undefined} onClick={() => again(item)} data-testid="resend">
        Send again<span class="visually-hidden"> {item.attachment.name}</span>
      </button>
    </span>
  );
  const tabButton = (t: Tab, label: string, count: number) => (
    <button
      type="button"
      role="tab"
      id={`att-tab-${t}`}
      aria-selected={tab === t}
      aria-controls={`att-panel-${t}`}
      tabIndex={tab === t ? 0 : -1}
      onClick={() => setTab(t)}
      onKeyDown={(e) => (e.key === "ArrowRight" || e.key === "ArrowLeft") && pick(t === "images" ? "files" : "images")}
    >
      {label} {items ? `(${count})` : ""}
    </button>
  );
  return (
    <aside class="side-panel attachments-panel" id="attachments-panel" aria-label="Attachments" data-testid="attachments-panel">
      <h3>Attachments</h3>
      <div role="tablist" aria-label="Kinds of attachments" class="att-tabs">
        {tabButton("images", "Images", images.length)}
        {tabButton("files", "Files", files.length)}
      </div>
      {blocked && (
        <p class="hint" id="resend-blocked">
          {blocked}
        </p>
      )}
      <p class="hint" role="status">
        {queued}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div role="tabpanel" id="att-panel-images" aria-labelledby="att-tab-images" hidden={tab !== "images"} data-testid="images-tab">
        {!items ? (
          !error && <p class="muted">Loading…</p>
        ) : images.length === 0 ? (
          <p class="muted">No images in this dialog yet.</p>
        ) : (
          <ul class="thumbs">
            {images.map((item, i) => (
              <li key={item.attachment.id} data-testid="attachment-item">
                <Picture
                  store={store}
                  dialogId={dialogId}
                  seq={item.seq}
                  a={item.attachment}
                  max={THUMB_PX}
                  onOpen={() => onOpen(images.map((m) => ({ seq: m.seq, attachment: m.attachment })), i)}
                />
                {actions(item)}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div role="tabpanel" id="att-panel-files" aria-labelledby="att-tab-files" hidden={tab !== "files"} data-testid="files-tab">
        {!items ? (
          !error && <p class="muted">Loading…</p>
        ) : files.length === 0 ? (
          <p class="muted">No files in this dialog yet.</p>
        ) : (
          <ul class="att-files">
            {files.map((item) => (
              <li key={item.attachment.id} data-testid="attachment-item">
                <span class="file-name">{item.attachment.name}</span>
                <span class="muted">
                  {megabytes(item.attachment.size)} · <time dateTime={new Date(item.sent_at).toISOString()}>{new Date(item.sent_at).toLocaleString()}</time> · {item.author_name ?? (item.kind === "visitor" ? "Visitor" : "Operator")}
                </span>
                {actions(item)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </aside>
  );
}
