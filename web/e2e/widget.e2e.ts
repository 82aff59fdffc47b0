// The visitor widget in real Chromium, on the demo page the gateway serves, against a scripted
// operator: messages both ways with marks and typing, a dropped connection, a reload, hostile text,
// and a page on an origin the site does not allow. Each test is a visitor of its own, in a browser
// context of its own, with a dialog of its own.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import type { HistoryPage, MessageView, ServerEvent, VisitorCard } from "../protocol/protocol";
import { newId } from "../common/ids";
import {
  standBy,
  addOperator,
  api,
  chatFrame,
  launchBrowser,
  login,
  screenshot,
  scriptedOperator,
  startParlor,
  BULK_SCENE,
  type Parlor,
  type ScriptedClient,
} from "./harness";

let parlor: Parlor;
let browser: Browser;
let anna: Awaited<ReturnType<typeof addOperator>>;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

beforeAll(async () => {
  // Only http://127.0.0.1:PORT is the demo site's origin; http://localhost:PORT is a stranger.
  const port = await freePort();
  // Some scenes script long histories, faster than anyone types.
  parlor = await startParlor({ siteOrigins: [`http://127.0.0.1:${port}`], env: { ...BULK_SCENE, PARLOR_ADDR: `127.0.0.1:${port}` } });
  browser = await launchBrowser();
  anna = await addOperator(parlor, "Anna");
  // Someone is available: the pre-chat step offers a chat (widget-leave-message.e2e.ts has the other case).
  await standBy(parlor);
});

afterAll(async () => {
  await browser?.close();
  await parlor?.dispose();
});

/** A visitor's browser: counts the chime's notes (Web Audio) and any alert a payload might raise. */
async function visitorPage(context?: BrowserContext): Promise<{ page: Page; chat: FrameLocator; context: BrowserContext; alerts: string[] }> {
  context ??= await browser.newContext();
  await context.addInitScript(() => {
    const w = window as unknown as { __notes: number; AudioContext?: typeof AudioContext };
    w.__notes = 0;
    const Real = w.AudioContext;
    if (!Real) return;
    w.AudioContext = class extends Real {
      createOscillator(): OscillatorNode {
        const osc = super.createOscillator();
        const start = osc.start.bind(osc);
        osc.start = (when?: number) => {
          w.__notes += 1;
          start(when);
        };
        return osc;
      }
    };
  });
  const page = await context.newPage();
  const alerts: string[] = [];
  page.on("dialog", (d) => {
    alerts.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${parlor.url}/demo/`);
  return { page, chat: page.frameLocator("[data-parlor] iframe"), context, alerts };
}

async function operatorSocket(): Promise<ScriptedClient> {
  return (await scriptedOperator(parlor, anna.email, anna.password)).client;
}

async function history(dialogId: string): Promise<MessageView[]> {
  const { token } = await login(parlor, anna.email, anna.password);
  return (await api<HistoryPage>(parlor, "GET", `/dialogs/${dialogId}/messages?after=0&limit=100`, { token })).messages;
}

/** The chat is put away, as the visitor does with Escape; the bubble says it is closed. */
async function putAway(page: Page, chat: FrameLocator): Promise<void> {
  await chat.getByRole("textbox").press("Escape");
  await expect.poll(() => page.locator("[data-parlor] button").getAttribute("aria-expanded")).toBe("false");
}

/** The chat's newest message is in view, at the end of a log long enough to scroll. */
const endInView = (page: Page) =>
  chatFrame(page).evaluate(() => {
    const log = document.querySelector(".log")!;
    const last = log.lastElementChild!.getBoundingClientRect();
    const box = log.getBoundingClientRect();
    return log.scrollHeight > log.clientHeight && last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
  });

const say = (op: ScriptedClient, dialog_id: string, text: string) =>
  op.request({ action: "message", op: "send", dialog_id, client_id: newId(), text });

/**
 * A visitor on the demo page opens the widget, gives their name and writes `first`; Anna (a
 * scripted operator, connected first) sees the dialog start and joins it.
 */
async function startChat(name: string, first: string, context?: BrowserContext): Promise<Awaited<ReturnType<typeof visitorPage>> & { dialogId: string }> {
  const op = await operatorSocket();
  const visitor = await visitorPage(context);
  const { page, chat } = visitor;
  await page.locator("[data-parlor] button").click();
  await chat.getByLabel("Name").fill(name);
  await chat.getByRole("button", { name: "Start chat" }).click();
  const box = chat.getByRole("textbox", { name: "Write a message…" });
  await box.fill(first);
  await box.press("Enter");
  const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
    (e) => e.type === "dialog.created" && e.dialog.visitor_name === name,
  );
  await chat.locator('.mine .mark[data-status="sent"], .mine .mark[data-status="delivered"]').first().waitFor();
  // Anna takes it, so her later messages may be written; the widget shows it, so nothing is on
  // its way to the widget when a test starts.
  await op.request({ action: "assign", op: "join", dialog_id: created.dialog.id });
  await visitor.chat.getByText("Anna joined the dialog").waitFor();
  op.close();
  return { ...visitor, dialogId: created.dialog.id };
}

describe("the visitor widget on the demo page", () => {
  it("chats with an operator: messages both ways, the operator's name and typing, delivered and read marks, a chime", async () => {
    const op = await operatorSocket();
    const { page, chat, context } = await visitorPage();
    const bubble = page.locator("[data-parlor] button");
    await bubble.click();
    await expect.poll(() => bubble.getAttribute("aria-expanded")).toBe("true");
    await chat.getByLabel("Name").fill("Vera");
    await chat.getByLabel("Phone").fill("+7 (912) 000-11-22");
    await chat.getByRole("button", { name: "Start chat" }).click();
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Where is my order?");
    await box.press("Enter");

    const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>((e) => e.type === "dialog.created");
    const dialogId = created.dialog.id;
    expect(created.dialog.visitor_name).toBe("Vera");
    expect(created.message.text).toBe("Where is my order?");
    // The pre-chat phone reaches the operator's visitor card.
    const { token } = await login(parlor, anna.email, anna.password);
    const card = await api<VisitorCard>(parlor, "GET", `/dialogs/${dialogId}/visitor`, { token });
    expect(card).toMatchObject({ name: "Vera", phone: "+7 (912) 000-11-22" });
    const seen = await op.waitFor<Extract<ServerEvent, { type: "visitor.page" }>>((e) => e.type === "visitor.page");
    expect(seen).toMatchObject({ visitor_id: created.dialog.visitor_id, page: { url: `${parlor.url}/demo/`, title: "Parlor demo site" } });
    await chat.locator('.mine .mark[data-status="sent"], .mine .mark[data-status="delivered"]').first().waitFor();

    await op.request({ action: "assign", op: "join", dialog_id: dialogId });
    await op.request({ action: "message", op: "typing", dialog_id: dialogId, typing: true });
    await chat.getByText("Anna is typing…").waitFor();
    await op.request({ action: "message", op: "read", dialog_id: dialogId, up_to: created.message.seq });
    await chat.locator('.mine .mark[data-status="read"]').waitFor();
    await say(op, dialogId, "Hello Vera, it ships today.");
    await chat.getByText("Hello Vera, it ships today.").waitFor();
    await expect.poll(() => chat.getByText("Anna is typing…").count()).toBe(0);
    expect(await chat.locator(".operator .who").last().textContent()).toContain("Anna");
    // The panel is open: the reply is read at once, and the operator hears of it.
    await op.waitFor((e) => e.type === "message.status" && e.side === "visitor" && e.status === "read");
    await expect.poll(() => page.frames().find((f) => f.url().includes("frame.html"))?.evaluate(() => (window as unknown as { __notes: number }).__notes)).toBeGreaterThan(0);
    await screenshot(page, "widget-chat");
    op.close();
    await context.close();
  });

  it("queues what the visitor writes while the connection is down and delivers each message once after it returns", async () => {
    const { page, chat, context, dialogId } = await startChat("Olga", "Is the blue one in stock?");
    await context.setOffline(true);
    await parlor.restart();
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    for (const text of ["Written offline, one", "Written offline, two"]) {
      await box.fill(text);
      await box.press("Enter");
    }
    await chat.getByRole("status").filter({ hasText: "Offline" }).waitFor();
    await expect.poll(() => chat.locator('.mark[data-status="queued"]').count()).toBe(2);
    // An answer the visitor cannot receive now: it comes with the catch-up.
    const op = await operatorSocket();
    await say(op, dialogId, "Are you still there?");
    await screenshot(page, "widget-offline");
    await context.setOffline(false);
    await chat.getByText("Are you still there?").waitFor({ timeout: 20_000 });
    await expect.poll(() => chat.locator('.mark[data-status="queued"]').count(), { timeout: 20_000 }).toBe(0);
    const texts = (await history(dialogId)).map((m) => m.text);
    expect(texts.filter((t) => t === "Written offline, one")).toHaveLength(1);
    expect(texts.filter((t) => t === "Written offline, two")).toHaveLength(1);
    expect(await chat.getByText("Written offline, one").count()).toBe(1);
    op.close();
    await context.close();
  });

  it("keeps the dialog over a reload, and badges the closed bubble when the operator writes", async () => {
    const { page, chat, context, dialogId } = await startChat("Rita", "Where is my order?");
    await putAway(page, chat);
    await page.reload();
    const bubble = page.locator("[data-parlor] button");
    // The browser has a dialog here: the iframe loads at once, before any click.
    await chat.getByText("Where is my order?").waitFor({ state: "attached" });
    const op = await operatorSocket();
    await say(op, dialogId, "One more thing: tracking number 42.");
    await expect.poll(() => page.locator("[data-parlor] span").textContent()).toBe("1");
    expect(await bubble.getAttribute("aria-label")).toBe("Chat, 1 unread");
    await bubble.click();
    await chat.getByText("One more thing: tracking number 42.").waitFor();
    await expect.poll(() => page.locator("[data-parlor] span").textContent()).toBe("");
    expect(await chat.getByText("Where is my order?").count()).toBe(1);
    await chat.getByRole("textbox").press("Escape");
    await expect.poll(() => bubble.getAttribute("aria-expanded")).toBe("false");
    op.close();
    await context.close();
  });

  it("on another page, opens at the latest reply, having read only the newest page; older ones come as the visitor scrolls up", async () => {
    const { page, chat, context, dialogId } = await startChat("Lena", "Hello, anyone?");
    const op = await operatorSocket();
    for (let i = 1; i <= 60; i++) await say(op, dialogId, `Reply ${i}`);
    await chat.getByText("Reply 60").waitFor();
    await putAway(page, chat);
    const asked: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/visitor/messages")) asked.push(new URL(r.url()).search);
    });
    await page.goto(`${parlor.url}/demo/?page=2`);
    // The frame loads at once, hidden, and reads the newest page alone.
    await chat.getByText("Reply 60").waitFor({ state: "attached" });
    expect(asked).toEqual([""]);
    expect(await chat.getByText("Reply 10", { exact: true }).count()).toBe(0);
    await page.locator("[data-parlor] button").click();
    await expect.poll(() => endInView(page)).toBe(true);
    expect(await chat.locator(".log li").last().textContent()).toContain("Reply 60");
    // Scrolling up brings the older pages, down to the first message, each message once.
    await expect
      .poll(async () => {
        await chatFrame(page).evaluate(() => (document.querySelector(".log")!.scrollTop = 0));
        return chat.getByText("Hello, anyone?").count();
      })
      .toBe(1);
    expect(asked.slice(1).every((q) => q.startsWith("?before="))).toBe(true);
    expect(await chat.getByText("Reply 30", { exact: true }).count()).toBe(1);
    expect(await chat.locator(".log li.operator .text").count()).toBe(60);
    op.close();
    await context.close();
  });

  it("stays open on the site's next page, at the latest reply, until the visitor puts it away", async () => {
    const { page, chat, context, dialogId } = await startChat("Tanya", "Do you have it in red?");
    const op = await operatorSocket();
    for (let i = 1; i <= 30; i++) await say(op, dialogId, `Answer ${i}`);
    await chat.getByText("Answer 30").waitFor();
    const bubble = page.locator("[data-parlor] button");
    await page.goto(`${parlor.url}/demo/?page=2`);
    // Open again without a click, at the newest reply, with the page's focus left where it was.
    await chat.getByText("Answer 30").waitFor();
    expect(await bubble.getAttribute("aria-expanded")).toBe("true");
    await expect.poll(() => endInView(page)).toBe(true);
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    await screenshot(page, "widget-reopened-on-next-page");
    // Put away, it stays closed on the next page (loaded hidden: the dialog is live).
    await putAway(page, chat);
    await page.goto(`${parlor.url}/demo/?page=3`);
    await chat.getByText("Answer 30").waitFor({ state: "attached" });
    expect(await bubble.getAttribute("aria-expanded")).toBe("false");
    expect(await page.locator("[data-parlor] iframe").isHidden()).toBe(true);
    // Opened again by a click, it is open on the page after.
    await bubble.click();
    await chat.getByText("Answer 30").waitFor();
    await page.goto(`${parlor.url}/demo/?page=4`);
    await chat.getByText("Answer 30").waitFor();
    expect(await bubble.getAttribute("aria-expanded")).toBe("true");
    op.close();
    await context.close();
  });

  it("stops loading the chat on every page once the dialog is closed and put away; writing again brings it back", async () => {
    const { page, chat, context, dialogId } = await startChat("Nina", "Can I return it?");
    const flag = () => page.evaluate((k) => localStorage.getItem(`parlor:${k}:active`), parlor.siteKey);
    await expect.poll(flag).toBe("1");
    const op = await operatorSocket();
    await op.request({ action: "close", op: "close", dialog_id: dialogId });
    await chat.getByText("Anna closed the dialog").waitFor();
    // Still open in front of the visitor: it stays until they put it away.
    expect(await flag()).toBe("1");
    await chat.getByRole("textbox").press("Escape");
    await expect.poll(flag).toBe(null);

    await page.goto(`${parlor.url}/demo/?page=2`);
    await page.locator("[data-parlor] button").waitFor();
    // The loader adds the frame in the same task as the bubble, when it adds it at all.
    expect(await page.locator("[data-parlor] iframe").count()).toBe(0);
    await page.locator("[data-parlor] button").click();
    await chat.getByText("Anna closed the dialog").waitFor();
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("One more question");
    await box.press("Enter");
    // My own message reopened it: the reopening shows before it, without a reload.
    await chat.getByText("Nina reopened the dialog").waitFor();
    await expect.poll(flag).toBe("1");
    await page.goto(`${parlor.url}/demo/?page=3`);
    await chat.getByText("One more question").waitFor({ state: "attached" });
    op.close();
    await context.close();
  });

  it("shows an operator's join once, though they left (which visitors are not told) and joined again", async () => {
    const { page, chat, context, dialogId } = await startChat("Olga", "Hello");
    const op = await operatorSocket();
    await op.request({ action: "assign", op: "leave", dialog_id: dialogId });
    await op.request({ action: "assign", op: "join", dialog_id: dialogId });
    await say(op, dialogId, "Back with your answer.");
    await chat.getByText("Back with your answer.").waitFor();
    expect(await chat.getByText("Anna joined the dialog").count()).toBe(1);
    await putAway(page, chat);
    await page.reload();
    await page.locator("[data-parlor] button").click();
    await chat.getByText("Back with your answer.").waitFor();
    expect(await chat.getByText("Anna joined the dialog").count()).toBe(1);
    op.close();
    await context.close();
  });

  it("shows hostile text as text, both ways", async () => {
    const { page, chat, context, alerts, dialogId } = await startChat("Sam", "Hello");
    // From here on, every element the chat's message log gets is recorded as it is added: a
    // payload that became an element would be listed even if it was gone again, and with no such
    // element none can run.
    const frame = chatFrame(page);
    await frame.evaluate(() => {
      const added: string[] = [];
      (window as unknown as { __added: string[] }).__added = added;
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (!(n instanceof Element)) continue;
            for (const e of [n, ...n.querySelectorAll("*")]) added.push(e.tagName.toLowerCase());
          }
        }
      }).observe(document.querySelector(".log")!, { childList: true, subtree: true });
    });
    const payload = `<img src=x onerror="alert('visitor')"><script>alert('v2')</script>`;
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill(payload);
    await box.press("Enter");
    await chat.getByText(payload).waitFor();
    const op = await operatorSocket();
    const hostile = `"><svg onload=alert('operator')>`;
    await say(op, dialogId, hostile);
    await chat.getByText(hostile).waitFor();
    expect(await chat.locator(".log img, .log svg, .log script").count()).toBe(0);
    const added = await frame.evaluate(() => (window as unknown as { __added: string[] }).__added);
    expect(added.length, "the observer saw both messages drawn").toBeGreaterThanOrEqual(2);
    expect(added.filter((t) => ["img", "svg", "script", "iframe", "object", "embed"].includes(t))).toEqual([]);
    expect(alerts).toEqual([]);
    op.close();
    await context.close();
  });

  it("does not run on an origin the site does not allow", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const warned = page.waitForEvent("console", (m) => m.text().includes("does not allow the widget"));
    const foreign = parlor.url.replace("127.0.0.1", "localhost");
    await page.goto(`${foreign}/demo/`);
    await warned;
    expect(await page.locator("[data-parlor]").count()).toBe(0);
    // The iframe page may not be framed there either, and the session is refused by Origin.
    const key = parlor.siteKey;
    const res = await page.evaluate(
      async (k) => (await fetch("/api/visitor/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ site_key: k }) })).status,
      key,
    );
    expect(res).toBe(403);
    const frame = await page.request.get(`${foreign}/widget/frame.html?site=${key}`);
    expect(frame.headers()["content-security-policy"]).toContain(`frame-ancestors ${parlor.url}`);
    await context.close();
  });
});

describe("the pre-chat step", () => {
  it("says what is wrong with a phone the server refuses, keeps what was typed, and starts once it is fixed", async () => {
    // Earlier scenes restart the gateway, which cuts every socket: somebody is available again.
    await standBy(parlor);
    const { page, chat, context } = await visitorPage();
    await page.locator("[data-parlor] button").click();
    await chat.getByLabel("Name").fill("Petr");
    await chat.getByLabel("Phone").fill("call me");
    await chat.getByRole("button", { name: "Start chat" }).click();
    await chat.getByRole("alert").filter({ hasText: "Please check the phone" }).waitFor();
    expect(await chat.getByLabel("Name").inputValue()).toBe("Petr");
    expect(await chat.getByLabel("Phone").inputValue()).toBe("call me");
    expect(await chat.getByLabel("Phone").getAttribute("aria-invalid")).toBe("true");
    await chat.getByLabel("Phone").fill("8 912 555 00 00");
    await chat.getByRole("button", { name: "Start chat" }).click();
    await chat.getByRole("textbox", { name: "Write a message…" }).waitFor();
    expect(await chat.getByRole("alert").count()).toBe(0);
    await context.close();
  });
});

describe("the widget speaks the page's language", () => {
  it("is in Russian on a page in Russian", async () => {
    // Earlier scenes restart the gateway, which cuts every socket: somebody is available again.
    await standBy(parlor);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route("**/demo/", async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: (await res.text()).replace('<html lang="en">', '<html lang="ru">') });
    });
    await page.goto(`${parlor.url}/demo/`);
    await page.locator('[data-parlor] button[aria-label="Чат"]').click();
    const chat = page.frameLocator("[data-parlor] iframe");
    await chat.getByRole("button", { name: "Начать чат" }).waitFor();
    await context.close();
  });
});

