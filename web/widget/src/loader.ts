// The widget's loader: the one script a customer's page embeds. It reads the site's settings,
// refuses to run on an origin the site does not allow, draws the bubble, and opens the chat in an
// iframe on the widget's own origin (its token and outbox live there, out of the page's reach).
// The iframe loads on the first open, or at once while this browser has a live dialog on this site
// (a flag in the page's storage, which the chat app sets and clears), so an operator's reply can
// ring and badge a closed bubble. A chat left open opens again on the site's next page.
// Messages cross in both directions only between this page's origin and the widget's origin.

import type { SiteView } from "../../protocol/protocol";
import { loadEndpoints } from "../../common/config";
import { pageSource, type FromFrame, type ToFrame } from "./messages";

const script = document.currentScript as HTMLScriptElement | null;

async function main(s: HTMLScriptElement): Promise<void> {
  const site = s.dataset.site;
  if (!site) return;
  const widget = new URL(".", s.src);
  const api = await loadEndpoints(widget.origin);
  const res = await fetch(`${api.http}/sites/${encodeURIComponent(site)}`);
  const view = res.ok ? ((await res.json()) as SiteView) : null;
  const here = location.origin;
  if (!view || (view.allowed_origins.length > 0 && !view.allowed_origins.includes(here))) {
    console.warn(`Parlor: site ${site} does not allow the widget on ${here}`);
    return;
  }
  const { position } = view.settings;
  const color = /^#[0-9a-f]{6}$/i.test(view.settings.color) ? view.settings.color : "#2563eb";
  // A page's own storage can still be denied (a sandboxed page, storage turned off): then memory.
  let storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  try {
    (storage = localStorage).getItem("");
  } catch {
    const kept = new Map<string, string>();
    storage = { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v), removeItem: (k) => void kept.delete(k) };
  }
  const flag = `parlor:${site}:active`;
  const openKey = `parlor:${site}:open`;
  const sourceKey = `parlor:${site}:source`;
  // The first page this browser saw with the widget, and how it got there: the visitor's source.
  if (!storage.getItem(sourceKey)) storage.setItem(sourceKey, JSON.stringify(pageSource(location.href, document.referrer)));
  const lang = document.documentElement.lang || navigator.language;
  const ru = /^ru/i.test(lang);

  const host = document.createElement("div");
  host.setAttribute("data-parlor", "");
  const root = host.attachShadow({ mode: "open" });
  const side = position === "left" ? "left" : "right";
  root.innerHTML = `<style>
button{position:fixed;bottom:20px;${side}:20px;width:56px;height:56px;border-radius:50%;border:0;background:${color};color:#fff;cursor:pointer;box-shadow:0 2px 12px #0004;z-index:2147483646}
button:focus-visible{outline:3px solid #000;outline-offset:3px}
span{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#d11;color:#fff;font:bold 12px/20px sans-serif}
span:empty{display:none}
iframe{position:fixed;bottom:88px;${side}:20px;width:370px;height:min(560px,calc(100% - 108px));border:0;border-radius:12px;box-shadow:0 4px 24px #0005;background:#fff;z-index:2147483647}
iframe[data-full]{inset:0;width:100%;height:100%;border-radius:0;box-shadow:none;background:none}
iframe[hidden]{display:none}
@media (max-width:480px){iframe{inset:0;width:100%;height:100%;border-radius:0}}
</style><button type="button" aria-haspopup="dialog" aria-expanded="false"><svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16v12H7l-3 3z"/></svg><span role="status"></span></button>`;
  const bubble = root.querySelector("button")!;
  const badge = root.querySelector("span")!;
  const label = (n: number) =>
    bubble.setAttribute("aria-label", (ru ? "Чат" : "Chat") + (n ? (ru ? `, непрочитанных: ${n}` : `, ${n} unread`) : ""));
  label(0);
  // An async script in <head> can run before <body> exists.
  if (!document.body) await new Promise((ok) => addEventListener("DOMContentLoaded", ok, { once: true }));
  document.body.appendChild(host);

  let frame: HTMLIFrameElement | null = null;
  let open = false;
  let reopened = false;
  const post = (m: ToFrame) => frame?.contentWindow?.postMessage(m, widget.origin);
  // `focus`: a click moves focus into the chat; a chat reopened as the page loads leaves it alone.
  const show = (on: boolean, focus = on) => {
    open = on;
    if (on) storage.setItem(openKey, "1");
    else storage.removeItem(openKey);
    bubble.setAttribute("aria-expanded", String(on));
    if (on && !frame) load();
    frame!.hidden = !on;
    post({ parlor: on ? "open" : "hide" });
    if (focus) frame!.focus();
  };
  const load = () => {
    frame = document.createElement("iframe");
    // Scripts and its own storage (same-origin is the widget's origin, not this page's); forms for
    // the composer; downloads, and new tabs outside the sandbox, for the files of the dialog (a
    // PDF viewer will not run sandboxed). No top navigation, no modals.
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-downloads allow-popups allow-popups-to-escape-sandbox");
    frame.setAttribute("allow", "autoplay");
    frame.title = ru ? "Чат с поддержкой" : "Chat with support";
    frame.hidden = true;
    frame.src = `${widget.href}frame.html?site=${encodeURIComponent(site)}&origin=${encodeURIComponent(here)}`;
    root.appendChild(frame);
  };

  addEventListener("message", (e: MessageEvent<FromFrame>) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== widget.origin) return;
    const m = e.data;
    if (m.parlor === "ready") {
      // Read now, not at load: a page that signs its user in later sets them on the script tag first.
      const { userId, userHash } = s.dataset;
      const user = userId && userHash ? { user_id: userId, user_hash: userHash } : undefined;
      post({ parlor: "init", lang, page: { url: location.href, title: document.title }, source: JSON.parse(storage.getItem(sourceKey) ?? "{}"), open, reopened, user });
    } else if (m.parlor === "unread") {
      badge.textContent = m.count ? String(m.count) : "";
      label(m.count);
    } else if (m.parlor === "active") {
      // An older app says only "active": it means on.
      if (m.on === false) storage.removeItem(flag);
      else storage.setItem(flag, "1");
    } else if (m.parlor === "full") {
      frame.toggleAttribute("data-full", m.on);
    } else if (m.parlor === "close") {
      show(false);
      bubble.focus();
    }
  });
  bubble.onclick = () => show(!open);
  if ((reopened = !!storage.getItem(openKey))) show(true, false);
  else if (storage.getItem(flag)) load();
}

if (script) void main(script).catch((e) => console.warn("Parlor:", e));
