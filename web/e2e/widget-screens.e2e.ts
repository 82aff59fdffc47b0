// The widget's main states as screenshot references (e2e/visual.ts, the console's helper and
// tolerance), at 1280×720, 1920×1080 and a phone's 390×844: the closed bubble on the demo page; the
// chat opened, empty, with the greeting (and the pre-chat step); a conversation with the visitor's
// and an operator's messages, read and delivered marks, a quote and times; the image viewer over
// the whole page; the offline notice with a message waiting to be sent. The site's colour is set,
// the operator is "Anna", the browser's locale and zone are fixed; the times are masked (in the
// frame, in visual.ts's colour) and the demo page's snippet shows a fixed word for the site key.
// Each viewport is a visitor of its own in a context of its own; the gateway is stopped for the
// offline state and started again after it. `PARLOR_UPDATE_SCREENSHOTS=1` rewrites the references.
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Frame, FrameLocator, Page } from "playwright-core";
import type { MessageView, ServerEvent } from "../protocol/protocol";
import { newId } from "../common/ids";
import { addOperator, api, chatFrame, gatewayAndBrowser, login, png, scriptedOperator, standBy, type ScriptedClient } from "./harness";
import { operatorSendsPictures } from "./pictures";
import { compareToReference, updating, VIEWPORTS, type Comparison, type ViewportName } from "./visual";

const scene = gatewayAndBrowser();
let anna: Awaited<ReturnType<typeof addOperator>>;
/** Not the default blue: a colour the site chose shows on the bubble, the header and the visitor's messages. */
const COLOUR = "#0a7d3b";
/** visual.ts's mask colour, for the times masked in the frame. */
const MASK = "#ff00ff";

beforeAll(async () => {
  const { parlor } = scene;
  const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
  // The widget's own greeting, the operator's name shown.
  await api(parlor, "PUT", `/sites/${parlor.siteKey}`, {
    token: admin.token,
    body: { color: COLOUR, position: "right", greeting: "", show_operator_names: true },
  });
  anna = await addOperator(parlor, "Anna");
  // Someone is available: the pre-chat step offers a chat.
  await standBy(parlor);
});

const say = async (op: ScriptedClient, dialog_id: string, text: string, reply_to?: number): Promise<MessageView> =>
  (await op.request({ action: "message", op: "send", dialog_id, client_id: newId(), text, ...(reply_to ? { reply_to } : {}) })).message!;

/** Whether every image `selector` finds in the frame has loaded. */
const loaded = (frame: Frame, selector: string) =>
  frame.evaluate((s) => [...document.querySelectorAll<HTMLImageElement>(s)].every((i) => i.complete && i.naturalWidth > 0), selector);

/** The demo page at `viewport`, its bubble drawn; English times in one zone whatever the machine's. */
async function demoPage(viewport: ViewportName, contexts: BrowserContext[]): Promise<{ page: Page; chat: FrameLocator; errors: string[] }> {
  const context = await scene.browser.newContext({ viewport: VIEWPORTS[viewport], colorScheme: "light", locale: "en-GB", timezoneId: "UTC" });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(scene.parlor.demo);
  await page.locator("[data-parlor] button").waitFor();
  // The demo page's snippet shows the site key, which the gateway makes up on each start: a fixed
  // word in its place (a mask on the page would be drawn over the chat, which overlaps it).
  await page.locator("pre code").evaluate((code, key) => (code.textContent = code.textContent!.replace(key, "SITE_KEY")), scene.parlor.siteKey);
  return { page, chat: page.frameLocator("[data-parlor] iframe"), errors };
}

/**
 * Opens the chat: the greeting above the pre-chat step. Its times are masked from here on, in the
 * frame itself: Playwright's masks for a locator in the frame failed now and then ("Sharing
 * constructed stylesheets in multiple documents is not allowed"), and a mask drawn on the page is
 * drawn over everything, the image viewer and the log's scrolled-off edges included.
 */
async function openChat(page: Page, chat: FrameLocator): Promise<void> {
  await page.locator("[data-parlor] button").click();
  await chat.getByText("Hello! Ask us anything").waitFor();
  await chat.getByRole("button", { name: "Start chat" }).waitFor();
  // Drawn once it knows somebody is available: the button is no longer waiting.
  await chat.locator('form.prechat[data-nobody="false"]').waitFor();
  await chatFrame(page).evaluate((colour) => {
    // A constructed sheet: the frame's CSP lets none be added inline, and the test needs no bypass.
    const sheet = new CSSStyleSheet();
    // A box of one size whatever it says: 32 px, what "14:05" takes, so the look is the widget's
    // own; "4 Dec, 23:59" across midnight is clipped to it, and the clock moves nothing beside it.
    sheet.replaceSync(`time{display:inline-block;width:32px;white-space:nowrap;overflow:clip;background:${colour};color:transparent}`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }, MASK);
}

/** Stops the composer's focus ring and caret from differing between runs. */
const blurred = (chat: FrameLocator) => chat.locator("textarea").evaluate((el: HTMLElement) => el.blur());

async function shoot(page: Page, viewport: ViewportName, state: string, out: Comparison[]): Promise<void> {
  out.push(await compareToReference(page, `widget-${state}-${viewport}`));
}

describe("the widget's look, against the references", () => {
  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`at ${VIEWPORTS[viewport].width}×${VIEWPORTS[viewport].height}: closed, open, conversation, image viewer, offline`, async () => {
      const { parlor } = scene;
      const contexts: BrowserContext[] = [];
      const out: Comparison[] = [];
      const { client: op } = await scriptedOperator(parlor, anna.email, anna.password);
      let stopped = false;
      try {
        const { page, chat, errors } = await demoPage(viewport, contexts);
        await shoot(page, viewport, "closed", out);

        await openChat(page, chat);
        await shoot(page, viewport, "open", out);

        // A conversation: Anna joins, answers quoting the visitor's first message, and has read it;
        // the visitor's second is delivered to her console, not read.
        const visitor = `Xenia (${viewport})`;
        await chat.getByLabel("Name").fill(visitor);
        await chat.getByRole("button", { name: "Start chat" }).click();
        const box = chat.getByRole("textbox", { name: "Write a message…" });
        await box.fill("Hello! My parcel #4412 has not arrived yet.");
        await box.press("Enter");
        const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
          (e) => e.type === "dialog.created" && e.dialog.visitor_name === visitor,
        );
        const dialogId = created.dialog.id;
        await op.request({ action: "assign", op: "join", dialog_id: dialogId });
        await chat.getByText("Anna joined the dialog").waitFor();
        const answer = await say(op, dialogId, "Hi! I'm checking it right now: it left our warehouse on Monday.", created.message.seq);
        await chat.locator(`li[data-seq="${answer.seq}"] .q`).waitFor();
        await box.fill("Thank you! I'll wait.");
        await box.press("Enter");
        const second = await op.waitFor<Extract<ServerEvent, { type: "message.created" }>>(
          (e) => e.type === "message.created" && e.message.text === "Thank you! I'll wait.",
        );
        await op.request({ action: "message", op: "read", dialog_id: dialogId, up_to: created.message.seq });
        await chat.locator(`li[data-seq="${created.message.seq}"] .mark[data-status="read"]`).waitFor();
        await chat.locator(`li[data-seq="${second.message.seq}"] .mark[data-status="delivered"]`).waitFor();
        await blurred(chat);
        await shoot(page, viewport, "conversation", out);

        // Anna sends two pictures; the visitor opens the first over the whole page.
        const { token } = await login(parlor, anna.email, anna.password);
        await operatorSendsPictures(parlor, token, op, dialogId, "Here is the parcel at the depot", [
          { name: "parcel.png", bytes: png(800, 600) },
          { name: "label.png", bytes: png(600, 600) },
        ]);
        const thumb = chat.getByRole("button", { name: "Open image parcel.png" });
        await thumb.waitFor();
        const frame = chatFrame(page);
        await expect.poll(() => loaded(frame, ".thumb img"), { timeout: 10_000 }).toBe(true);
        await thumb.click();
        await chat.getByRole("dialog", { name: "parcel.png" }).waitFor();
        await expect.poll(async () => page.locator("[data-parlor] iframe").boundingBox()).toEqual({ x: 0, y: 0, ...VIEWPORTS[viewport] });
        await expect.poll(() => loaded(frame, ".lb img"), { timeout: 10_000 }).toBe(true);
        await chat.getByRole("link", { name: "Download parcel.png" }).waitFor();
        await shoot(page, viewport, "viewer", out);
        await chat.getByRole("button", { name: "Close image" }).click();
        await chat.getByRole("dialog").waitFor({ state: "detached" });

        // The gateway goes away: the notice, and a message written meanwhile waiting in the outbox.
        await parlor.stop();
        stopped = true;
        await chat.getByRole("status").filter({ hasText: "Offline" }).waitFor();
        await box.fill("Is there a tracking number?");
        await box.press("Enter");
        await chat.locator(".pending", { hasText: "Is there a tracking number?" }).locator('.mark[data-status="queued"]', { hasText: "Waiting to send" }).waitFor();
        await chat.getByRole("status").filter({ hasText: "Your messages wait here" }).waitFor();
        // At the end of the log, as the visitor who just wrote sees it (opening the viewer scrolled
        // the log to the picture, and the log stays where the visitor was).
        await frame.evaluate(() => {
          const log = document.querySelector(".log")!;
          log.scrollTop = log.scrollHeight;
        });
        await blurred(chat);
        await shoot(page, viewport, "offline", out);
        expect(errors).toEqual([]);
      } finally {
        op.close();
        for (const c of contexts) await c.close();
        if (stopped) await parlor.restart();
      }
      for (const c of out) console.log(`${c.name}: ${c.diffPixels} pixels differ (${(c.ratio * 100).toFixed(3)}%)`);
      expect(out.map((c) => c.problem).filter(Boolean)).toEqual([]);
    });
  }

  it.skipIf(updating())("fails a state whose layout moved: the chat frame 40 px narrower", async () => {
    // The offline scene restarted the gateway, which cut every socket: somebody is available again.
    await standBy(scene.parlor);
    const contexts: BrowserContext[] = [];
    try {
      const { page, chat } = await demoPage("laptop", contexts);
      await openChat(page, chat);
      // The frame is drawn in the loader's shadow root, which the page's own styles do not reach.
      const frameWidth = (width: number) =>
        page.locator("[data-parlor]").evaluate((host, w) => {
          const style = document.createElement("style");
          style.textContent = `iframe{width:${w}px}`;
          host.shadowRoot!.appendChild(style);
        }, width);
      await frameWidth(330);
      const moved = await compareToReference(page, "widget-open-laptop", { probe: true });
      expect(moved.problem).toMatch(/differ from the reference/);
      // The same page as it is does match: what failed was the move.
      await frameWidth(370);
      expect((await compareToReference(page, "widget-open-laptop", { probe: true })).problem).toBeNull();
    } finally {
      for (const c of contexts) await c.close();
    }
  });
});
