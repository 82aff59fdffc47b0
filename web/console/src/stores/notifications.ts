// Web Push for this operator (`/api/push`): this browser's subscription, made with the server's
// VAPID key once the operator allows notifications, and their choice of what is pushed. Parlor
// pushes only while none of their consoles is open; the service worker (`src/sw.ts`, at /sw.js)
// shows each push and opens the console at its dialog.

import { effect, signal } from "@preact/signals";
import type { PushChoices, PushSettings } from "../../../protocol/protocol";
import type { Api } from "../api";
import type { Store } from "../store";

/**
 * - `unsupported`: this browser has no service workers, Push API or notifications;
 * - `unavailable`: the server sends no pushes (no VAPID key configured);
 * - `denied`: the operator blocked notifications for this site (only the browser can undo it);
 * - `off` / `on`: whether this browser is subscribed;
 * - `busy`: asking.
 */
export type PushState = "unsupported" | "unavailable" | "denied" | "off" | "on" | "busy";

type PushApi = Pick<Api, "pushSettings" | "subscribePush" | "unsubscribePush" | "setPushChoices">;

export const SERVICE_WORKER = "/sw.js";

/** A base64url key (the server's) as the bytes `applicationServerKey` takes. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Whether a subscription was made with this key (a new server key needs a new subscription). */
function madeWith(subscription: PushSubscription, key: Uint8Array): boolean {
  const own = subscription.options.applicationServerKey;
  if (!own) return false;
  const bytes = new Uint8Array(own);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

function supported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
}

export class NotificationsStore {
  readonly state = signal<PushState>("off");
  readonly choices = signal<PushChoices>({ new_dialogs: true, transfers: true, messages: true });
  readonly error = signal<string | null>(null);
  private key: string | null = null;

  constructor(private readonly api: PushApi) {}

  private async registration(): Promise<ServiceWorkerRegistration> {
    return (await navigator.serviceWorker.getRegistration("/")) ?? navigator.serviceWorker.register(SERVICE_WORKER);
  }

  private settle(settings: PushSettings, subscription: PushSubscription | null): void {
    this.choices.value = settings.choices;
    this.key = settings.public_key ?? null;
    if (!this.key) this.state.value = "unavailable";
    else if (!supported()) this.state.value = "unsupported";
    else if (Notification.permission === "denied") this.state.value = "denied";
    else
      this.state.value =
        subscription && settings.endpoints.includes(subscription.endpoint) && madeWith(subscription, keyBytes(this.key))
          ? "on"
          : "off";
  }

  async load(): Promise<void> {
    this.error.value = null;
    try {
      const settings = await this.api.pushSettings();
      const subscription = supported() ? await (await this.registration()).pushManager.getSubscription() : null;
      this.settle(settings, subscription);
    } catch (e) {
      this.error.value = `Could not read the notification settings: ${message(e)}`;
    }
  }

  /** Asks for the permission, subscribes this browser with the server's key and registers it. */
  async enable(): Promise<void> {
    if (!this.key || !supported()) return;
    this.error.value = null;
    this.state.value = "busy";
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        this.state.value = Notification.permission === "denied" ? "denied" : "off";
        return;
      }
      const registration = await this.registration();
      const key = keyBytes(this.key);
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !madeWith(subscription, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      this.settle(await this.api.subscribePush(subscription.toJSON()), subscription);
    } catch (e) {
      this.state.value = "off";
      this.error.value = `Could not turn notifications on: ${message(e)}`;
    }
  }

  /** Stops pushes to this browser: the server forgets it, then the browser does. */
  async disable(): Promise<void> {
    this.error.value = null;
    this.state.value = "busy";
    try {
      const subscription = await (await this.registration()).pushManager.getSubscription();
      if (subscription) {
        await this.api.unsubscribePush(subscription.endpoint);
        await subscription.unsubscribe();
      }
      this.state.value = "off";
    } catch (e) {
      this.state.value = "on";
      this.error.value = `Could not turn notifications off: ${message(e)}`;
    }
  }

  async choose(change: Partial<PushChoices>): Promise<void> {
    const before = this.choices.value;
    this.choices.value = { ...before, ...change };
    try {
      this.choices.value = (await this.api.setPushChoices(this.choices.value)).choices;
    } catch (e) {
      this.choices.value = before;
      this.error.value = `Could not save the choice: ${message(e)}`;
    }
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Registers the service worker (what makes the console installable and able to show pushes), and
 * opens the dialog a notification was clicked for: from `?dialog=` when the click opened this
 * tab, or from the worker's message when it focused an open one.
 */
export function startNotifications(store: Store): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(SERVICE_WORKER).catch((e) => console.warn("service worker not registered", e));
  const params = new URLSearchParams(location.search);
  let pending = params.get("dialog");
  if (pending) {
    params.delete("dialog");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  }
  const open = () => {
    if (!pending || !store.session.me.value) return;
    const id = pending;
    pending = null;
    store.page.value = "dialogs";
    void store.dialog.open(id, false);
  };
  navigator.serviceWorker.addEventListener("message", (e: MessageEvent) => {
    const data = e.data as { type?: string; dialog?: string } | null;
    if (data?.type === "open-dialog" && typeof data.dialog === "string") {
      pending = data.dialog;
      open();
    }
  });
  // After sign-in, if the click came before it.
  effect(() => {
    if (store.session.me.value) open();
  });
}
