// How the widget shows each message, in real Chromium on the demo page against the gateway and a
// scripted operator: the time in the visitor's locale, delivered and read marks that look apart,
// the message an operator quoted, and a message written while the gateway is away, shown as
// waiting and sent once it is back. Each test is a visitor of its own, in a context of its own.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContextOptions, FrameLocator, Page } from "playwright-core";
import type { HistoryPage, MessageView, ServerEvent } from "../protocol/protocol";
import { newId } from "../common/ids";
import {
  addOperator,
  api,
  BULK_SCENE,
  chatFrame,
  gatewayAndBrowser,
  login,
  png,
  screenshot,
  scriptedOperator,
  seriousAxeViolations,
  startWidgetChat,
  type ScriptedClient,
} from "./harness";
import { operatorSendsPictures } from "./pictures";

// Operators' replies are scripted, faster than anyone types.
const scene = gatewayAndBrowser({ env: BULK_SCENE });
let anna: Awaited<ReturnType<typeof addOperator>>;

beforeAll(async () => {
  anna = await addOperator(scene.parlor, "Anna");
});

const operator = async (): Promise<ScriptedClient> => (await scriptedOperator(scene.parlor, anna.email, anna.password)).client;

const say = async (op: ScriptedClient, dialog_id: string, text: string, reply_to?: number): Promise<MessageView> =>
  (await op.request({ action: "message", op: "send", dialog_id, client_id: newId(), text, ...(reply_to ? { reply_to } : {}) })).message!;

/**
 * A visitor in a browser of their own starts a chat with `first`; Anna, connected before, sees the
 * dialog and joins it. Returns the page, the chat, Anna's socket and the visitor's first message.
 */
async function chatWithAnna(
  name: string,
  first: string,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; chat: FrameLocator; op: ScriptedClient; dialogId: string; firstMessage: MessageView; close(): Promise<void> }> {
  const op = await operator();
  const context = await scene.browser.newContext(options);
  const page = await context.newPage();
  const chat = await startWidgetChat(page, scene.parlor, name, first);
  const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
    (e) => e.type === "dialog.created" && e.dialog.visitor_name === name,
  );
  const dialogId = created.dialog.id;
  await op.request({ action: "assign", op: "join", dialog_id: dialogId });
  await chat.getByText("Anna joined the dialog").waitFor();
  return {
    page,
    chat,
    op,
    dialogId,
    firstMessage: created.message,
    close: async () => {
      op.close();
      await context.close();
    },
  };
}

async function history(dialogId: string): Promise<MessageView[]> {
  const { token } = await login(scene.parlor, anna.email, anna.password);
  return (await api<HistoryPage>(scene.parlor, "GET", `/dialogs/${dialogId}/messages?after=0&limit=100`, { token })).messages;
}

/** Anna sends pictures into the dialog. */
async function sendPictures(op: ScriptedClient, dialog_id: string, text: string, pictures: { name: string; bytes: Buffer }[]): Promise<MessageView> {
  const { token } = await login(scene.parlor, anna.email, anna.password);
  return operatorSendsPictures(scene.parlor, token, op, dialog_id, text, pictures);
}

/** The ticks a mark draws, each one drawn and in sight. */
const ticks = (chat: FrameLocator, status: string) =>
  chat.locator(`.mine .mark[data-status="${status}"] .tk`).evaluateAll((all) =>
    all.filter((t) => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(t).borderRightWidth !== "0px";
    }).length,
  );

describe("the widget's messages", () => {
  it("shows when each message was written, in the visitor's locale and time zone", async () => {
    // A German visitor's browser, in New York, on the English demo page: times follow the browser
    // (24-hour, New York's clock), not the page's language or the machine's zone.
    const { chat, op, dialogId, firstMessage, close } = await chatWithAnna("Jane", "Do you ship to Boston?", {
      locale: "de-DE",
      timezoneId: "America/New_York",
    });
    const reply = await say(op, dialogId, "We do, in two days.");
    const shown = chat.locator(`li[data-seq="${reply.seq}"] time`);
    await shown.waitFor();
    const expected = (at: number) =>
      new Date(at).toLocaleString("de-DE", { timeZone: "America/New_York", hour: "numeric", minute: "2-digit" });
    expect(await shown.textContent()).toBe(expected(reply.created_at));
    expect(await shown.textContent()).toMatch(/^\d{2}:\d{2}$/);
    expect(await shown.getAttribute("datetime")).toBe(new Date(reply.created_at).toISOString());
    const mine = chat.locator(`li[data-seq="${firstMessage.seq}"] time`);
    expect(await mine.textContent()).toBe(expected(firstMessage.created_at));
    await close();
  });

  it("marks delivered with one tick and read with two, each named for screen readers", async () => {
    const { page, chat, op, dialogId, firstMessage, close } = await chatWithAnna("Kira", "Is it waterproof?", { bypassCSP: true });
    // Anna's console had it at once: delivered, one tick, the word for screen readers and on hover.
    const delivered = chat.locator(`li[data-seq="${firstMessage.seq}"] .mark[data-status="delivered"]`);
    await delivered.waitFor();
    expect(await ticks(chat, "delivered")).toBe(1);
    expect(await delivered.locator(".sr").textContent()).toBe("Delivered");
    expect(await delivered.getAttribute("title")).toBe("Delivered");
    await op.request({ action: "message", op: "read", dialog_id: dialogId, up_to: firstMessage.seq });
    const read = chat.locator(`li[data-seq="${firstMessage.seq}"] .mark[data-status="read"]`);
    await read.waitFor();
    expect(await ticks(chat, "read")).toBe(2);
    expect(await read.locator(".sr").textContent()).toBe("Read");
    // Drawn, not typed: the marks need no emoji font.
    expect(await read.textContent()).not.toMatch(/✓/);
    await screenshot(page, "widget-marks");
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);
    await close();
  });

  it("shows the message an operator quoted above the reply, and a neutral line while it is not loaded", async () => {
    const { page, chat, op, dialogId, firstMessage, close } = await chatWithAnna("Lada", "Is the blue one in stock?", { bypassCSP: true });
    const quoteOf = (seq: number) => chat.locator(`li[data-seq="${seq}"] .q`);
    const answer = await say(op, dialogId, "Yes, two are left.", firstMessage.seq);
    await quoteOf(answer.seq).waitFor();
    expect(await quoteOf(answer.seq).textContent()).toBe("In reply to You: Is the blue one in stock?");
    // Above the reply's own text.
    const order = await chat
      .locator(`li[data-seq="${answer.seq}"]`)
      .evaluate((li) => [...li.children].map((c) => c.className).filter((c) => c === "q" || c === "text"));
    expect(order).toEqual(["q", "text"]);
    // A message without a quote shows none.
    const plain = await say(op, dialogId, "Anything else?");
    await chat.locator(`li[data-seq="${plain.seq}"]`).waitFor();
    expect(await quoteOf(plain.seq).count()).toBe(0);
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);

    // Far down the dialog, the quoted message is older than the newest page a page view reads.
    for (let i = 1; i <= 55; i++) await say(op, dialogId, `Note ${i}`);
    const late = await say(op, dialogId, "About your first question: it ships today.", firstMessage.seq);
    await quoteOf(late.seq).waitFor();
    await page.reload();
    // The chat was open: it opens again at the end, where the late reply is.
    await chat.getByText("About your first question: it ships today.").waitFor();
    expect(await quoteOf(late.seq).textContent()).toBe("In reply to An earlier message");
    await screenshot(page, "widget-quote-earlier");
    // Scrolled up to it, the quote names it.
    await expect
      .poll(async () => {
        await chatFrame(page).evaluate(() => (document.querySelector(".log")!.scrollTop = 0));
        return chat.locator(`li[data-seq="${firstMessage.seq}"]`).count();
      })
      .toBe(1);
    expect(await quoteOf(late.seq).textContent()).toBe("In reply to You: Is the blue one in stock?");
    await close();
  });

  it("inserts an emoji from its picker at the caret, by mouse and by keyboard, and sends it", async () => {
    const { page, chat, op, close } = await chatWithAnna("Nora", "Hi", { bypassCSP: true });
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Thanks for the help");
    await box.evaluate((b: HTMLTextAreaElement) => b.setSelectionRange(6, 6));
    const toggle = chat.getByRole("button", { name: "Emoji" });
    const panel = chat.getByRole("group", { name: "Emoji" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    await panel.waitFor();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    expect(await panel.getByRole("button").count()).toBeGreaterThanOrEqual(16);
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);
    await screenshot(page, "widget-emoji");
    await panel.getByRole("button", { name: "👍" }).click();
    await expect.poll(() => box.inputValue()).toBe("Thanks👍 for the help");
    expect(await panel.count()).toBe(0);
    // Back in the text, the caret after the emoji (two UTF-16 units).
    expect(await box.evaluate((b: HTMLTextAreaElement) => [document.activeElement === b, b.selectionStart])).toEqual([true, 8]);

    // By keyboard: Enter opens it on the first emoji, an arrow moves, Enter picks.
    await toggle.focus();
    await toggle.press("Enter");
    await panel.waitFor();
    const first = await panel.getByRole("button").first().textContent();
    const second = await panel.getByRole("button").nth(1).textContent();
    await expect.poll(() => chatFrame(page).evaluate(() => document.activeElement?.textContent)).toBe(first);
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    await expect.poll(() => box.inputValue()).toBe(`Thanks👍${second} for the help`);
    // Escape closes the panel, not the chat, and gives focus back to its button.
    await toggle.click();
    await panel.waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => panel.count()).toBe(0);
    expect(await page.locator("[data-parlor] button").getAttribute("aria-expanded")).toBe("true");
    expect(await chatFrame(page).evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Emoji");

    const text = `Thanks👍${second} for the help`;
    await box.press("Enter");
    const got = await op.waitFor<Extract<ServerEvent, { type: "message.created" }>>((e) => e.type === "message.created" && e.message.kind === "visitor" && e.message.text === text);
    expect(got.message.text).toBe(text);
    await close();
  });

  it("opens an image over the whole page, not the frame's corner; arrows step through the dialog's images, Download and Escape work", async () => {
    const { page, chat, op, dialogId, close } = await chatWithAnna("Olya", "What does it look like?", { bypassCSP: true });
    const back = png(640, 480);
    await sendPictures(op, dialogId, "Front and back", [
      { name: "front.png", bytes: png(800, 600) },
      { name: "back.png", bytes: back },
    ]);
    await sendPictures(op, dialogId, "And the box", [{ name: "box.png", bytes: png(600, 600) }]);
    const frame = page.locator("[data-parlor] iframe");
    const corner = (await frame.boundingBox())!;
    expect(corner.width).toBe(370);
    await chat.getByRole("button", { name: "Open image front.png" }).click();
    const viewer = (name: string) => chat.getByRole("dialog", { name });
    await viewer("front.png").waitFor();
    // The frame covers the page while the viewer is open, and the picture is drawn larger than the
    // frame's corner could hold it.
    const viewport = page.viewportSize()!;
    await expect.poll(async () => frame.boundingBox()).toEqual({ x: 0, y: 0, width: viewport.width, height: viewport.height });
    await expect.poll(async () => (await chat.locator(".lb img").boundingBox())?.width ?? 0).toBeGreaterThan(corner.width + 100);
    expect(await chat.locator(".lb").textContent()).toContain("1 / 3");
    await screenshot(page, "widget-viewer-full-page");
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);

    // → and ← step through the dialog's images, across messages, and round.
    await page.keyboard.press("ArrowRight");
    await viewer("back.png").waitFor();
    await page.keyboard.press("ArrowRight");
    await viewer("box.png").waitFor();
    await page.keyboard.press("ArrowRight");
    await viewer("front.png").waitFor();
    await page.keyboard.press("ArrowLeft");
    await viewer("box.png").waitFor();
    await chat.getByRole("button", { name: "Previous image" }).click();
    await viewer("back.png").waitFor();

    // Download gives the picture under its name.
    const link = chat.getByRole("link", { name: "Download back.png" });
    await link.waitFor();
    // In this shape storage is under the gateway's own origin, the frame's (on an origin of its own,
    // as in AWS, the download is covered by widget-viewer-aws.e2e.ts).
    const href = new URL((await link.getAttribute("href"))!);
    expect(href.origin).toBe(new URL(chatFrame(page).url()).origin);
    expect(href.pathname).toMatch(/^\/parlor-attachments\/a\//);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("back.png");
    expect((await readFile((await download.path())!)).equals(back)).toBe(true);

    // Escape closes it: the frame is back in its corner, the chat still open, focus on the preview
    // that opened it.
    await viewer("back.png").press("Escape");
    await expect.poll(() => viewer("back.png").count()).toBe(0);
    await expect.poll(async () => (await frame.boundingBox())?.width).toBe(370);
    expect(await page.locator("[data-parlor] button").getAttribute("aria-expanded")).toBe("true");
    await expect.poll(() => chatFrame(page).evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Open image front.png");
    await close();
  });

  it("says the connection is lost, shows a message written meanwhile as waiting, and sends it once the gateway is back", async () => {
    const { parlor } = scene;
    const { page, chat, dialogId, close } = await chatWithAnna("Mila", "Hello there", { bypassCSP: true });
    const notice = chat.getByRole("status").filter({ hasText: "Offline" });
    expect(await notice.count()).toBe(0);
    await parlor.stop();
    await notice.waitFor();
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Written while you were away");
    await box.press("Enter");
    const waiting = chat.locator(".pending", { hasText: "Written while you were away" });
    await waiting.locator('.mark[data-status="queued"]', { hasText: "Waiting to send" }).waitFor();
    await expect.poll(() => notice.textContent()).toContain("Your messages wait here");
    await screenshot(page, "widget-waiting-to-send");
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);

    await parlor.restart();
    // Sent on the reconnect: stored once, marked as stored, no longer waiting; the notice goes.
    await chat
      .locator(".mine:not(.pending)", { hasText: "Written while you were away" })
      .locator('.mark[data-status="sent"], .mark[data-status="delivered"]')
      .waitFor({ timeout: 20_000 });
    expect(await waiting.count()).toBe(0);
    await expect.poll(() => notice.count()).toBe(0);
    expect((await history(dialogId)).filter((m) => m.text === "Written while you were away")).toHaveLength(1);
    await close();
  });
});
