// The console beside one dialog, in real Chromium against the real gateway: the visitor panel
// (where the visitor came from, the page open now, live) and a send the server refuses (the red
// cross with the reason, then Retry and Discard).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import {
  addOperator,
  api,
  consoleSignIn,
  consoleWrite,
  dialogRow as row,
  gatewayAndBrowser,
  screenshot,
  scriptedOperator,
  scriptedVisitor,
  type Parlor,
} from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
let context: BrowserContext;
let anna: Page;
let annaSignIn: { email: string; password: string };
/** The console's sockets as the browser routes them; `cut` refuses new ones (the network is down). */
const sockets: WebSocketRoute[] = [];
let cut = false;

/** Waits until the named visitor's dialog is one I am connected to (light blue). */
async function connected(page: Page, name: string): Promise<void> {
  await row(page, name).and(page.locator('[data-colour="mine"]')).waitFor();
}

beforeAll(async () => {
  parlor = scene.parlor;
  annaSignIn = await addOperator(parlor, "Anna");
  context = await scene.browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.routeWebSocket(/\/ws/, (ws) => {
    if (cut) return void ws.close();
    ws.connectToServer();
    sockets.push(ws);
  });
  anna = await context.newPage();
  await consoleSignIn(anna, parlor, annaSignIn);
});

afterAll(async () => {
  await context?.close();
});

describe("the visitor panel", () => {
  it("shows where the visitor came from and the page open now, live, as text", async () => {
    const vera = await scriptedVisitor(parlor, {
      name: "Vera",
      email: "vera@example.com",
      source: {
        referrer: "https://news.example/winter-sale",
        landing_page: "javascript:alert(document.domain)",
        utm: { utm_source: "newsletter", utm_campaign: "winter" },
      },
    });
    await vera.send("Where is my order #4412?");
    await row(anna, "Vera").locator(".row-main").click();
    const panel = anna.locator('[data-testid="visitor-panel"]');
    await panel.locator('[data-testid="visitor-referrer"]').waitFor();
    expect(await panel.locator('[data-testid="visitor-name"]').textContent()).toBe("Vera");
    expect(await panel.locator('[data-testid="visitor-email"]').textContent()).toBe("vera@example.com");
    const referrer = panel.locator('[data-testid="visitor-referrer"] a');
    expect(await referrer.getAttribute("href")).toBe("https://news.example/winter-sale");
    expect(await referrer.getAttribute("target")).toBe("_blank");
    expect(await referrer.getAttribute("rel")).toContain("noopener");
    expect(await panel.locator('[data-testid="visitor-utm"]').allTextContents()).toEqual(["utm_source: newsletter", "utm_campaign: winter"]);
    // Not a web address: shown, never a link.
    expect(await panel.locator('[data-testid="visitor-landing"]').textContent()).toBe("javascript:alert(document.domain)");
    expect(await panel.locator('[data-testid="visitor-landing"] a').count()).toBe(0);
    expect(await panel.locator('[data-testid="visitor-page"]').textContent()).toContain("Not reported yet");

    // The visitor moves to another page: the panel follows without a reload.
    await api(parlor, "POST", "/visitor/page", { token: vera.session.token, body: { url: "https://shop.example/orders/4412", title: "Order 4412" } });
    const link = panel.locator('[data-testid="visitor-page-link"]');
    await link.filter({ hasText: "Order 4412" }).waitFor();
    expect(await link.getAttribute("href")).toBe("https://shop.example/orders/4412");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toContain("noopener");
    expect(await panel.locator('[data-testid="visitor-page-ago"]').textContent()).toBe("just now");

    // A hostile page title is text.
    const payload = `<img src=x onerror="window.__xss=1">Cart`;
    await api(parlor, "POST", "/visitor/page", { token: vera.session.token, body: { url: "https://shop.example/cart", title: payload } });
    await link.filter({ hasText: "<img src=x" }).waitFor();
    expect(await link.textContent()).toBe(payload);
    expect(await panel.locator("img").count()).toBe(0);
    expect(await anna.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // Usable at 1280×720 and on a tablet: the panel, the timeline and the composer all on screen.
    for (const size of [{ width: 1280, height: 720 }, { width: 1024, height: 768 }]) {
      await anna.setViewportSize(size);
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(size.width);
      const composer = (await anna.locator('[data-testid="composer"]').boundingBox())!;
      expect(composer.width).toBeGreaterThan(300);
      expect(composer.y + composer.height).toBeLessThanOrEqual(size.height);
      await screenshot(anna, `console-visitor-${size.width}`);
    }
    await anna.setViewportSize({ width: 1280, height: 720 });

    // The panel folds away and comes back.
    await anna.click('[data-testid="visitor-toggle"]');
    await panel.waitFor({ state: "detached" });
    expect(await anna.getAttribute('[data-testid="visitor-toggle"]', "aria-expanded")).toBe("false");
    await anna.click('[data-testid="visitor-toggle"]');
    await panel.locator('[data-testid="visitor-page-link"]', { hasText: "<img src=x" }).waitFor();
    vera.client.close();
  });
});

describe("a send the server refuses", () => {
  it("shows the red cross with the reason; Retry sends it once joined, Discard drops it", async () => {
    const uma = await scriptedVisitor(parlor, { name: "Uma" });
    await uma.send("Hello, anyone?");
    await row(anna, "Uma").locator(".row-main").click();
    await connected(anna, "Uma");
    const dialogId = (await anna.getAttribute('[data-testid="pane"]', "data-dialog"))!;

    // The network drops; Anna writes two answers, which wait in the outbox.
    cut = true;
    for (const s of sockets.splice(0)) await s.close();
    await anna.locator('[data-testid="offline-banner"]').waitFor();
    await consoleWrite(anna, "First answer");
    await consoleWrite(anna, "Second answer");
    const pending = anna.locator('[data-testid="message"][data-pending="true"]');
    await pending.nth(1).waitFor();
    expect(await pending.locator('[data-testid="mark"]').evaluateAll((ms) => ms.map((m) => m.getAttribute("data-status")))).toEqual(["queued", "queued"]);

    // Meanwhile Anna disconnected from the dialog in another tab (the same operator, another socket).
    const other = await scriptedOperator(parlor, annaSignIn.email, annaSignIn.password);
    await other.client.request({ action: "assign", op: "leave", dialog_id: dialogId });
    other.client.close();

    // Back online: the outbox sends both, and the server refuses both (`not_connected`).
    cut = false;
    await anna.evaluate(() => dispatchEvent(new Event("online")));
    await anna.waitForSelector('[data-testid="console"][data-connection="online"]', { timeout: 30_000 });
    const failed = anna.locator('[data-testid="message"][data-pending="true"] [data-testid="mark"][data-status="failed"]');
    await failed.nth(1).waitFor();
    expect(await failed.first().textContent()).toContain("join the dialog before you write in it");
    await screenshot(anna, "console-failed");

    // Connecting again (a click in the sidebar), then Retry: the same message is stored, once.
    await row(anna, "Uma").locator(".row-main").click();
    await connected(anna, "Uma");
    const first = anna.locator('[data-testid="message"][data-pending="true"]', { hasText: "First answer" });
    await first.getByRole("button", { name: "Retry" }).click();
    await anna.locator('[data-testid="message"][data-kind="operator"]', { hasText: "First answer" }).waitFor();
    await uma.client.waitFor((e) => e.type === "message.created" && e.message.text === "First answer");

    // Discard: the second one is gone and never reaches the visitor.
    const second = anna.locator('[data-testid="message"][data-pending="true"]', { hasText: "Second answer" });
    await second.getByRole("button", { name: "Discard" }).click();
    await second.waitFor({ state: "detached" });
    expect(await anna.locator('[data-testid="message"]', { hasText: "Second answer" }).count()).toBe(0);
    expect(await anna.locator('[data-testid="message"]', { hasText: "First answer" }).count()).toBe(1);
    // A message written after it goes out on the same socket, and frames of one socket are
    // handled in order: had the discarded one gone out, Uma would have it before this one.
    await consoleWrite(anna, "Third answer");
    await uma.client.waitFor((e) => e.type === "message.created" && e.message.text === "Third answer");
    expect(JSON.stringify(uma.client.events)).not.toContain("Second answer");
    const history = await api(parlor, "GET", "/visitor/messages", { token: uma.session.token });
    expect(JSON.stringify(history)).not.toContain("Second answer");
    uma.client.close();
  });
});
