// Files in the visitor widget, in real Chromium on the demo page with the frame's own security
// policy in force: a picture dropped on the chat goes up with its progress shown, shows inline and
// opens large; the operator receives it and its bytes; a file from the operator shows with its
// link; an oversize file is refused before upload; the open lightbox passes axe.
import { beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "playwright-core";
import type { MessageAttachments, ServerEvent, UploadGrant } from "../protocol/protocol";
import { newId } from "../common/ids";
import {
  addOperator,
  api,
  chatFrame,
  dropFiles,
  gatewayAndBrowser,
  login,
  png,
  screenshot,
  scriptedOperator,
  scriptedVisitor,
  seriousAxeViolations,
  startWidgetChat,
} from "./harness";

const scene = gatewayAndBrowser();
let anna: Awaited<ReturnType<typeof addOperator>>;

beforeAll(async () => {
  anna = await addOperator(scene.parlor, "Anna");
  // Low limits from the start, before the widget asks for them: an oversize file is easy to make.
  const admin = await login(scene.parlor, scene.parlor.admin.email, scene.parlor.admin.password);
  await api(scene.parlor, "PUT", "/attachments/limits", { token: admin.token, body: { image_max_bytes: 1024, file_max_bytes: 2048 } });
});

const PICTURE = png(24, 16);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

/** Drops files on the chat's message log. */
const drop = (frame: Frame, files: { name: string; type: string; bytes: Buffer }[], check?: () => Promise<void>) =>
  dropFiles(frame, ".log", files, check);

const loaded = (frame: Frame, selector: string) =>
  frame.evaluate((s) => [...document.querySelectorAll<HTMLImageElement>(s)].map((i) => i.complete && i.naturalWidth > 0), selector);

describe("files in the visitor widget", () => {
  it("sends a dropped picture with progress, shows it inline and large, and shows the operator's file with its link", async () => {
    const { parlor, browser } = scene;
    const op = (await scriptedOperator(parlor, anna.email, anna.password)).client;
    const context = await browser.newContext();
    const page = await context.newPage();
    // Storage answers a moment late, so the progress can be seen; grants are listed by file name.
    const grants: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/api/uploads")) grants.push((JSON.parse(r.postData() ?? "{}") as { name?: string }).name ?? "");
    });
    await context.route(
      (url) => !url.pathname.startsWith("/api/"),
      async (route) => {
        const multipart = route.request().method() === "POST" && (route.request().headers()["content-type"] ?? "").startsWith("multipart/form-data");
        if (multipart) await new Promise((r) => setTimeout(r, 800));
        await route.continue();
      },
    );
    const chat = await startWidgetChat(page, parlor, "Vera", "The parcel came damaged");
    const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>((e) => e.type === "dialog.created");
    const dialogId = created.dialog.id;
    await op.request({ action: "assign", op: "join", dialog_id: dialogId });
    await chat.getByRole("button", { name: "Attach files" }).waitFor();

    // Dropped on the chat: a drop zone while dragging, then progress, then the picture inline.
    const frame = chatFrame(page);
    await drop(frame, [{ name: "damage.png", type: "image/png", bytes: PICTURE }], async () => {
      await chat.getByText("Drop files here to send them").waitFor();
    });
    await expect.poll(() => chat.getByText("Drop files here to send them").count()).toBe(0);
    await chat.getByRole("progressbar", { name: "Uploading damage.png" }).waitFor();
    await screenshot(page, "widget-attachment-progress");
    const thumb = chat.getByRole("button", { name: "Open image damage.png" });
    await thumb.waitFor({ timeout: 20_000 });
    await expect.poll(() => loaded(frame, ".mine .thumb img"), { timeout: 10_000 }).toEqual([true]);
    expect(await chat.getByRole("progressbar").count()).toBe(0);

    // The operator gets it, and its link gives back the very bytes.
    const sent = await op.waitFor<Extract<ServerEvent, { type: "message.created" }>>(
      (e) => e.type === "message.created" && !!e.message.attachments?.length,
    );
    expect(sent.message.attachments![0]).toMatchObject({ name: "damage.png", kind: "image", width: 24, height: 16, preview: true });
    const { token: opToken } = await login(parlor, anna.email, anna.password);
    const links = await api<MessageAttachments>(parlor, "GET", `/dialogs/${dialogId}/messages/${sent.message.seq}/attachments`, { token: opToken });
    const original = await fetch(new URL(links.attachments[0].url, parlor.url));
    expect(original.ok).toBe(true);
    expect(Buffer.from(await original.arrayBuffer()).equals(PICTURE)).toBe(true);

    // Large, in a dialog; Escape closes it and gives focus back to the preview.
    await thumb.click();
    const lightbox = chat.getByRole("dialog", { name: "damage.png" });
    await lightbox.waitFor();
    await expect.poll(() => loaded(frame, ".lb img")).toEqual([true]);
    await expect.poll(() => frame.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Close image");
    await screenshot(page, "widget-attachment-lightbox");
    await page.keyboard.press("Escape");
    await expect.poll(() => lightbox.count()).toBe(0);
    await expect.poll(() => frame.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Open image damage.png");
    // The widget itself stays open: Escape was the lightbox's.
    expect(await page.locator("[data-parlor] button").getAttribute("aria-expanded")).toBe("true");

    // The operator sends a file back: grant, the form to storage, the message.
    const grant = await api<UploadGrant>(parlor, "POST", "/uploads", {
      token: opToken,
      body: { name: "invoice.pdf", size: PDF.length, content_type: "application/pdf" },
    });
    const form = new FormData();
    for (const [k, v] of grant.fields) form.append(k, v);
    form.append("file", new Blob([PDF], { type: "application/pdf" }), "invoice.pdf");
    const stored = await fetch(new URL(grant.url, parlor.url), { method: "POST", body: form });
    expect(stored.status, await stored.clone().text()).toBeLessThan(300);
    await op.request({ action: "message", op: "send", dialog_id: dialogId, client_id: newId(), text: "Here is the invoice", uploads: [grant.upload] });
    await chat.getByText("Here is the invoice").waitFor();
    const link = chat.getByRole("link", { name: "invoice.pdf" });
    await link.waitFor();
    expect(await chat.locator(".operator .files li").last().textContent()).toContain(`invoice.pdf ${PDF.length} B`);
    const href = (await link.getAttribute("href"))!;
    expect(Buffer.from(await (await fetch(new URL(href, parlor.url))).arrayBuffer()).equals(PDF)).toBe(true);
    // The link downloads it under its name, from inside the sandboxed frame.
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("invoice.pdf");
    await screenshot(page, "widget-attachment-file");

    // Too large for the workspace's limit: refused in the widget, before any grant or upload.
    const before = grants.length;
    await chat.locator('input[type="file"]').setInputFiles({ name: "big.png", mimeType: "image/png", buffer: Buffer.alloc(5000, 1) });
    await chat.getByRole("alert").filter({ hasText: "big.png is 4.9 KB; images may be at most 1 KB" }).waitFor();
    expect(grants.length).toBe(before);
    expect(await chat.getByRole("progressbar").count()).toBe(0);

    // Not the picture it claims to be: granted and uploaded, then refused by the server with the
    // message; the widget says why and lets the visitor take it back.
    await drop(frame, [{ name: "fake.png", type: "image/png", bytes: Buffer.from("this is not a picture") }]);
    const refused = chat.locator('.pending:has(.mark[data-status="failed"])');
    await refused.waitFor({ timeout: 20_000 });
    // The grant for fake.png was asked for after big.png was refused: had big.png been asked for
    // at all, it would be listed before it.
    expect(grants.slice(before)).toEqual(["fake.png"]);
    const why = (await refused.locator(".mark").textContent())!;
    expect(why).toMatch(/^Not sent: .*fake\.png/);
    await screenshot(page, "widget-attachment-refused");
    await refused.getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => refused.count()).toBe(0);

    const token = await frame.evaluate((k) => localStorage.getItem(k), `parlor:${parlor.siteKey}:token`);
    expect(token).toBeTruthy();
    op.close();
    await context.close();
  });

  it("has no serious accessibility violations with the lightbox open", async () => {
    const { parlor, browser } = scene;
    // A visitor of its own, without a browser, sends the picture: a session, a grant, the form to
    // storage, the message.
    const visitor = await scriptedVisitor(parlor, { name: "Ivo" });
    const grant = await api<UploadGrant>(parlor, "POST", "/uploads", {
      token: visitor.session.token,
      origin: parlor.url,
      body: { name: "damage.png", size: PICTURE.length, content_type: "image/png" },
    });
    const form = new FormData();
    for (const [k, v] of grant.fields) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(PICTURE)], { type: "image/png" }), "damage.png");
    const stored = await fetch(new URL(grant.url, parlor.url), { method: "POST", body: form });
    expect(stored.status, await stored.clone().text()).toBeLessThan(300);
    await visitor.client.request({ action: "message", op: "send", client_id: newId(), text: "", uploads: [grant.upload] });
    visitor.client.close();
    const token = visitor.session.token;
    // axe is added as an inline script, which the frame's policy forbids: this browser ignores it.
    // The visitor comes back in it (its token, in the storage of the origin that serves both the
    // demo page and the widget here), with the picture in the catch-up.
    const context = await browser.newContext({ bypassCSP: true });
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [`parlor:${parlor.siteKey}:token`, token]);
    const page = await context.newPage();
    await page.goto(`${parlor.url}/demo/`);
    await page.locator("[data-parlor] button").click();
    const chat = page.frameLocator("[data-parlor] iframe");
    await chat.getByRole("button", { name: "Open image damage.png" }).click();
    await chat.getByRole("dialog", { name: "damage.png" }).waitFor();
    expect(await seriousAxeViolations(chatFrame(page))).toEqual([]);
    await screenshot(page, "widget-attachment-lightbox-axe");
    await context.close();
  });
});
