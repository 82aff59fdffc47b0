// The widget as a site's admin sets it up, on a phone, for assistive technology, and across the
// gateway's two-hour cut (shortened here to two seconds).
import { beforeAll, describe, expect, it } from "vitest";
import type { Frame, Page } from "playwright-core";
import type { ServerEvent } from "../protocol/protocol";
import { newId } from "../common/ids";
import {
  addOperator,
  api,
  gatewayAndBrowser,
  logSockets,
  login,
  screenshot,
  scriptedOperator,
  seriousAxeViolations,
  socketLives,
  prechatButton,
  standBy,
  startParlor,
} from "./harness";

const scene = gatewayAndBrowser();

// Someone is available: the pre-chat step offers a chat (widget-leave-message.e2e.ts has the other case).
beforeAll(async () => {
  await standBy(scene.parlor);
});

function chatFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().includes("/widget/frame.html"));
  if (!frame) throw new Error("the widget's frame is not there");
  return frame;
}

describe("the widget's settings, layout and accessibility", () => {
  it("follows the site's settings: colour, corner, greeting, operator names hidden", async () => {
    const admin = await login(scene.parlor, scene.parlor.admin.email, scene.parlor.admin.password);
    await api(scene.parlor, "PUT", `/sites/${scene.parlor.siteKey}`, {
      token: admin.token,
      body: { color: "#0a7d3b", position: "left", greeting: "Welcome to the demo shop!", show_operator_names: false },
    });
    const anna = await addOperator(scene.parlor, "Anna");
    const op = await scriptedOperator(scene.parlor, anna.email, anna.password);
    const page = await scene.browser.newPage();
    await page.goto(`${scene.parlor.url}/demo/`);
    const bubble = page.locator("[data-parlor] button");
    await bubble.click();
    const box = await bubble.boundingBox();
    expect(box!.x).toBeLessThan(100);
    expect(await bubble.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe("rgb(10, 125, 59)");
    const chat = page.frameLocator("[data-parlor] iframe");
    await chat.getByText("Welcome to the demo shop!").waitFor();
    await chat.getByRole("button", { name: "Start chat" }).click();
    // The composer, once the pre-chat step (its own text boxes) has made way for it.
    const composer = chat.getByRole("textbox", { name: "Write a message…" });
    await composer.fill("Hello?");
    await composer.press("Enter");
    const created = await op.client.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>((e) => e.type === "dialog.created");
    await op.client.request({ action: "assign", op: "join", dialog_id: created.dialog.id });
    await op.client.request({ action: "message", op: "typing", dialog_id: created.dialog.id, typing: true });
    await chat.getByText("The operator is typing…").waitFor();
    await op.client.request({ action: "message", op: "send", dialog_id: created.dialog.id, client_id: newId(), text: "Hi there" });
    await chat.getByText("Hi there").waitFor();
    expect(await chat.locator(".operator .who").last().textContent()).toBe("Operator: ");
    expect(await chat.getByText("Anna").count()).toBe(0);
    op.client.close();
    await page.close();
  });

  it("fills a phone's screen and has no serious accessibility violations", async () => {
    const context = await scene.browser.newContext({ viewport: { width: 375, height: 667 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${scene.parlor.url}/demo/`);
    // The bubble is reached with Tab, after the page's own link, and opened with Enter.
    await page.locator("[data-parlor] button").waitFor();
    for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement?.hasAttribute("data-parlor"))); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    const frame = page.locator("[data-parlor] iframe");
    await expect.poll(async () => (await frame.boundingBox())?.width).toBe(375);
    expect((await frame.boundingBox())!.height).toBe(667);
    // The frame's page may still be loading when the frame has its size: wait for its content.
    await page.frameLocator("[data-parlor] iframe").getByRole("button", { name: "Start chat" }).waitFor();
    const chat = chatFrame(page);
    await chat.getByRole("button", { name: "Start chat" }).waitFor();
    await screenshot(page, "widget-phone");
    expect(await seriousAxeViolations(chat)).toEqual([]);
    await context.close();
  });

  it("reconnects after the gateway's connection-age cut and loses nothing written meanwhile", async () => {
    // A gateway of its own: a two-second cut would also cut the other tests' scripted operators.
    const short = await startParlor({ env: { PARLOR_MAX_CONNECTION_SECS: "2" } });
    try {
      const context = await scene.browser.newContext();
      await logSockets(context);
      const page = await context.newPage();
      await page.goto(`${short.url}/demo/`);
      await page.locator("[data-parlor] button").click();
      const chat = page.frameLocator("[data-parlor] iframe");
      // Nobody is available on this gateway of its own: the form offers to leave a message, and
      // the message may be written in the chat instead.
      await (await prechatButton(chat)).click();
      const box = chat.getByRole("textbox", { name: "Write a message…" });
      const frame = chatFrame(page);
      const cuts = async () => (await socketLives(frame)).filter((s) => s.closed).length;
      // Each message is written in a connection life of its own: the next one only once the
      // gateway has cut the socket that was open, so most are written while it is reopened.
      const texts = ["age one", "age two", "age three", "age four", "age five"];
      for (const [i, text] of texts.entries()) {
        await box.fill(text);
        await box.press("Enter");
        await expect.poll(cuts, { timeout: 10_000 }).toBeGreaterThan(i);
      }
      await expect.poll(() => chat.locator('.mark[data-status="queued"]').count(), { timeout: 20_000 }).toBe(0);
      const admin = await login(short, short.admin.email, short.admin.password);
      const dialogs = await api<{ dialogs: { id: string; last_message?: { text: string } }[] }>(short, "GET", "/dialogs", { token: admin.token });
      const dialog = dialogs.dialogs.find((d) => d.last_message?.text === "age five")!;
      const history = await api<{ messages: { text: string }[] }>(short, "GET", `/dialogs/${dialog.id}/messages?after=0`, { token: admin.token });
      expect(history.messages.map((m) => m.text).filter((t) => t.startsWith("age "))).toEqual(texts);

      // The cuts happened, were the gateway's age cut, and the widget came back after each.
      const reopened = async () => {
        const now = await socketLives(frame);
        return now.length > now.filter((s) => s.closed).length && now[now.length - 1].openedAt !== null;
      };
      await expect.poll(reopened, { timeout: 10_000 }).toBe(true);
      const lives = await socketLives(frame);
      const cut = lives.filter((s) => s.closed);
      expect(cut.length).toBeGreaterThanOrEqual(texts.length);
      expect(cut.map((s) => s.closed!.code)).toEqual(cut.map(() => 1001));
      for (const s of cut) expect(s.closed!.at - s.openedAt!, "a socket lives until its age runs out").toBeGreaterThanOrEqual(1500);
      expect(lives.length, "a new socket after every cut").toBeGreaterThan(cut.length);
      // Each message went out on a later socket than the one before it.
      const carriedOn = texts.map((text) => lives.findIndex((s) => s.sent.some((f) => JSON.parse(f).text === text)));
      expect(carriedOn.every((at, i) => at >= 0 && (i === 0 || at > carriedOn[i - 1])), JSON.stringify(carriedOn)).toBe(true);
      await context.close();
    } finally {
      await short.dispose();
    }
  });
});
