// Parlor in AWS's shape, in real Chromium: the web files, the HTTP API, the WebSocket API, the
// attachment storage and a customer's site each on an origin of their own, with the CORS, CSP and
// headers the deployed stack has (parlor_core::edge, which the SAM template is held to). What a
// browser refuses here, it would refuse in AWS: a missing allowed header, a host the CSP does not
// name, a file a customer's page cannot read.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { ServerEvent } from "../protocol/protocol";
import { pictureBothWays } from "./flows";
import { consoleSignIn, consoleWrite, dialogRow, gatewayAndBrowser, png, scriptedOperator, scriptedVisitor, startWidgetChat } from "./harness";

const scene = gatewayAndBrowser({ shape: "aws" });

const originOf = (url: string) => new URL(url).origin;

/** Everything the browser refused or failed on `page`: script errors, CSP refusals, failed requests. */
function refusals(page: Page): string[] {
  const seen: string[] = [];
  page.on("pageerror", (e) => seen.push(`error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") seen.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("requestfailed", (r) => seen.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  return seen;
}

describe("Parlor in AWS's shape", () => {
  it("has each part on an origin of its own, and the customer's site is another site", () => {
    const { parlor } = scene;
    const origins = [parlor.url, parlor.api, parlor.ws, parlor.demo].map(originOf);
    expect(new Set(origins).size).toBe(4);
    expect(new URL(parlor.demo).hostname).toBe("localhost");
    expect(new URL(parlor.url).hostname).toBe("127.0.0.1");
  });

  it("signs the console in on the web origin and holds a conversation through the APIs on theirs", async () => {
    const { parlor, browser } = scene;
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const refused = refusals(page);
    const calls: string[] = [];
    page.on("request", (r) => calls.push(`${r.method()} ${r.url()}`));
    const sockets: string[] = [];
    page.on("websocket", (w) => sockets.push(w.url()));

    await consoleSignIn(page, parlor, parlor.admin);
    // Across origins: the preflighted sign-in (content-type), then calls that carry the token.
    expect(calls).toContain(`POST ${parlor.api}/login`);
    expect(calls).toContain(`POST ${parlor.api}/tickets`);
    expect(calls.some((c) => c.startsWith(`GET ${parlor.api}/dialogs`))).toBe(true);
    expect(sockets.some((s) => s.startsWith(`${parlor.ws}?`))).toBe(true);

    const olga = await scriptedVisitor(parlor, { name: "Olga" });
    await olga.send("Is delivery free?");
    await dialogRow(page, "Olga").locator(".row-main").click();
    await page.locator('[data-testid="message"]', { hasText: "Is delivery free?" }).waitFor();
    await consoleWrite(page, "Yes, over 50 euros.");
    await olga.client.waitFor((e) => e.type === "message.created" && e.message.text === "Yes, over 50 euros.");
    await page.locator('[data-testid="message"][data-kind="operator"]', { hasText: "Yes, over 50 euros." }).waitFor();
    expect(refused).toEqual([]);
    olga.client.close();
    await context.close();
  });

  it("runs the widget on the customer's site, its chat framed from the web origin", async () => {
    const { parlor, browser } = scene;
    const operator = await scriptedOperator(parlor, parlor.admin.email, parlor.admin.password);
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = refusals(page);

    const chat = await startWidgetChat(page, parlor, "Mira", "Do you ship to Norway?");
    expect(originOf(page.url())).toBe(originOf(parlor.demo));
    const frame = page.frames().find((f) => f.url().includes("/widget/frame.html"))!;
    expect(originOf(frame.url())).toBe(parlor.url);

    const created = await operator.client.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
      (e) => e.type === "dialog.created" && e.dialog.last_message?.text === "Do you ship to Norway?",
    );
    const dialog = created.dialog.id;
    await operator.client.request({ action: "assign", op: "join", dialog_id: dialog });
    await operator.client.request({ action: "message", op: "send", dialog_id: dialog, client_id: crypto.randomUUID(), text: "We do, in three days." });
    await chat.getByText("We do, in three days.").waitFor();
    expect(refused).toEqual([]);
    operator.client.close();
    await context.close();
  });

  it("sends a file from the console that the widget on the customer's site shows", async () => {
    const { parlor, browser } = scene;
    const context = await browser.newContext();
    const visitor = await context.newPage();
    const chat = await startWidgetChat(visitor, parlor, "Ines", "Which label do I print?");

    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await operatorContext.newPage();
    const refused = refusals(page);
    await consoleSignIn(page, parlor, parlor.admin);
    await dialogRow(page, "Ines").locator(".row-main").click();
    await page.setInputFiles('[data-testid="file-picker"]', { name: "label.png", mimeType: "image/png", buffer: png(80, 40) });
    // Uploaded to storage's origin before it can be sent.
    const chip = page.locator('[data-testid="chip"]', { hasText: "label.png" });
    await chip.and(page.locator('[data-state="done"]')).waitFor({ timeout: 15_000 });
    await consoleWrite(page, "This one.");

    // Posted to storage's origin from the console; fetched from there by the widget's frame.
    const thumb = chat.getByRole("button", { name: "Open image label.png" });
    await thumb.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => chat.locator(".thumb img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 10_000 })
      .toEqual([true]);
    expect(refused).toEqual([]);
    await operatorContext.close();
    await context.close();
  });

  it("takes a picture from the widget to the console and back, uploads and downloads on both sides", async () => {
    await pictureBothWays(scene.parlor, scene.browser);
  });
});
