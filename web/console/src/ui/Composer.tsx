import { useEffect, useRef, useState } from "preact/hooks";
import type { MessageView } from "../../../protocol/protocol";
import type { Store } from "../store";
import { EMOJI, expand, shortcut, titleFrom, type QuickReply } from "../state/compose";
import { MAX_TEXT, length, tooLong } from "../../../common/text";
import { sendBlock, summary } from "../state/attachments";
import { megabytes } from "../../../common/upload";
import { Icon, WithFiles } from "./Icons";
import { useEscape } from "./escape";
import { heldBack } from "../state/limits";

interface Props {
  store: Store;
  dialogId: string;
  replyTo: MessageView | null;
  clearReply(): void;
  /** A message's text to make a quick reply from (the lightning icon on a message). */
  quickFrom: string | null;
  clearQuickFrom(): void;
  /** Whisper mode: kept by the pane, which also refuses files dropped while whispering. */
  whisper: boolean;
  setWhisper(on: boolean): void;
}

export function Composer({ store, dialogId, replyTo, clearReply, quickFrom, clearQuickFrom, whisper, setWhisper }: Props) {
  const text = store.composer.drafts.value.get(dialogId) ?? "";
  const tray = store.attachments.tray(dialogId);
  const picker = useRef<HTMLInputElement>(null);
  const [popup, setPopup] = useState<"emoji" | "quick" | null>(null);
  const [picked, setPicked] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const me = store.session.me.value!;
  const found = shortcut(text, store.quickReplies.replies.value);
  const count = length(text);
  const over = tooLong(text);
  const block = sendBlock(text, tray.chips, whisper, over);
  useEffect(() => {
    setPicked(0);
  }, [found?.length]);
  useEffect(() => {
    if (quickFrom !== null) setPopup("quick");
  }, [quickFrom]);
  useEffect(() => {
    area.current?.focus();
  }, [dialogId]);
  const closePopup = () => {
    setPopup(null);
    clearQuickFrom();
    area.current?.focus();
  };
  useEscape(popup !== null, closePopup);

  const send = () => {
    if (block) return;
    void store.composer.send(dialogId, text, whisper, replyTo?.seq);
    clearReply();
  };
  const insert = (s: string) => {
    store.composer.typed(dialogId, text + s);
    setPopup(null);
    area.current?.focus();
  };
  const useQuick = (q: QuickReply) => {
    store.composer.typed(dialogId, expand(q.text, me.name));
    setPopup(null);
    area.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (found && found.length > 0) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setPicked((picked + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        useQuick(found[Math.min(picked, found.length - 1)]);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <div class={`composer ${whisper ? "whispering" : ""}`}>
      {replyTo && (
        <div class="reply-bar" data-testid="reply-bar">
          <span>
            Replying to{" "}
            <q>
              <WithFiles text={summary(replyTo).slice(0, 80)} />
            </q>
          </span>
          <button type="button" class="link" aria-label="Cancel the quote" onClick={clearReply}>
            <Icon name="x" size={14} />
          </button>
        </div>
      )}
      {found && found.length > 0 && (
        <ul class="shortcut" role="listbox" aria-label="Quick replies" data-testid="shortcut">
          {found.map((q, i) => (
            <li role="option" aria-selected={i === picked} class={i === picked ? "on" : ""} onMouseDown={(e) => (e.preventDefault(), useQuick(q))}>
              <strong>{q.title}</strong> <span class="quick-preview">{expand(q.text, me.name)}</span>
            </li>
          ))}
        </ul>
      )}
      {popup === "emoji" && (
        <div class="popup emoji" data-testid="emoji-picker" role="dialog" aria-label="Emoji">
          {EMOJI.map((e) => (
            <button type="button" aria-label={`Insert ${e}`} onClick={() => insert(e)}>
              {e}
            </button>
          ))}
        </div>
      )}
      {popup === "quick" && (
        <QuickReplies
          store={store}
          initial={quickFrom}
          onUse={useQuick}
          onClose={closePopup}
        />
      )}
      {tray.refused.length > 0 && (
        <div class="refused" role="alert" data-testid="refused">
          <ul>
            {tray.refused.map((r) => (
              <li>{r}</li>
            ))}
          </ul>
          <button type="button" class="link" onClick={() => store.attachments.dismissRefused(dialogId)}>
            Dismiss
          </button>
        </div>
      )}
      <HeldBack until={store.composer.heldUntil.value} />
      {tray.chips.length > 0 && (
        <ul class="chips" aria-label="Files to send" data-testid="chips">
          {tray.chips.map((c) => (
            <li class={`chip ${c.state}`} key={c.key} data-testid="chip" data-state={c.state}>
              <span class="file-name">{c.name}</span>
              <span class="muted">{megabytes(c.size)}</span>
              {c.state === "uploading" && <progress max={1} value={c.progress} aria-label={`Uploading ${c.name}`} />}
              {c.state === "failed" && <span class="error">{c.error}</span>}
              <button type="button" class="link" aria-label={`Remove ${c.name}`} onClick={() => store.attachments.removeChip(dialogId, c.key)}>
                <Icon name="x" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <label class="visually-hidden" for="composer-text">
        {whisper ? "Whisper to operators" : "Message"}
      </label>
      <textarea
        id="composer-text"
        ref={area}
        data-testid="composer"
        rows={3}
        placeholder={whisper ? "Whisper: only operators see this" : "Write a message; / for quick replies"}
        value={text}
        onInput={(e) => store.composer.typed(dialogId, e.currentTarget.value)}
        onKeyDown={onKey}
        onPaste={(e) => {
          const files = [...(e.clipboardData?.files ?? [])];
          if (files.length === 0 || whisper) return;
          e.preventDefault();
          void store.attachments.attach(dialogId, files);
        }}
      />
      <input
        type="file"
        multiple
        hidden
        ref={picker}
        data-testid="file-picker"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = "";
          if (files.length) void store.attachments.attach(dialogId, files);
        }}
      />
      <div class="composer-bar">
        <label class="whisper-toggle">
          <input type="checkbox" data-testid="whisper" checked={whisper} onChange={(e) => setWhisper(e.currentTarget.checked)} /> Whisper
        </label>
        <button
          type="button"
          aria-label="Attach files"
          title={whisper ? "Whispers are text-only" : "Attach files or photos (or drop them here)"}
          class="icon-button"
          data-testid="attach"
          disabled={whisper}
          aria-describedby={whisper ? "attach-whisper" : undefined}
          onClick={() => picker.current?.click()}
        >
          <Icon name="attach" />
        </button>
        {whisper && (
          <span class="hint" id="attach-whisper">
            Whispers are text-only.
          </span>
        )}
        <button type="button" class="icon-button" aria-label="Emoji" title="Emoji" data-testid="emoji" aria-expanded={popup === "emoji"} onClick={() => setPopup(popup === "emoji" ? null : "emoji")}>
          <Icon name="smile" />
        </button>
        <button type="button" class="icon-button" aria-label="Quick replies" title="Quick replies" data-testid="quick" aria-expanded={popup === "quick"} onClick={() => setPopup(popup === "quick" ? null : "quick")}>
          <Icon name="bolt" />
        </button>
        <span class={`counter ${over ? "over" : ""}`} data-testid="counter" aria-live="polite">
          {tray.chips.length > 0 && block ? <span data-testid="send-block">{block} </span> : ""}
          {count > 0 ? `${count} / ${MAX_TEXT}` : ""}
        </span>
        <button type="button" class="send" data-testid="send" disabled={!!block} onClick={send}>
          {whisper ? "Whisper" : "Send"}
        </button>
      </div>
    </div>
  );
}

/**
 * My quick replies: each with its text previewed, used with a click; deleting asks first. The form
 * to add one shows when asked for ("New quick reply"), or at once when made from a message.
 */
function QuickReplies({ store, initial, onUse, onClose }: { store: Store; initial: string | null; onUse(q: QuickReply): void; onClose(): void }) {
  const me = store.session.me.value!;
  const replies = store.quickReplies.replies.value;
  const [adding, setAdding] = useState(initial !== null);
  const [title, setTitle] = useState(initial ? titleFrom(initial) : "");
  const [text, setText] = useState(initial ?? "");
  const [deleting, setDeleting] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const titleField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (adding) titleField.current?.focus();
  }, [adding]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!title.trim() || !text.trim()) {
      setError("A quick reply needs a title and a text.");
      return;
    }
    setError(null);
    if (await store.quickReplies.save(title.trim(), text)) {
      setTitle("");
      setText("");
      setAdding(false);
    }
  };
  return (
    <div class="popup quick" role="dialog" aria-labelledby="quick-title" data-testid="quick-replies">
      <div class="popup-head">
        <h3 id="quick-title">Quick replies</h3>
        <button type="button" class="icon-button" aria-label="Close quick replies" onClick={onClose} data-testid="quick-close">
          <Icon name="x" />
        </button>
      </div>
      <ul class="quick-list">
        {replies.map((q) => (
          <li key={q.id} data-testid="quick-reply">
            {deleting === q.id ? (
              <div class="confirm" role="alert" data-testid="quick-confirm">
                <span>Delete “{q.title}”?</span>
                <button type="button" class="danger" data-testid="quick-confirm-delete" onClick={() => void store.quickReplies.remove(q.id).then(() => setDeleting(null))}>
                  Delete
                </button>
                <button type="button" onClick={() => setDeleting(null)}>
                  Keep
                </button>
              </div>
            ) : (
              <>
                <button type="button" class="quick-use" onClick={() => onUse(q)} data-testid="quick-use">
                  <strong>{q.title}</strong>
                  <span class="quick-preview" data-testid="quick-preview">
                    {expand(q.text, me.name)}
                  </span>
                </button>
                <button type="button" class="icon-button" aria-label={`Delete ${q.title}`} title="Delete" data-testid="quick-delete" onClick={() => setDeleting(q.id)}>
                  <Icon name="trash" />
                </button>
              </>
            )}
          </li>
        ))}
        {replies.length === 0 && <li class="muted">No quick replies yet.</li>}
      </ul>
      {adding ? (
        <form class="quick-form" onSubmit={save} data-testid="quick-form">
          <label class="field">
            Title
            <input type="text" ref={titleField} data-testid="quick-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <label class="field">
            Text (%name% is your name)
            <textarea rows={3} data-testid="quick-text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          {error && <p class="error" role="alert">{error}</p>}
          <div class="form-buttons">
            <button type="button" onClick={() => (setAdding(false), setError(null))}>
              Cancel
            </button>
            <button type="submit" class="primary" data-testid="quick-save">
              Save
            </button>
          </div>
        </form>
      ) : (
        <button type="button" onClick={() => setAdding(true)} data-testid="quick-add">
          <Icon name="plus" />
          New quick reply
        </button>
      )}
    </div>
  );
}

/** While the server holds my messages back (sent too fast): how long, counting down. */
function HeldBack({ until }: { until: number | null }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [until]);
  if (until === null) return null;
  return (
    <p class="held" role="status" data-testid="held-back">
      {heldBack(until, now)}
    </p>
  );
}
