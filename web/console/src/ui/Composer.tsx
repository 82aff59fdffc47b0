import { useEffect, useRef, useState } from "preact/hooks";
import type { MessageView } from "../../../protocol/protocol";
import type { Store } from "../store";
import { EMOJI, expand, shortcut, titleFrom, type QuickReply } from "../state/compose";
import { MAX_TEXT, length, tooLong } from "../../../common/text";
import { sendBlock, summary } from "../state/attachments";
import { megabytes } from "../../../common/upload";

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
            Replying to <q>{summary(replyTo).slice(0, 80)}</q>
          </span>
          <button type="button" class="link" aria-label="Cancel the quote" onClick={clearReply}>
            ×
          </button>
        </div>
      )}
      {found && found.length > 0 && (
        <ul class="shortcut" role="listbox" aria-label="Quick replies" data-testid="shortcut">
          {found.map((q, i) => (
            <li role="option" aria-selected={i === picked} class={i === picked ? "on" : ""} onMouseDown={(e) => (e.preventDefault(), useQuick(q))}>
              <strong>{q.title}</strong> {expand(q.text, me.name).slice(0, 60)}
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
          onClose={() => {
            setPopup(null);
            clearQuickFrom();
          }}
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
      {tray.chips.length > 0 && (
        <ul class="chips" aria-label="Files to send" data-testid="chips">
          {tray.chips.map((c) => (
            <li class={`chip ${c.state}`} key={c.key} data-testid="chip" data-state={c.state}>
              <span class="file-name">{c.name}</span>
              <span class="muted">{megabytes(c.size)}</span>
              {c.state === "uploading" && <progress max={1} value={c.progress} aria-label={`Uploading ${c.name}`} />}
              {c.state === "failed" && <span class="error">{c.error}</span>}
              <button type="button" class="link" aria-label={`Remove ${c.name}`} onClick={() => store.attachments.removeChip(dialogId, c.key)}>
                ×
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
          data-testid="attach"
          disabled={whisper}
          aria-describedby={whisper ? "attach-whisper" : undefined}
          onClick={() => picker.current?.click()}
        >
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
          </svg>
        </button>
        {whisper && (
          <span class="hint" id="attach-whisper">
            Whispers are text-only.
          </span>
        )}
        <button type="button" aria-label="Emoji" data-testid="emoji" aria-expanded={popup === "emoji"} onClick={() => setPopup(popup === "emoji" ? null : "emoji")}>
          ☺
        </button>
        <button type="button" aria-label="Quick replies" data-testid="quick" aria-expanded={popup === "quick"} onClick={() => setPopup(popup === "quick" ? null : "quick")}>
          ⚡
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

function QuickReplies({ store, initial, onUse, onClose }: { store: Store; initial: string | null; onUse(q: QuickReply): void; onClose(): void }) {
  const [title, setTitle] = useState(initial ? titleFrom(initial) : "");
  const [text, setText] = useState(initial ?? "");
  const save = async (e: Event) => {
    e.preventDefault();
    if (!title.trim() || !text.trim()) return;
    if (await store.quickReplies.save(title.trim(), text)) {
      setTitle("");
      setText("");
    }
  };
  return (
    <div class="popup quick" role="dialog" aria-label="Quick replies" data-testid="quick-replies">
      <ul>
        {store.quickReplies.replies.value.map((q) => (
          <li>
            <button type="button" class="link" onClick={() => onUse(q)}>
              {q.title}
            </button>
            <button type="button" class="link" aria-label={`Delete ${q.title}`} onClick={() => void store.quickReplies.remove(q.id)}>
              ×
            </button>
          </li>
        ))}
        {store.quickReplies.replies.value.length === 0 && <li>No quick replies yet.</li>}
      </ul>
      <form onSubmit={save}>
        <label>
          Title
          <input type="text" data-testid="quick-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <label>
          Text (%name% is your name)
          <textarea rows={2} data-testid="quick-text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="quick-save">
          Save
        </button>
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </form>
    </div>
  );
}
