// The console as a PWA with Web Push, in real Chromium against the real gateway: the manifest and
// the service worker are served and registered under the console's CSP; with notification
// permission granted through the context, "Turn on" subscribes and posts the subscription to the
// server; a push delivered to the service worker shows a notification for the dialog; and the URL a
// notification click opens shows that dialog.
//
// Headless Chromium here has no network, so it cannot reach its real push service (its
// `pushManager.subscribe` registers with Google's): the page's PushManager is replaced by a stand-in
// that returns a subscription of the same shape, and the push is delivered to the worker with the
// DevTools protocol (`ServiceWorker.deliverPushMessage`), as a push service would deliver it. The
// encrypted push itself, from the gateway to a push service, is tested in tests/tests/web_push.rs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { PushSettings } from "../protocol/protocol";
import { addOperator, api, consoleSignIn, gatewayAndBrowser, login, scriptedVisitor, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
let context: BrowserContext;
let page: Page;
let anna: { email: string; password: string };
const errors: string[] = [];

/** Replaces PushManager's subscribe and getSubscription with a stand-in that keeps one subscription. */
function standInPushManager(): void {
  let current: unknown = null;
  const p256dh = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  const auth = "BTBZMqHH6r4Tts7J_aSIgg";
  PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
    const key = options?.applicationServerKey as Uint8Array;
    const endpoint = "https://push.example/send/" + Math.random().toString(36).slice(2);
    const subscription = {
      endpoint,
      expirationTime: null,
      options: { applicationServerKey: key.slice().buffer, userVisibleOnly: true },
      toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
      unsubscribe: async () => {
        current = null;
        return true;
      },
    };
    current = subscription;
    (window as unknown as { pushSubscribed: unknown }).pushSubscribed = { endpoint, key: Array.from(key) };
    return subscription as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
}

beforeAll(async () => {
  parlor = scene.parlor;
  const added = await addOperator(parlor, "Anna");
  anna = { email: added.email, password: added.password };
  context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["notifications"], { origin: parlor.url });
  await context.addInitScript(standInPushManager);
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await consoleSignIn(page, parlor, anna);
});

afterAll(async () => {
  await context?.close();
});

describe("the console as a PWA with Web Push", () => {
  it("serves its manifest and registers its service worker", async () => {
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!;
      const res = await fetch(link.href);
      return { status: res.status, body: await res.json() };
    });
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ name: "Parlor", start_url: "/", display: "standalone" });
    const worker = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return { script: registration.active?.scriptURL, scope: registration.scope };
    });
    expect(worker).toEqual({ script: `${parlor.url}/sw.js`, scope: `${parlor.url}/` });
  });

  it("turns notifications on: subscribes with the server's key and posts the subscription", async () => {
    await page.click('[data-testid="notifications-menu"] summary');
    const state = page.locator('[data-testid="push-state"]');
    await page.waitForSelector('[data-testid="push-state"][data-state="off"]');
    await page.click('[data-testid="push-enable"]');
    await page.waitForSelector('[data-testid="push-state"][data-state="on"]');
    expect(await state.textContent()).toContain("On in this browser");

    const session = await login(parlor, anna.email, anna.password);
    const settings = await api<PushSettings>(parlor, "GET", "/push", { token: session.token });
    const subscribed = await page.evaluate(() => (window as unknown as { pushSubscribed: { endpoint: string; key: number[] } }).pushSubscribed);
    expect(settings.endpoints).toEqual([subscribed.endpoint]);
    expect(Buffer.from(subscribed.key).toString("base64url")).toBe(settings.public_key);

    // A choice is saved on the server.
    await page.click('[data-testid="push-messages"]');
    await expect
      .poll(async () => (await api<PushSettings>(parlor, "GET", "/push", { token: session.token })).choices.messages)
      .toBe(false);
  });

  it("shows a push delivered to the service worker as a notification for its dialog", async () => {
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    const message = await vera.send("Where is my order?");
    const cdp = await context.newCDPSession(page);
    const registration = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const mine = registrations.find((r) => r.scopeURL === `${parlor.url}/` && !r.isDeleted);
        if (mine) resolve(mine.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    const payload = { kind: "message.created", title: "Vera", body: "Where is my order?", dialog_id: message.dialog_id };
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: parlor.url,
      registrationId: await registration,
      data: JSON.stringify(payload),
    });
    const shown = async () =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
      });
    await expect.poll(shown).toEqual([{ title: "Vera", body: "Where is my order?", tag: `dialog:${message.dialog_id}`, data: { dialog: message.dialog_id } }]);
    vera.client.close();

    // A click opens the console at /?dialog=…: the dialog opens and the address is clean again.
    await page.goto(`${parlor.url}/?dialog=${encodeURIComponent(message.dialog_id)}`);
    await page.waitForSelector('[data-testid="console"][data-connection="online"]');
    await page.waitForSelector(`[data-testid="pane"][data-dialog="${message.dialog_id}"]`);
    await expect.poll(() => page.locator('[data-testid="pane"]').textContent()).toContain("Where is my order?");
    expect(new URL(page.url()).search).toBe("");
    expect(errors).toEqual([]);
  });
});
