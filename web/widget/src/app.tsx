// The chat app inside the widget's iframe: pre-chat, messages, composer. It talks to the page only
// through the loader, by postMessage to and from the one origin it was opened for.

import { render } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Attachment, MessageView, SiteView, VisitorSession } from "../../protocol/protocol";
import { loadEndpoints } from "../../common/config";
import { FatalConnectError, Socket, type ConnectionState } from "../../common/socket";
import type { Outgoing } from "../../common/outbox";
import { localOrMemory } from "../../common/storage";
import { megabytes } from "../../common/upload";
import { Limited, Refused, widgetApi, type WidgetApi } from "./api";
import { Chat, excerpt, shown } from "./chat";
import { messageTime } from "./time";
import { Files } from "./files";
import { MAX_TEXT } from "../../common/text";
import { words, type Words } from "./i18n";
import type { FromFrame, ToFrame } from "./messages";
import "./app.css";

const params = new URLSearchParams(location.search);
const site = params.get("site") ?? "";
const parentOrigin = params.get("origin") ?? "";
const tokenKey = `parlor:${site}:token`;
const storage = localOrMemory();

/** The page that framed us must be the one it says it is (Chromium and Safari can tell). */
function trustedParent(): boolean {
  if (window.parent === window || !parentOrigin) return false;
  const ancestors = location.ancestorOrigins;
  return !ancestors || ancestors.length === 0 || ancestors[0] === parentOrigin;
}

const toPage = (m: FromFrame) => window.parent.postMessage(m, parentOrigin);

let audio: AudioContext | undefined;
/** A short two-note chime, made on the spot: no sound file to fetch. */
function ring(): void {
  try {
    audio ??= new AudioContext();
    const t = audio.currentTime;
    for (const [i, f] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.12, t + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.001, t + i * 0.15 + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + i * 0.15);
      osc.stop(t + i * 0.15 + 0.3);
    }
  } catch {
    // No audio (policy, old browser): the badge still counts.
  }
}

interface Boot {
  api: WidgetApi;
  view: SiteView;
  init: Extract<ToFrame, { parlor: "init" }>;
}

async function boot(): Promise<Boot | null> {
  if (!trustedParent()) return null;
  const api = widgetApi(await loadEndpoints(location.origin));
  const view = await api.site(site);
  if (!view) return null;
  if (view.allowed_origins.length > 0 && !view.allowed_origins.includes(parentOrigin)) return null;
  const init = await new Promise<Boot["init"]>((ok) => {
    addEventListener("message", function first(e: MessageEvent<ToFrame>) {
      if (e.source !== window.parent || e.origin !== parentOrigin || e.data?.parlor !== "init") return;
      removeEventListener("message", first);
      ok(e.data);
    });
    toPage({ parlor: "ready" });
  });
  return { api, view, init };
}

function App({ api, view, init }: Boot) {
  const t = words(init.lang);
  const { settings } = view;
  const [, redraw] = useState(0);
  const [open, setOpen] = useState(init.open);
  const [conn, setConn] = useState<ConnectionState>("offline");
  // The connection is lost: a try failed or the browser says it is offline. Reconnecting attempts
  // leave it as it is, so the notice does not flicker while they fail; only "online" clears it.
  const [down, setDown] = useState(!navigator.onLine);
  const [started, setStarted] = useState(() => storage.getItem(tokenKey) !== null);
  const [error, setError] = useState("");
  const [bad, setBad] = useState<{ field?: "email" | "phone"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [visible, setVisible] = useState(document.visibilityState === "visible");
  const composer = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLOListElement>(null);
  const live = useRef<{ chat: Chat; socket: Socket; files: Files; session(): Promise<VisitorSession> } | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  // Files dragged over the chat: enter and leave come for every child crossed, so count them.
  const drags = useRef(0);
  const [dragging, setDragging] = useState(false);
  // The image shown large, by message and attachment (its link may be renewed while it is open).
  const [box, setBox] = useState<{ seq: number; a: Attachment } | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const profile = useRef<{ name?: string; email?: string; phone?: string }>({});
  // Nobody can chat now (asked when the widget opens): it offers to leave a message instead.
  const [nobody, setNobody] = useState<boolean | null>(null);

  if (!live.current) {
    // `primed`: the session the pre-chat step just got, for the socket's first connect.
    const state: { session?: VisitorSession; primed?: VisitorSession } = {};
    const bearer = () => state.session?.token ?? "";
    // The site's user, vouched for by its backend: sent with every session, so a visitor who
    // signs in later joins their contact too. A proof the server refuses (403 `identity_refused`:
    // the site's secret changed, say) is dropped and the chat goes on unidentified.
    let user = init.user;
    const session = async (): Promise<VisitorSession> => {
      const token = storage.getItem(tokenKey) ?? undefined;
      const body = { site_key: site, token, ...(token ? {} : { ...profile.current, source: init.source }) };
      let s: VisitorSession;
      try {
        s = await api.session({ ...body, ...user });
      } catch (e) {
        if (!user || !(e instanceof FatalConnectError)) throw e;
        console.warn("Parlor: the site's user id was not accepted; chatting without it");
        user = undefined;
        s = await api.session(body);
      }
      storage.setItem(tokenKey, s.token);
      // Once per page view: the operators see where the visitor is now.
      if (!state.session) api.pageView(s.token, init.page);
      return (state.session = s);
    };
    const chat = new Chat({
      site,
      storage,
      request: (a) => socket.request(a),
      history: (cursor) => api.history(bearer(), cursor),
      queue: () => api.queue(bearer()),
      onChange: () => redraw((n) => n + 1),
    });
    const socket: Socket = new Socket({
      url: async () => {
        const s = state.primed ?? (await session());
        state.primed = undefined;
        return api.socketUrl(s.token);
      },
      onEvent: (e) => {
        if (chat.event(e)) ring();
      },
      onState: (s) => {
        setConn(s);
        if (s === "online" || s === "offline") setDown(s === "offline");
      },
      onOpen: () => void chat.online().catch(() => {}),
    });
    const files = new Files({
      limits: () => api.limits(bearer()),
      upload: (file, progress) => api.upload(bearer(), file, progress),
      links: (seq) => api.links(bearer(), seq),
      send: (uploads, attachments) => chat.sendFiles(uploads, attachments),
      onChange: () => redraw((n) => n + 1),
      failed: (name) => t.uploadFailed.replace("{name}", name),
      tooMany: t.tooMany,
    });
    live.current = {
      chat,
      socket,
      files,
      session: async () => (state.primed = await session()),
    };
    addEventListener("online", () => {
      setDown(socket.connectionState !== "online");
      socket.reconnectNow();
      // A socket that lived through a short drop gets no new open: what waits goes out on it now.
      if (socket.connectionState === "online") void chat.outbox.flush();
    });
    addEventListener("offline", () => setDown(true));
    document.addEventListener("visibilitychange", () => setVisible(document.visibilityState === "visible"));
    addEventListener("message", (e: MessageEvent<ToFrame>) => {
      if (e.source !== window.parent || e.origin !== parentOrigin) return;
      if (e.data?.parlor === "open") setOpen(true);
      else if (e.data?.parlor === "hide") setOpen(false);
    });
  }
  const { chat, socket, files } = live.current;

  useEffect(() => {
    if (started) socket.start();
  }, [started]);

  // Before a chat starts, each time the widget opens: is anybody there to answer?
  useEffect(() => {
    if (open && !started) void api.available(site).then((yes) => setNobody(!yes));
  }, [open, started]);

  // The badge on the closed bubble.
  const unread = chat.unread;
  useEffect(() => toPage({ parlor: "unread", count: open ? 0 : unread }), [unread, open]);
  // Whether the page loads us at once on its next views: while something can still come or go, that
  // is while the dialog is open, a reply is unread, a message waits to be sent, or the chat is open.
  // A closed dialog the visitor has put away no longer costs them a frame and a socket on every page;
  // writing again (a click on the bubble) sets it once more. Decided once this page read the history.
  const pending = chat.pending.length > 0;
  const active = pending || (chat.messages.length > 0 && (open || unread > 0 || !chat.closed));
  const decided = chat.loaded || pending;
  useEffect(() => {
    if (decided) toPage({ parlor: "active", on: active });
  }, [decided, active]);

  // Open and visible: what arrived is read.
  useEffect(() => {
    if (open && visible && unread > 0 && conn === "online") void chat.markRead();
  }, [open, visible, unread, conn]);

  // A chat the loader reopened as a new page loads does not take focus from the page; one the
  // visitor opened, or just started, does.
  const reopened = useRef(!!init.reopened);
  useEffect(() => {
    if (open && !reopened.current) composer.current?.focus();
    reopened.current = false;
  }, [open, started]);

  // The log follows the newest message while the visitor is at its end, and opens at the end: a
  // frame loaded hidden on a new page had no layout to scroll when its history came.
  const newest = (chat.messages.at(-1)?.seq ?? 0) + chat.pending.length + files.uploads.length;
  const atEnd = useRef(true);
  const fromEnd = useRef<number | null>(null);
  const toEnd = () => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
    atEnd.current = true;
  };
  useLayoutEffect(() => {
    if (open) toEnd();
  }, [open]);
  useLayoutEffect(() => {
    if (atEnd.current) toEnd();
  }, [newest]);
  // Older messages above: the one the visitor was reading stays where it was.
  const oldest = chat.messages[0]?.seq;
  useLayoutEffect(() => {
    const el = log.current;
    if (el && fromEnd.current !== null) el.scrollTop = el.scrollHeight - fromEnd.current;
    fromEnd.current = null;
  }, [oldest]);
  const onScroll = () => {
    const el = log.current!;
    atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80 && chat.olderFrom) {
      fromEnd.current = el.scrollHeight - el.scrollTop;
      void chat.loadOlder().catch(() => {});
    }
  };
  // A first page too short to scroll: the older ones come without a scroll that cannot happen.
  useEffect(() => {
    const el = log.current;
    if (open && el && chat.olderFrom && el.scrollHeight <= el.clientHeight) void chat.loadOlder().catch(() => {});
  }, [open, oldest]);
  const list = useMemo(() => shown(chat.messages), [chat.messages]);

  // Sent too fast: the outbox holds back until the server's wait is over; the notice counts down.
  const heldUntil = chat.outbox.waitingUntil;
  const [, tick] = useState(0);
  useEffect(() => {
    if (heldUntil === null) return;
    const timer = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, [heldUntil]);
  const heldSecs = heldUntil === null ? 0 : Math.max(1, Math.ceil((heldUntil - Date.now()) / 1000));

  const typingTimer = useRef(0);
  const typing = (on: boolean) => {
    const now = Date.now();
    // "Typing" at most every 3 s while keys come; "stopped" only after a "typing".
    if (on ? now - typingTimer.current < 3000 : typingTimer.current === 0) return;
    typingTimer.current = on ? now : 0;
    socket.request({ action: "message", op: "typing", typing: on }).catch(() => {});
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const box = composer.current!;
    if (chat.send(box.value)) {
      box.value = "";
      setError("");
      typing(false);
    }
  };

  const startChat = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const form = e.currentTarget as HTMLFormElement;
    const value = (n: string) => ((form.elements.namedItem(n) as HTMLInputElement).value.trim() || undefined);
    profile.current = { name: value("name"), email: value("email"), phone: value("phone") };
    const left = nobody ? value("message") : undefined;
    // The details go to the server now: a refused email or phone is told here, with the form kept.
    setBusy(true);
    try {
      await live.current!.session();
    } catch (err) {
      if (err instanceof Refused) {
        setBad({ field: err.field, text: err.field === "phone" ? t.badPhone : err.field === "email" ? t.badEmail : t.badDetails });
        (form.elements.namedItem(err.field ?? "name") as HTMLInputElement).focus();
        return;
      }
      if (err instanceof Limited) {
        setBad({ text: t.tooManyChats.replace("{n}", String(Math.ceil(err.retryAfterSecs / 60))) });
        return;
      }
      // Offline or the server is down: the chat starts and connects when it can.
    } finally {
      setBusy(false);
    }
    setBad(null);
    setStarted(true);
    // Left for whoever comes first: sent as the dialog's first message, kept until it is.
    if (left) live.current!.chat.send(left);
  };

  const close = () => toPage({ parlor: "close" });
  const who = chat.typing;
  const show = (a: Attachment, seq: number) => {
    opener.current = document.activeElement as HTMLElement | null;
    setBox({ seq, a });
  };
  // Closed: focus goes back to the preview, once the chat is no longer inert.
  useEffect(() => {
    if (!box) opener.current?.focus();
  }, [box]);
  const withFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes("Files");
  const boxed = box && files.linksOf(box.seq)?.get(box.a.id);
  // The dialog's images in order: ← and → step through them in the viewer.
  const images = useMemo(
    () => list.flatMap((m) => (m.attachments ?? []).filter((a) => a.kind === "image").map((a) => ({ seq: m.seq, a }))),
    [list],
  );
  const at = box ? images.findIndex((i) => i.seq === box.seq && i.a.id === box.a.id) : -1;
  const step = (d: number) => at >= 0 && setBox(images[(at + d + images.length) % images.length]);
  // The viewer takes the whole page, not the frame's corner: the loader stretches the frame over it
  // while the viewer is open (the frame's own sandbox and origins stay as they are).
  const full = !!box;
  useEffect(() => toPage({ parlor: "full", on: full }), [full]);

  return (
    <>
    <div
      class="w"
      style={{ "--c": settings.color }}
      inert={!!box}
      onKeyDown={(e) => e.key === "Escape" && close()}
      onDragEnter={(e) => {
        if (!withFiles(e) || !started) return;
        e.preventDefault();
        drags.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        // Cancelled even before the chat starts, or the browser would open the file in its place.
        if (withFiles(e)) e.preventDefault();
      }}
      onDragLeave={() => {
        if (--drags.current > 0) return;
        drags.current = 0;
        setDragging(false);
      }}
      onDrop={(e) => {
        if (!withFiles(e)) return;
        e.preventDefault();
        drags.current = 0;
        setDragging(false);
        if (started) void files.add([...e.dataTransfer!.files]);
      }}
    >
      <header>
        <h1>{t.title}</h1>
        <button type="button" class="x" aria-label={t.close} onClick={close}>
          ×
        </button>
      </header>
      {started && down && (
        <p class="off" role="status">
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M1 5.5a10 10 0 0 1 14 0M3.5 8.5a6.5 6.5 0 0 1 9 0M6 11.5a3 3 0 0 1 4 0M2 2l12 12" />
          </svg>
          {chat.pending.some((i) => !i.failed) ? t.offlineWaiting : t.offline}
        </p>
      )}
      {started && nobody && !chat.messages.some((m) => m.kind === "operator") && (
        <p class="slow" role="status" data-testid="left">
          {t.left}
        </p>
      )}
      {heldUntil !== null && chat.pending.some((i) => !i.failed) && (
        <p class="slow" role="status">
          {t.tooFast.replace("{n}", String(heldSecs))}
        </p>
      )}
      {chat.queue && (
        <p class="hold" role="status" data-testid="queue">
          {t.queue.replace("{n}", String(chat.queue.position))}
          {chat.queue.estimated_wait_secs !== undefined && ` ${t.queueWait.replace("{m}", String(Math.max(1, Math.round(chat.queue.estimated_wait_secs / 60))))}`}
        </p>
      )}
      {chat.blocked && (
        <p class="hold" role="alert" data-testid="blocked">
          {t.blocked}
        </p>
      )}
      {chat.held && (
        <p class="hold" role="status" data-testid="on-hold">
          {t.onHold}
        </p>
      )}
      <ol class="log" ref={log} onScroll={onScroll} aria-label={t.messages} aria-live="polite" aria-relevant="additions">
        {!chat.olderFrom && <li class="m operator">{settings.greeting || t.greeting}</li>}
        {list.map((m) => (
          <Message
            key={m.seq}
            m={m}
            quoted={m.reply_to === undefined ? undefined : chat.messages.find((q) => q.seq === m.reply_to)}
            t={t}
            names={settings.show_operator_names}
            files={files}
            show={show}
          />
        ))}
        {chat.pending.map((i) => (
          <Pending key={i.client_id} i={i} t={t} waiting={down} retry={() => chat.outbox.retry(i.client_id)} discard={() => chat.outbox.discard(i.client_id)} />
        ))}
        {files.uploads.map((u) => (
          <li key={`u${u.key}`} class="m mine pending">
            <span class="sr">{t.you}: </span>
            {u.name}
            <progress max={1} value={u.progress} aria-label={t.uploading.replace("{name}", u.name)} />
          </li>
        ))}
      </ol>
      <p class="typing" aria-live="polite">
        {who !== null && (settings.show_operator_names && who ? t.typing.replace("{name}", who) : t.someoneTyping)}
      </p>
      {started ? (
        <form class="composer" onSubmit={submit}>
          <label class="sr" for="text">
            {t.placeholder}
          </label>
          <textarea
            id="text"
            ref={composer}
            rows={2}
            maxLength={MAX_TEXT}
            placeholder={t.placeholder}
            onInput={() => typing(true)}
            onBlur={() => typing(false)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) submit(e);
            }}
          />
          <input
            ref={picker}
            type="file"
            multiple
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              const input = e.currentTarget;
              void files.add([...(input.files ?? [])]);
              input.value = "";
            }}
          />
          <Emoji
            t={t}
            pick={(e) => {
              const box = composer.current!;
              // At the caret, in place of what is selected; the caret after it.
              box.setRangeText(e, box.selectionStart, box.selectionEnd, "end");
              box.focus();
              typing(true);
            }}
          />
          <button type="button" class="clip" aria-label={t.attach} title={t.attach} onClick={() => picker.current?.click()}>
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
              <path d="M21.4 11 12.3 20.2a6 6 0 0 1-8.5-8.5L13 2.5a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
            </svg>
          </button>
          <button type="submit">{t.send}</button>
          {(error || files.errors.length > 0) && (
            <p class="err" role="alert">
              {[error, ...files.errors].filter(Boolean).join("\n")}
            </p>
          )}
        </form>
      ) : (
        <form class="prechat" onSubmit={startChat} data-nobody={nobody === null ? undefined : String(nobody)}>
          <p>{nobody ? t.nobody : t.introduce}</p>
          <label>
            {t.name} <input name="name" autocomplete="name" maxLength={100} />
          </label>
          <label>
            {t.email} <input name="email" type="email" autocomplete="email" maxLength={254} aria-invalid={bad?.field === "email"} />
          </label>
          <label>
            {t.phone} <input name="phone" type="tel" autocomplete="tel" maxLength={32} aria-invalid={bad?.field === "phone"} />
          </label>
          {nobody && (
            <label>
              {t.yourMessage} <textarea name="message" maxLength={2000} rows={3} />
            </label>
          )}
          {bad && (
            <p class="err" role="alert">
              {bad.text}
            </p>
          )}
          <button type="submit" disabled={busy || nobody === null}>
            {nobody ? t.leave : t.start}
          </button>
        </form>
      )}
      {dragging && (
        <div class="drop" aria-hidden="true">
          {t.drop}
        </div>
      )}
    </div>
    {box && (
      <Lightbox name={box.a.name} url={boxed?.url} t={t} at={at} count={images.length} step={step} close={() => setBox(null)} />
    )}
    </>
  );
}

// A compact set of common emoji, typed into the text as characters: the visitor's own emoji font
// draws them, so the widget ships no font and fetches nothing.
const EMOJI = [..."😀😂😊😍🙂😉😢😮😡🤔👍👎👏🙏👌👋💪🎉🔥⭐✅❌📦🚚"];

/** The emoji button and its panel: a click or Enter picks one; arrows move, Escape closes. */
function Emoji({ t, pick }: { t: Words; pick(emoji: string): void }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) panel.current?.querySelector("button")?.focus();
  }, [open]);
  const shut = (focus: boolean) => {
    setOpen(false);
    if (focus) toggle.current?.focus();
  };
  return (
    <div
      class="emo"
      onFocusOut={(e) => {
        if (open && !e.currentTarget.contains(e.relatedTarget as Node | null)) shut(false);
      }}
    >
      <button ref={toggle} type="button" class="clip" aria-label={t.emoji} title={t.emoji} aria-expanded={open} aria-controls="emoji" onClick={() => (open ? shut(true) : setOpen(true))}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <circle cx="12" cy="12" r="9.5" />
          <path d="M8 14.5a5 5 0 0 0 8 0M9 9.5h.01M15 9.5h.01" />
        </svg>
      </button>
      {open && (
        <div
          id="emoji"
          ref={panel}
          role="group"
          aria-label={t.emoji}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              shut(true);
              return;
            }
            const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -8, ArrowDown: 8 }[e.key];
            if (!step) return;
            e.preventDefault();
            const all = [...e.currentTarget.querySelectorAll("button")];
            all[Math.min(all.length - 1, Math.max(0, all.indexOf(document.activeElement as HTMLButtonElement) + step))].focus();
          }}
        >
          {EMOJI.map((e) => (
            <button
              key={e}
              type="button"
              onClick={() => {
                setOpen(false);
                pick(e);
              }}
            >
              {e}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/**
 * An image large, over the whole page: a modal dialog; Escape, the close button or a click beside it
 * closes it; ← and → (or the buttons) show the dialog's other images.
 */
function Lightbox({ name, url, t, at, count, step, close }: { name: string; url?: string; t: Words; at: number; count: number; step(d: number): void; close(): void }) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <div
      class="lb"
      role="dialog"
      aria-modal="true"
      aria-label={name}
      onClick={(e) => e.target === e.currentTarget && close()}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          close();
        } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
          e.preventDefault();
          step(e.key === "ArrowLeft" ? -1 : 1);
        } else if (e.key === "Tab") {
          // Focus stays in the dialog: from its last control to its first, and back.
          const all = [...e.currentTarget.querySelectorAll<HTMLElement>("button,a")];
          const at = all.indexOf(document.activeElement as HTMLElement);
          const to = e.shiftKey ? (at <= 0 ? all.length - 1 : -1) : at === all.length - 1 ? 0 : -1;
          if (to >= 0) {
            e.preventDefault();
            all[to].focus();
          }
        }
      }}
    >
      <button ref={first} type="button" class="x" aria-label={t.closeImage} onClick={close}>
        ×
      </button>
      {count > 1 && (
        <>
          <button type="button" class="nav prev" aria-label={t.previous} onClick={() => step(-1)}>
            ‹
          </button>
          <button type="button" class="nav next" aria-label={t.next} onClick={() => step(1)}>
            ›
          </button>
        </>
      )}
      {url && <img src={url} alt={name} />}
      <p>
        {count > 1 && `${at + 1} / ${count} · `}
        {url && (
          <a href={url} download={name} target="_blank" rel="noopener" onClick={(e) => void save(e, url, name)}>
            {t.download.replace("{name}", name)}
          </a>
        )}
      </p>
    </div>
  );
}

/**
 * Downloads a file of the dialog under its name. Storage is another origin, where a link's
 * `download` is ignored and a picture would only open in a tab: so it is fetched (storage answers
 * CORS) and saved from a blob of this origin. If that fails the link opens it as it would.
 */
async function save(e: MouseEvent, url: string, name: string): Promise<void> {
  e.preventDefault();
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(res.statusText);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  } catch {
    open(url, "_blank", "noopener");
  }
}

/** A message's files: images as previews that open large, other files as name, size and link. */
function FileList({ list, seq, files, t, show }: { list: Attachment[]; seq?: number; files?: Files; t: Words; show?(a: Attachment, seq: number): void }) {
  const links = seq === undefined ? undefined : files?.linksOf(seq);
  return (
    <ul class="files">
      {list.map((a) => {
        const l = links?.get(a.id);
        const src = l?.preview_url ?? l?.url;
        return (
          <li key={a.id}>
            {a.kind === "image" && src ? (
              <button type="button" class="thumb" aria-label={t.openImage.replace("{name}", a.name)} onClick={() => show?.(a, seq!)}>
                <img src={src} alt="" width={a.width} height={a.height} onError={() => files?.broken(seq!)} />
              </button>
            ) : (
              <>
                <span class="sr">{t.file}: </span>
                {l ? (
                  <a href={l.url} download={a.name} target="_blank" rel="noopener">
                    {a.name}
                  </a>
                ) : (
                  a.name
                )}{" "}
                <small>{megabytes(a.size)}</small>
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** The time a message was written, as the visitor's locale writes it. */
function Time({ at }: { at: number }) {
  return <time dateTime={new Date(at).toISOString()}>{messageTime(at)}</time>;
}

// Marks drawn in CSS, not typed: they need no emoji font, and the log keeps no svg of its own (so an
// svg there could only be injected, which the browser tests look for). One tick: stored (faint) or
// delivered; two: read; a clock: not stored yet; a red cross: refused.
type MarkStatus = "sent" | "delivered" | "read" | "queued" | "failed";

function Mark({ status }: { status: MarkStatus }) {
  return (
    <span class="tks" aria-hidden="true">
      <i class={status === "queued" ? "ck" : status === "failed" ? "fx" : "tk"} />
      {status === "read" && <i class="tk" />}
    </span>
  );
}

/** The quoted message above an operator's reply; a neutral line when it is not loaded here. */
function Quote({ of, t, names }: { of: MessageView | undefined; t: Words; names: boolean }) {
  const who = of && (of.kind === "visitor" ? t.you : of.kind === "operator" ? (names && of.author_name) || t.operator : "");
  return (
    <span class="q">
      <span class="sr">{t.inReplyTo} </span>
      {of ? (
        <>
          {who && <b>{who}: </b>}
          {excerpt(of)}
        </>
      ) : (
        t.earlier
      )}
    </span>
  );
}

function Message({ m, quoted, t, names, files, show }: { m: MessageView; quoted?: MessageView; t: Words; names: boolean; files: Files; show(a: Attachment, seq: number): void }) {
  if (m.kind === "system") {
    if (!names && (m.event?.event === "joined" || m.event?.event === "left")) return null;
    return <li class="m system">{m.text}</li>;
  }
  const mine = m.kind === "visitor";
  const author = mine ? t.you : (names && m.author_name) || t.operator;
  // Stored is "sent" whether or not an operator's console has it yet ("queued" on the server).
  const status = m.status?.status === "delivered" || m.status?.status === "read" ? m.status.status : "sent";
  return (
    <li class={`m ${mine ? "mine" : "operator"}`} data-seq={m.seq}>
      <span class={mine ? "sr" : "who"}>{author}: </span>
      {m.reply_to !== undefined && <Quote of={quoted} t={t} names={names} />}
      {m.text && <span class="text">{m.text}</span>}
      {m.attachments?.length ? <FileList list={m.attachments} seq={m.seq} files={files} t={t} show={show} /> : null}
      <span class="mark" data-status={mine ? status : undefined} title={mine ? t[status] : undefined}>
        <Time at={m.created_at} />
        {mine && (
          <>
            <Mark status={status} />
            <span class="sr">{t[status]}</span>
          </>
        )}
      </span>
    </li>
  );
}

function Pending({ i, t, waiting, retry, discard }: { i: Outgoing; t: Words; waiting: boolean; retry(): void; discard(): void }) {
  return (
    <li class="m mine pending">
      <span class="sr">{t.you}: </span>
      {i.text && <span class="text">{i.text}</span>}
      {i.attachments?.length ? <FileList list={i.attachments} t={t} /> : null}
      {i.failed ? (
        <span class="mark" data-status="failed" title={i.failed.reason}>
          <Mark status="failed" />
          {t.failed}
          {/* A refused file says why in plain sight, and can be taken back: a retry may not help. */}
          {i.attachments?.length ? `: ${i.failed.reason}` : ""}{" "}
          <button type="button" onClick={retry}>
            {t.retry}
          </button>
          {i.attachments?.length ? (
            <>
              {" "}
              <button type="button" onClick={discard}>
                {t.remove}
              </button>
            </>
          ) : null}
        </span>
      ) : (
        <span class="mark" data-status="queued">
          <Mark status="queued" />
          {waiting ? t.waiting : t.queued}
        </span>
      )}
    </li>
  );
}

void boot().then((b) => {
  const root = document.getElementById("app")!;
  if (!b) {
    root.textContent = words(navigator.language).refused;
    return;
  }
  document.documentElement.lang = /^ru/i.test(b.init.lang) ? "ru" : "en";
  render(<App {...b} />, root);
});
