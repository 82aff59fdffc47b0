// The console's service worker, served at /sw.js: shows each Web Push (sent by Parlor while none
// of the operator's consoles is open) as a notification, and a click focuses a console tab, or
// opens one, at that dialog. It imports nothing, so it builds to one classic script.
import type { PushPayload } from "../../protocol/protocol";

// The few service-worker types used here (the DOM lib the rest of the console uses has none).
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown; text(): string } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification & { readonly data: { dialog?: string } | null };
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<WindowClient>;
  postMessage(message: unknown): void;
}
interface Scope {
  readonly location: Location;
  readonly registration: ServiceWorkerRegistration;
  readonly clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: "push", listener: (e: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (e: NotificationEvent) => void): void;
}

const sw = self as unknown as Scope;

sw.addEventListener("install", (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener("activate", (e) => e.waitUntil(sw.clients.claim()));

function payload(e: PushEvent): Partial<PushPayload> {
  try {
    return (e.data?.json() ?? {}) as Partial<PushPayload>;
  } catch {
    return { body: e.data?.text() };
  }
}

sw.addEventListener("push", (e) => {
  const p = payload(e);
  // One notification per dialog: a newer one replaces the last, and still alerts.
  const options: NotificationOptions & { renotify?: boolean } = {
    body: p.body ?? "",
    icon: "/icon.svg",
    tag: p.dialog_id ? `dialog:${p.dialog_id}` : undefined,
    renotify: Boolean(p.dialog_id),
    data: { dialog: p.dialog_id },
  };
  e.waitUntil(sw.registration.showNotification(p.title ?? "Parlor", options));
});

sw.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const dialog = e.notification.data?.dialog;
  const url = new URL(dialog ? `/?dialog=${encodeURIComponent(dialog)}` : "/", sw.location.origin).href;
  e.waitUntil(
    (async () => {
      const tabs = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
      const console = tabs.find((t) => new URL(t.url).origin === sw.location.origin);
      if (console) {
        await console.focus();
        if (dialog) console.postMessage({ type: "open-dialog", dialog });
        return;
      }
      await sw.clients.openWindow(url);
    })(),
  );
});
