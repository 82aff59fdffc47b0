// The operator console in real Chromium against the real gateway: two operators (two browser
// contexts) and a scripted visitor, through a dialog's whole life; and how fast it first loads
// (measured into tests/output/console-load.json, not asserted: budgets are benchmarks, not timed tests).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { MessageView } from "../protocol/protocol";
import {
  addOperator,
  api,
  consoleSignIn,
  consoleWrite,
  dialogRow as row,
  gatewayAndBrowser,
  login,
  repoRoot,
  screenshot,
  scriptedVisitor,
  seriousAxeViolations,
  type Parlor,
} from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
let anna: Page;
let boris: Page;
let visitor: Awaited<ReturnType<typeof scriptedVisitor>>;
let annaSignIn: { email: string; password: string };

/** Notifications the page showed: Chromium's own, granted, with each one recorded on the way. */
interface Shown {
  title: string;
  body?: string;
}

async function signIn(email: string, password: string, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await scene.browser.newContext({ viewport: { width: 1280, height: 720 }, permissions: ["notifications"], ...options });
  contexts.push(context);
  await context.addInitScript(() => {
    const shown: Shown[] = [];
    (window as unknown as { __shown: Shown[] }).__shown = shown;
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
        super(title, options);
      }
    } as typeof Notification;
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await consoleSignIn(page, parlor, { email, password });
  expect(errors).toEqual([]);
  return page;
}

async function waitAttr(page: Page, selector: string, name: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([s, n, v]) => [...document.querySelectorAll(s)].some((e) => e.getAttribute(n) === v),
    [selector, name, value] as const,
    { timeout: 10_000 },
  );
}

beforeAll(async () => {
  parlor = scene.parlor;
  const a = await addOperator(parlor, "Anna");
  annaSignIn = a;
  const b = await addOperator(parlor, "Boris");
  anna = await signIn(a.email, a.password);
  boris = await signIn(b.email, b.password);
});

afterAll(async () => {
  visitor?.client.close();
  for (const c of contexts) await c.close();
});

describe("the operator console", () => {
  it("a new dialog rings for both operators, green; the first to join turns it blue and the ring stops for the other", async () => {
    visitor = await scriptedVisitor(parlor, { name: "Vera" });
    await visitor.send("Where is my order #4412?");
    for (const page of [anna, boris]) {
      await row(page, "Vera").waitFor();
      expect(await row(page, "Vera").getAttribute("data-colour")).toBe("waiting");
      await waitAttr(page, '[data-testid="console"]', "data-ringing", "true");
      await page.waitForFunction(() => document.title === "(1) Parlor");
      expect(await page.textContent('[data-testid="unread-dialogs"]')).toContain("1 unread");
      const shown = await page.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown);
      expect(shown).toEqual([{ title: "New dialog: Vera", body: "Where is my order #4412?" }]);
    }
    await screenshot(boris, "console-new-dialog");

    await row(anna, "Vera").locator(".row-main").click();
    await waitAttr(anna, '[data-testid="dialog-row"]', "data-colour", "mine");
    await waitAttr(boris, '[data-testid="dialog-row"]', "data-colour", "taken");
    await waitAttr(boris, '[data-testid="console"]', "data-ringing", "false");
    await waitAttr(anna, '[data-testid="console"]', "data-ringing", "false");
    expect(await row(boris, "Vera").locator('[data-testid="assignee"]').textContent()).toBe("Anna");
    await anna.waitForFunction(() => document.title === "Parlor");
  });

  it("my message goes from delivered to two ticks when the visitor reads it", async () => {
    await consoleWrite(anna, "Hi Vera, I'm checking right now.");
    const pushed = await visitor.client.waitFor((e) => e.type === "message.created" && e.message.text.startsWith("Hi Vera"));
    const seq = (pushed as { message: MessageView }).message.seq;
    await waitAttr(anna, `[data-seq="${seq}"] [data-testid="mark"]`, "data-status", "delivered");
    await visitor.client.request({ action: "message", op: "read", up_to: seq });
    await waitAttr(anna, `[data-seq="${seq}"] [data-testid="mark"]`, "data-status", "read");
    expect(await anna.locator('[data-testid="message"]', { hasText: "Hi Vera" }).count()).toBe(1);
  });

  it("shows the visitor's typing and an XSS payload as text", async () => {
    await visitor.client.request({ action: "message", op: "typing", typing: true });
    await anna.waitForFunction(() => document.querySelector('[data-testid="typing"]')?.textContent?.includes("Vera is typing"));
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    await visitor.send(payload);
    await anna.locator('[data-testid="message"]', { hasText: "<img src=x" }).waitFor();
    expect(await anna.locator('[data-testid="timeline"] img, [data-testid="timeline"] script').count()).toBe(0);
    expect(await anna.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await anna.locator('[data-testid="message"][data-kind="visitor"] .text').last().textContent()).toBe(payload);
    await visitor.send("javascript:alert(1) or https://shop.example/track?id=4412.");
    const link = anna.locator('[data-testid="message"] .text a');
    await link.waitFor();
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute("href")).toBe("https://shop.example/track?id=4412");
    expect(await link.getAttribute("rel")).toContain("noopener");
  });

  it("a whisper shows to operators with its own background and never reaches the visitor", async () => {
    await anna.check('[data-testid="whisper"]');
    await consoleWrite(anna, "Courier lost it; offer a resend.");
    await anna.locator('[data-testid="message"][data-kind="whisper"]', { hasText: "Courier lost it" }).waitFor();
    await anna.uncheck('[data-testid="whisper"]');
    await consoleWrite(anna, "We will send it again today.");
    await visitor.client.waitFor((e) => e.type === "message.created" && e.message.text.startsWith("We will send"));
    expect(JSON.stringify(visitor.client.events)).not.toContain("Courier lost it");
    const history = await api(parlor, "GET", "/visitor/messages", { token: visitor.session.token });
    expect(JSON.stringify(history)).not.toContain("Courier lost it");
    await screenshot(anna, "console-dialog");
    // The README's picture: made once, or again on request, so a test run leaves the docs alone.
    const docsPicture = join(repoRoot, "docs/console.png");
    if (!existsSync(docsPicture) || process.env.PARLOR_UPDATE_SCREENSHOTS === "1") {
      copyFileSync(join(repoRoot, "tests/output/screenshots/console-dialog.png"), docsPicture);
    }
  });

  it("quick replies: made from a message, inserted with / and %name% expanded; drafts stay per dialog", async () => {
    await anna.locator('[data-testid="message"][data-kind="operator"]', { hasText: "send it again" }).hover();
    await anna.locator('[data-testid="message"][data-kind="operator"]', { hasText: "send it again" }).locator('[data-testid="make-quick"]').click();
    expect(await anna.inputValue('[data-testid="quick-text"]')).toBe("We will send it again today.");
    await anna.fill('[data-testid="quick-title"]', "greet");
    await anna.fill('[data-testid="quick-text"]', "Hello, this is %name%.");
    await anna.click('[data-testid="quick-save"]');
    await anna.fill('[data-testid="composer"]', "/gre");
    await anna.locator('[data-testid="shortcut"]').waitFor();
    await anna.press('[data-testid="composer"]', "Enter");
    expect(await anna.inputValue('[data-testid="composer"]')).toBe("Hello, this is Anna.");
    // Kept on the server: they follow Anna to any browser.
    const session = await login(parlor, annaSignIn.email, annaSignIn.password);
    const kept = await api<{ quick_replies: { title: string; text: string }[] }>(parlor, "GET", "/quick-replies", { token: session.token });
    expect(kept.quick_replies).toMatchObject([{ title: "greet", text: "Hello, this is %name%." }]);
    // The draft shows in the sidebar instead of the last message and survives switching dialogs.
    expect(await row(anna, "Vera").locator(".last").textContent()).toContain("Hello, this is Anna.");
    const long = "x".repeat(2001);
    await anna.fill('[data-testid="composer"]', long);
    expect(await anna.textContent('[data-testid="counter"]')).toBe("2001 / 2000");
    expect(await anna.isDisabled('[data-testid="send"]')).toBe(true);
    await anna.fill('[data-testid="composer"]', "");
  });

  it("transfer to an available operator with a comment only operators see", async () => {
    await anna.click('[data-testid="transfer"]');
    await anna.selectOption('[data-testid="transfer-to"]', { label: "Boris" });
    await anna.fill('[data-testid="transfer-comment"]', "Boris handles the warehouse");
    await anna.click('[data-testid="transfer-submit"]');
    await row(boris, "Vera").locator('[data-testid="assignee"]', { hasText: "Boris" }).waitFor();
    await row(anna, "Vera").waitFor({ state: "detached" });
    await row(boris, "Vera").locator(".row-main").click();
    await boris.locator('[data-testid="system"][data-event="transferred"]', { hasText: "Boris handles the warehouse" }).waitFor();
    await new Promise((r) => setTimeout(r, 300));
    expect(JSON.stringify(visitor.client.events)).not.toContain("warehouse");
  });

  it("close moves the dialog to Closed; the visitor writing again reopens it", async () => {
    await boris.click('[data-testid="close"]');
    await boris.locator('[data-testid="system"][data-event="closed"]').waitFor();
    await boris.click('[data-testid="tab-closed"]');
    await row(boris, "Vera").waitFor();
    await boris.click('[data-testid="tab-open"]');
    await row(boris, "Vera").waitFor({ state: "detached" });
    await visitor.send("One more thing, please");
    await row(boris, "Vera").waitFor();
    await boris.locator('[data-testid="system"][data-event="reopened"]').waitFor();
    await screenshot(boris, "console-reopened");
  });

  it("mark as unread counts for me alone", async () => {
    await boris.click('[data-testid="mark-unread"]');
    await row(boris, "Vera").locator('[data-testid="unread"]').waitFor();
    await boris.waitForFunction(() => document.title === "(1) Parlor");
    await boris.click('[data-testid="filter-unread"]');
    expect(await row(boris, "Vera").count()).toBe(1);
    await boris.click('[data-testid="filter-all"]');
  });

  it("shows a banner while offline, reconnects by itself and catches up without doubles", async () => {
    await row(boris, "Vera").locator(".row-main").click();
    const before = await boris.locator('[data-testid="message"]').count();
    await parlor.restart();
    await boris.locator('[data-testid="offline-banner"]').waitFor();
    await screenshot(boris, "console-offline");
    await boris.waitForSelector('[data-testid="console"][data-connection="online"]', { timeout: 30_000 });
    visitor.client.close();
    visitor = await scriptedVisitor(parlor, { token: visitor.session.token });
    await visitor.send("Are you still there?");
    await boris.locator('[data-testid="message"]', { hasText: "Are you still there?" }).waitFor();
    expect(await boris.locator('[data-testid="message"]').count()).toBe(before + 1);
    // The open dialog is read again after the catch-up: no unread badge on what I am looking at.
    await row(boris, "Vera").locator('[data-testid="unread"]').waitFor({ state: "detached" });
  });

  it("a long dialog scrolls up without end; drafts stay per dialog; Alt+arrows, search, quote and emoji", async () => {
    const walter = await scriptedVisitor(parlor, { name: "Walter" });
    for (let i = 1; i <= 70; i++) await walter.send(`line ${i}`);
    await row(boris, "Walter").locator(".row-main").click();
    await boris.locator('[data-testid="message"]', { hasText: "line 70" }).waitFor();
    expect(await boris.locator('[data-testid="message"] .text', { hasText: /^line 1$/ }).count()).toBe(0);
    await boris.locator('[data-testid="timeline"]').evaluate((el) => (el.scrollTop = 0));
    await boris.locator('[data-testid="message"] .text', { hasText: /^line 1$/ }).waitFor();
    expect(await boris.locator('[data-testid="message"][data-kind="visitor"]').count()).toBe(70);

    // A draft in Walter's dialog survives a trip to Vera's and back (Alt+arrows move between them).
    await boris.fill('[data-testid="composer"]', "half-written answer");
    await boris.keyboard.press("Alt+ArrowDown");
    await boris.waitForSelector('[data-testid="pane"][data-dialog]:not([data-dialog=""])');
    await boris.waitForFunction(() => document.querySelector('[data-testid="pane"] h2')?.textContent === "Vera");
    expect(await boris.inputValue('[data-testid="composer"]')).toBe("");
    await boris.keyboard.press("Alt+ArrowUp");
    await boris.waitForFunction(() => document.querySelector('[data-testid="pane"] h2')?.textContent === "Walter");
    expect(await boris.inputValue('[data-testid="composer"]')).toBe("half-written answer");
    expect(await row(boris, "Walter").locator(".last").textContent()).toContain("half-written answer");

    await boris.fill('[data-testid="search"]', "walt");
    expect(await boris.locator('[data-testid="dialog-row"]').count()).toBe(1);
    await boris.fill('[data-testid="search"]', "");

    // Quote-reply and an emoji go out with the message.
    const last = boris.locator('[data-testid="message"][data-kind="visitor"]').last();
    await last.hover();
    await last.locator('[data-testid="quote"]').click();
    await boris.locator('[data-testid="reply-bar"]').waitFor();
    await boris.fill('[data-testid="composer"]', "Noted ");
    await boris.click('[data-testid="emoji"]');
    await boris.locator('[data-testid="emoji-picker"] button').first().click();
    await boris.press('[data-testid="composer"]', "Enter");
    const reply = await walter.client.waitFor((e) => e.type === "message.created" && e.message.text.startsWith("Noted"));
    expect(reply).toMatchObject({ message: { text: "Noted 😀", reply_to: 70 } });
    await boris.locator('[data-testid="message"] .quote', { hasText: "line 70" }).waitFor();
    await row(boris, "Walter").locator(".last", { hasText: "Noted" }).waitFor();
    await boris.setViewportSize({ width: 1024, height: 768 });
    await screenshot(boris, "console-tablet");
    await boris.setViewportSize({ width: 1280, height: 720 });
    walter.client.close();
  });

  it("new dialogs ring only for online operators: an away operator sees the row without the ring", async () => {
    await boris.selectOption('[data-testid="status"]', "away");
    await boris.locator('[data-testid="operator-card"] .status-dot.away').waitFor();
    const xenia = await scriptedVisitor(parlor, { name: "Xenia" });
    await xenia.send("Hello?");
    await row(anna, "Xenia").waitFor();
    await row(boris, "Xenia").waitFor();
    expect(await row(anna, "Xenia").getAttribute("data-ringing")).toBe("true");
    expect(await row(boris, "Xenia").getAttribute("data-ringing")).toBe("false");
    await boris.selectOption('[data-testid="status"]', "online");
    await boris.locator('[data-testid="operator-card"] .status-dot.online').waitFor();
    xenia.client.close();
  });

  it("has no serious or critical accessibility violations (axe-core)", async () => {
    const c = await addOperator(parlor, "Clara");
    // The page's CSP forbids the inline script addScriptTag makes: this context alone bypasses it.
    const page = await signIn(c.email, c.password, { bypassCSP: true });
    await row(page, "Vera").locator(".row-main").click();
    await page.locator('[data-testid="message"]').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The cross disconnects: the row is no longer mine.
    await waitAttr(page, '[data-testid="dialog-row"]', "data-colour", "mine");
    await row(page, "Vera").locator('[data-testid="disconnect"]').click();
    await row(page, "Vera").locator('[data-testid="disconnect"]').waitFor({ state: "detached" });
    expect(await row(page, "Vera").getAttribute("data-colour")).not.toBe("mine");
  });
});

describe("the console's first load", () => {
  it("is measured with a cold cache: bytes over the wire and time to the sign-in form", async () => {
    const runs: { transferred: number; formMs: number; loadMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const context = await scene.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${parlor.url}/`);
      await page.waitForSelector('input[name="email"]');
      const m = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        const res = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
        return {
          transferred: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
          formMs: performance.now(),
          loadMs: nav.loadEventEnd,
        };
      });
      runs.push(m);
      await context.close();
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const out = {
      runs: runs.length,
      median_time_to_sign_in_form_ms: Math.round(median(runs.map((r) => r.formMs))),
      median_load_event_ms: Math.round(median(runs.map((r) => r.loadMs))),
      bytes_transferred: runs[0].transferred,
    };
    mkdirSync(join(repoRoot, "tests/output"), { recursive: true });
    writeFileSync(join(repoRoot, "tests/output/console-load.json"), JSON.stringify(out, null, 2));
    console.log("console first load:", out);
    // Five cold loads measured, and the page really came over the wire (a cached or blocked load counts 0).
    expect(out.runs).toBe(5);
    expect(runs.map((r) => r.transferred > 0)).toEqual([true, true, true, true, true]);
    expect(out.bytes_transferred).toBeGreaterThan(0);
  });
});
