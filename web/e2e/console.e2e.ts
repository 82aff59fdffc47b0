// The operator console in real Chromium against the real gateway: operators (each a browser
// context of their own) and scripted visitors, through each part of a dialog's life; and how fast
// it first loads (measured into tests/output/console-load.json, not asserted: budgets are
// benchmarks, not timed tests). Each test has a gateway of its own, so the rings, counts and rows
// it checks are its own, whatever ran before it.
import { describe, expect, it } from "vitest";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { MessageView } from "../protocol/protocol";
import {
  addOperator,
  api,
  consoleSignIn,
  consoleWrite,
  dialogRow as row,
  BULK_SCENE,
  gatewayPerTest,
  login,
  PageSockets,
  type Parlor,
  repoRoot,
  screenshot,
  scriptedVisitor,
  seriousAxeViolations,
  startWidgetChat,
} from "./harness";

const { browser, started, gateway } = gatewayPerTest();

/** Notifications the page showed: Chromium's own, granted, with each one recorded on the way. */
interface Shown {
  title: string;
  body?: string;
}

/** A new operator of `parlor`, signed in to the console in a browser context of their own. */
async function operator(parlor: Parlor, name: string, options: { bypassCSP?: boolean } = {}): Promise<{ page: Page; sockets: PageSockets; signIn: { email: string; password: string } }> {
  const signIn = await addOperator(parlor, name);
  const context = await browser().newContext({ viewport: { width: 1280, height: 720 }, permissions: ["notifications"], ...options });
  started.push(() => context.close());
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
  const sockets = new PageSockets(page);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await consoleSignIn(page, parlor, signIn);
  expect(errors).toEqual([]);
  return { page, sockets, signIn };
}

/** A scripted visitor of `parlor` who has written `first`. */
async function visitor(parlor: Parlor, name: string, first: string): Promise<Awaited<ReturnType<typeof scriptedVisitor>>> {
  const v = await scriptedVisitor(parlor, { name });
  started.push(() => v.client.close());
  await v.send(first);
  return v;
}

/** The operator opens the visitor's dialog from the sidebar, which connects them to it. */
async function connectTo(page: Page, name: string): Promise<void> {
  await row(page, name).locator(".row-main").click();
  await row(page, name).and(page.locator('[data-colour="mine"]')).waitFor();
}

async function waitAttr(page: Page, selector: string, name: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([s, n, v]) => [...document.querySelectorAll(s)].some((e) => e.getAttribute(n) === v),
    [selector, name, value] as const,
    { timeout: 10_000 },
  );
}

describe("the operator console", () => {
  it("a new dialog rings for both operators, green; the first to join turns it blue and the ring stops for the other", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const { page: boris } = await operator(parlor, "Boris");
    await visitor(parlor, "Vera", "Where is my order #4412?");
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
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await consoleWrite(anna, "Hi Vera, I'm checking right now.");
    const pushed = await vera.client.waitFor((e) => e.type === "message.created" && e.message.text.startsWith("Hi Vera"));
    const seq = (pushed as { message: MessageView }).message.seq;
    await waitAttr(anna, `[data-seq="${seq}"] [data-testid="mark"]`, "data-status", "delivered");
    await vera.client.request({ action: "message", op: "read", up_to: seq });
    await waitAttr(anna, `[data-seq="${seq}"] [data-testid="mark"]`, "data-status", "read");
    expect(await anna.locator('[data-testid="message"]', { hasText: "Hi Vera" }).count()).toBe(1);
  });

  it("shows the visitor's typing and an XSS payload as text", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await vera.client.request({ action: "message", op: "typing", typing: true });
    await anna.waitForFunction(() => document.querySelector('[data-testid="typing"]')?.textContent?.includes("Vera is typing"));
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    await vera.send(payload);
    await anna.locator('[data-testid="message"]', { hasText: "<img src=x" }).waitFor();
    expect(await anna.locator('[data-testid="timeline"] img, [data-testid="timeline"] script').count()).toBe(0);
    expect(await anna.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await anna.locator('[data-testid="message"][data-kind="visitor"] .text').last().textContent()).toBe(payload);
    await vera.send("javascript:alert(1) or https://shop.example/track?id=4412.");
    const link = anna.locator('[data-testid="message"] .text a');
    await link.waitFor();
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute("href")).toBe("https://shop.example/track?id=4412");
    expect(await link.getAttribute("rel")).toContain("noopener");
  });

  it("a whisper shows to operators with its own background and never reaches the visitor", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await consoleWrite(anna, "Hi Vera, I'm checking right now.");
    await vera.send("Thank you!");
    await anna.locator('[data-testid="message"]', { hasText: "Thank you!" }).waitFor();
    await anna.check('[data-testid="whisper"]');
    await consoleWrite(anna, "Courier lost it; offer a resend.");
    await anna.locator('[data-testid="message"][data-kind="whisper"]', { hasText: "Courier lost it" }).waitFor();
    await anna.uncheck('[data-testid="whisper"]');
    // Anna's frames are handled in order: had the whisper reached Vera, it would be ahead of this.
    await consoleWrite(anna, "We will send it again today.");
    await vera.client.waitFor((e) => e.type === "message.created" && e.message.text.startsWith("We will send"));
    expect(JSON.stringify(vera.client.events)).not.toContain("Courier lost it");
    const history = await api(parlor, "GET", "/visitor/messages", { token: vera.session.token });
    expect(JSON.stringify(history)).not.toContain("Courier lost it");
    await screenshot(anna, "console-dialog");
    // The README's picture: made once, or again on request, so a test run leaves the docs alone.
    const docsPicture = join(repoRoot, "docs/console.png");
    if (!existsSync(docsPicture) || process.env.PARLOR_UPDATE_SCREENSHOTS === "1") {
      copyFileSync(join(repoRoot, "tests/output/screenshots/console-dialog.png"), docsPicture);
    }
  });

  it("quick replies: made from a message, inserted with / and %name% expanded; drafts stay per dialog", async () => {
    const parlor = await gateway();
    const { page: anna, signIn } = await operator(parlor, "Anna");
    await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await consoleWrite(anna, "We will send it again today.");
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
    const session = await login(parlor, signIn.email, signIn.password);
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
    const parlor = await gateway();
    // Boris first: a console lists the workspace's operators as they were when its socket opened.
    const { page: boris } = await operator(parlor, "Boris");
    const { page: anna, sockets } = await operator(parlor, "Anna");
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await anna.click('[data-testid="transfer"]');
    await anna.selectOption('[data-testid="transfer-to"]', { label: "Boris" });
    await anna.fill('[data-testid="transfer-comment"]', "Boris handles the warehouse");
    await anna.click('[data-testid="transfer-submit"]');
    await row(boris, "Vera").locator('[data-testid="assignee"]', { hasText: "Boris" }).waitFor();
    await row(anna, "Vera").waitFor({ state: "detached" });
    await row(boris, "Vera").locator(".row-main").click();
    await boris.locator('[data-testid="system"][data-event="transferred"]', { hasText: "Boris handles the warehouse" }).waitFor();
    // Once Anna's console has the transfer's answer, whatever it sent Vera is ahead of a ping's ack.
    const answer = await sockets.answerTo((f) => f.action === "assign" && f.op === "transfer");
    expect(answer.type).toBe("ack");
    await vera.client.caughtUp();
    expect(JSON.stringify(vera.client.events)).not.toContain("warehouse");
  });

  it("close moves the dialog to Closed; the visitor writing again reopens it", async () => {
    const parlor = await gateway();
    const { page: boris } = await operator(parlor, "Boris");
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(boris, "Vera");
    await boris.click('[data-testid="close"]');
    await boris.locator('[data-testid="system"][data-event="closed"]').waitFor();
    await boris.click('[data-testid="tab-closed"]');
    await row(boris, "Vera").waitFor();
    await boris.click('[data-testid="tab-open"]');
    await row(boris, "Vera").waitFor({ state: "detached" });
    await vera.send("One more thing, please");
    await row(boris, "Vera").waitFor();
    await boris.locator('[data-testid="system"][data-event="reopened"]').waitFor();
    await screenshot(boris, "console-reopened");
  });

  it("a closed dialog offers no disconnect (×); it may still be transferred, and stays closed", async () => {
    const parlor = await gateway();
    const { page: boris } = await operator(parlor, "Boris");
    const { page: anna } = await operator(parlor, "Anna");
    await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(anna, "Vera");
    await row(anna, "Vera").locator('[data-testid="disconnect"]').waitFor();
    await anna.click('[data-testid="close"]');
    await anna.locator('[data-testid="system"][data-event="closed"]').waitFor();
    await anna.click('[data-testid="tab-closed"]');
    // Anna is still among its participants, yet there is nothing to hand back.
    await row(anna, "Vera").and(anna.locator('[data-colour="plain"]')).waitFor();
    expect(await row(anna, "Vera").locator('[data-testid="disconnect"]').count()).toBe(0);
    // Seed 002: reassignment works on a closed dialog, which stays closed.
    await anna.click('[data-testid="transfer"]');
    await anna.selectOption('[data-testid="transfer-to"]', { label: "Boris" });
    await anna.click('[data-testid="transfer-submit"]');
    await boris.click('[data-testid="tab-closed"]');
    await row(boris, "Vera").locator('[data-testid="assignee"]', { hasText: "Boris" }).waitFor();
    await row(boris, "Vera").locator(".row-main").click();
    await boris.locator('[data-testid="reopen"]').waitFor();
    expect(await row(boris, "Vera").locator('[data-testid="disconnect"]').count()).toBe(0);
  });

  it("my own message into a closed dialog shows its reopening at once, before my message", async () => {
    const parlor = await gateway();
    const { page: boris } = await operator(parlor, "Boris");
    await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(boris, "Vera");
    await boris.click('[data-testid="close"]');
    await boris.locator('[data-testid="system"][data-event="closed"]').waitFor();
    await consoleWrite(boris, "One more thing: it shipped.");
    // Stored, not only shown as pending: the server pushes the reopening before it acks the message.
    await boris.locator('[data-testid="message"][data-kind="operator"]', { hasText: "One more thing: it shipped." }).waitFor();
    const reopened = boris.locator('[data-testid="system"][data-event="reopened"]');
    await reopened.waitFor();
    expect(await reopened.textContent()).toContain("Boris reopened the dialog");
    // In the order the server stored them: closed, reopened, my message.
    const order = await boris.locator('[data-testid="timeline"] :is([data-testid="system"], [data-testid="message"])').evaluateAll((els) =>
      els.map((e) => e.getAttribute("data-event") ?? e.getAttribute("data-kind")),
    );
    expect(order.slice(-3)).toEqual(["closed", "reopened", "operator"]);
    await boris.locator('[data-testid="close"]').waitFor();
  });

  it("the visitor sees my typing at once when I start a follow-up right after sending", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const context = await browser().newContext();
    started.push(() => context.close());
    const chat = await startWidgetChat(await context.newPage(), parlor, "Vera", "Is anyone there?");
    await connectTo(anna, "Vera");
    // The first words say "typing"; the message itself ends it in the widget.
    await consoleWrite(anna, "Yes, I am here.");
    await chat.getByText("Yes, I am here.").waitFor();
    await expect.poll(() => chat.getByText("Anna is typing…").count()).toBe(0);
    await anna.locator('[data-testid="composer"]').pressSequentially("Let me check");
    // Well under the four seconds the console spaces its "typing" signals by.
    await chat.getByText("Anna is typing…").waitFor({ timeout: 2000 });
  });

  it("mark as unread counts for me alone", async () => {
    const parlor = await gateway();
    const { page: anna, signIn: annaSignIn } = await operator(parlor, "Anna");
    const { page: boris, sockets: borisSockets } = await operator(parlor, "Boris");
    await visitor(parlor, "Vera", "Where is my order #4412?");
    // Both have the dialog open, so both have read it.
    await connectTo(boris, "Vera");
    await connectTo(anna, "Vera");
    for (const page of [anna, boris]) {
      await row(page, "Vera").locator('[data-testid="unread"]').waitFor({ state: "detached" });
      await page.waitForFunction(() => document.title === "Parlor");
    }

    await boris.click('[data-testid="mark-unread"]');
    await row(boris, "Vera").locator('[data-testid="unread"]').waitFor();
    await boris.waitForFunction(() => document.title === "(1) Parlor");
    await boris.click('[data-testid="filter-unread"]');
    expect(await row(boris, "Vera").count()).toBe(1);
    await boris.click('[data-testid="filter-all"]');

    // Anna's counts did not move. Whatever Boris's mark sent anywhere went out before its answer;
    // a dialog that starts after that reaches Anna's console after it too.
    expect((await borisSockets.answerTo((f) => f.action === "message" && f.op === "mark_unread")).type).toBe("ack");
    await visitor(parlor, "Xenia", "Hello?");
    await row(anna, "Xenia").waitFor();
    expect(await row(anna, "Vera").locator('[data-testid="unread"]').count()).toBe(0);
    await anna.click('[data-testid="filter-unread"]');
    expect(await row(anna, "Vera").count()).toBe(0);
    expect(await row(anna, "Xenia").count()).toBe(1);
    await anna.click('[data-testid="filter-all"]');
    const annas = await login(parlor, annaSignIn.email, annaSignIn.password);
    const listed = await api<{ dialogs: { visitor_name: string; unread: number }[] }>(parlor, "GET", "/dialogs", { token: annas.token });
    expect(listed.dialogs.find((d) => d.visitor_name === "Vera")?.unread).toBe(0);
  });

  it("shows a banner while offline, reconnects by itself and catches up without doubles", async () => {
    const parlor = await gateway();
    const { page: boris } = await operator(parlor, "Boris");
    let vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await connectTo(boris, "Vera");
    const before = await boris.locator('[data-testid="message"]').count();
    await parlor.restart();
    await boris.locator('[data-testid="offline-banner"]').waitFor();
    await screenshot(boris, "console-offline");
    await boris.waitForSelector('[data-testid="console"][data-connection="online"]', { timeout: 30_000 });
    vera.client.close();
    vera = await scriptedVisitor(parlor, { token: vera.session.token });
    started.push(() => vera.client.close());
    await vera.send("Are you still there?");
    await boris.locator('[data-testid="message"]', { hasText: "Are you still there?" }).waitFor();
    expect(await boris.locator('[data-testid="message"]').count()).toBe(before + 1);
    // The open dialog is read again after the catch-up: no unread badge on what I am looking at.
    await row(boris, "Vera").locator('[data-testid="unread"]').waitFor({ state: "detached" });
  });

  it("a long dialog scrolls up without end; drafts stay per dialog; Alt+arrows, search, quote and emoji", async () => {
    const parlor = await gateway({ env: BULK_SCENE });
    const { page: boris } = await operator(parlor, "Boris");
    await visitor(parlor, "Vera", "Where is my order #4412?");
    const walter = await visitor(parlor, "Walter", "line 1");
    for (let i = 2; i <= 70; i++) await walter.send(`line ${i}`);
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
  });

  it("new dialogs ring only for online operators: an away operator sees the row without the ring", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const { page: boris } = await operator(parlor, "Boris");
    await boris.selectOption('[data-testid="status"]', "away");
    await boris.locator('[data-testid="operator-card"] .status-dot.away').waitFor();
    await visitor(parlor, "Xenia", "Hello?");
    await row(anna, "Xenia").waitFor();
    await row(boris, "Xenia").waitFor();
    expect(await row(anna, "Xenia").getAttribute("data-ringing")).toBe("true");
    expect(await row(boris, "Xenia").getAttribute("data-ringing")).toBe("false");
    await boris.selectOption('[data-testid="status"]', "online");
    await boris.locator('[data-testid="operator-card"] .status-dot.online').waitFor();
  });

  it("with 250 open dialogs: loads them all, page after page, counts every unread one, and draws only the rows in sight", async () => {
    const parlor = await gateway({ env: BULK_SCENE });
    const names = Array.from({ length: 250 }, (_, i) => `Visitor ${String(i + 1).padStart(3, "0")}`);
    const tokens = new Map<string, string>();
    const start = async (name: string) => {
      const v = await scriptedVisitor(parlor, { name });
      await v.send(`Hello from ${name}`);
      tokens.set(name, v.session.token);
      v.client.close();
    };
    // The first and the last alone, so they are the oldest and the newest; the rest 25 at a time.
    await start(names[0]);
    for (let i = 1; i < names.length - 1; i += 25) await Promise.all(names.slice(i, Math.min(i + 25, names.length - 1)).map(start));
    await start(names[names.length - 1]);
    const { page: anna } = await operator(parlor, "Anna");
    await anna.waitForFunction(() => document.title === "(250) Parlor");
    expect(await anna.textContent('[data-testid="unread-dialogs"]')).toContain("250 unread");
    const drawn = () => anna.locator('[data-testid="dialog-row"]').count();
    expect(await drawn()).toBeLessThan(40);
    expect(await anna.locator('[data-testid="dialog-row"]').first().getAttribute("aria-setsize")).toBe("250");
    // The newest first; the oldest, from the first page's far side, at the end of the list.
    expect(await anna.locator('[data-testid="dialog-row"] .visitor-name').first().textContent()).toBe("Visitor 250");
    const list = anna.locator('[data-testid="dialog-list"]');
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await row(anna, "Visitor 001").waitFor();
    expect(await row(anna, "Visitor 001").getAttribute("aria-posinset")).toBe("250");
    expect(await drawn()).toBeLessThan(40);
    // Live events still move the rows: the oldest visitor writes and goes to the top.
    const first = await scriptedVisitor(parlor, { token: tokens.get("Visitor 001") });
    started.push(() => first.client.close());
    await first.send("Still there?");
    await list.evaluate((el) => (el.scrollTop = 0));
    await anna.locator('[data-testid="dialog-row"] .visitor-name').first().filter({ hasText: "Visitor 001" }).waitFor();
    expect(await anna.locator('[data-testid="dialog-row"] .visitor-name', { hasText: "Visitor 001" }).count()).toBe(1);
  });

  it("has no serious or critical accessibility violations (axe-core)", async () => {
    const parlor = await gateway();
    const vera = await visitor(parlor, "Vera", "Where is my order #4412?");
    await vera.send("It was due on Monday.");
    // The page's CSP forbids the inline script addScriptTag makes: this context alone bypasses it.
    const { page } = await operator(parlor, "Clara", { bypassCSP: true });
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
    const parlor = await gateway();
    for (let i = 0; i < 5; i++) {
      const context = await browser().newContext();
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
