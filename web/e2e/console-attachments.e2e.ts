// Attachments in the console, in real Chromium against the real gateway and its storage: a
// scripted visitor uploads a real PNG (grant, the signed form to storage, then the message); the
// operator sees its preview inline, enlarges it, finds it under "Show attachments" and sends it
// again; drops a file on the dialog, which uploads with a progress bar and reaches the visitor;
// lowers the file limit in Settings and has an oversize file refused before any upload; axe-core
// finds nothing serious with the panel and the lightbox open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { AttachmentLimits, MessageAttachments, MessageView, ServerEvent, UploadGrant } from "../protocol/protocol";
import { newId } from "../common/ids";
import {
  api,
  consoleSignIn,
  dialogRow,
  gatewayAndBrowser,
  login,
  png,
  screenshot,
  scriptedVisitor,
  seriousAxeViolations,
  type Parlor,
} from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
let page: Page;
const errors: string[] = [];
let pia: Awaited<ReturnType<typeof scriptedVisitor>>;
let photo: MessageView;

/** What a visitor's client does with a file: the grant, the signed form straight to storage, the token. */
async function visitorUpload(token: string, name: string, type: string, bytes: Buffer): Promise<string> {
  const grant = await api<UploadGrant>(parlor, "POST", "/uploads", { token, origin: parlor.url, body: { name, size: bytes.length, content_type: type } });
  const form = new FormData();
  for (const [k, v] of grant.fields) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
  const stored = await fetch(grant.url, { method: "POST", body: form });
  expect(stored.ok, `storage answered ${stored.status}: ${await stored.text()}`).toBe(true);
  return grant.upload;
}

/** The next `message.created` the visitor gets that carries a file named `name`. */
function visitorGets(name: string, after: number): Promise<Extract<ServerEvent, { type: "message.created" }>> {
  return pia.client.waitFor(
    (e) => e.type === "message.created" && e.message.created_at >= after && !!e.message.attachments?.some((a) => a.name === name),
    15_000,
  );
}

const loaded = (img: string) => page.waitForFunction((sel) => {
  const el = document.querySelector<HTMLImageElement>(sel);
  return !!el && el.complete && el.naturalWidth > 0;
}, img);

beforeAll(async () => {
  parlor = scene.parlor;
  const context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await consoleSignIn(page, parlor, parlor.admin);
  pia = await scriptedVisitor(parlor, { name: "Pia" });
});

afterAll(async () => {
  pia?.client.close();
  for (const c of contexts) await c.close();
});

describe("attachments in the console", () => {
  it("shows a visitor's photo inline from its preview, and the original in the lightbox", async () => {
    const upload = await visitorUpload(pia.session.token, "sunset.png", "image/png", png(64, 48));
    const ack = await pia.client.request({ action: "message", op: "send", client_id: newId(), text: "Here is the photo", uploads: [upload] });
    photo = ack.message!;
    expect(photo.attachments?.[0]).toMatchObject({ name: "sunset.png", kind: "image", width: 64, height: 48, preview: true });

    await dialogRow(page, "Pia").locator(".row-main").click();
    const picture = page.locator('[data-testid="message"] [data-testid="picture"]');
    await picture.waitFor();
    const img = picture.locator("img");
    expect(await img.getAttribute("alt")).toBe("sunset.png");
    // Boxed to its shape before it loads: no jump when it does.
    expect([await img.getAttribute("width"), await img.getAttribute("height")]).toEqual(["64", "48"]);
    await loaded('[data-testid="message"] [data-testid="picture"] img');

    await picture.click();
    const lightbox = page.getByRole("dialog", { name: "sunset.png" });
    await lightbox.waitFor();
    await loaded('[data-testid="lightbox-image"]');
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const links = await api<MessageAttachments>(parlor, "GET", `/dialogs/${photo.dialog_id}/messages/${photo.seq}/attachments`, { token: admin.token });
    const shown = await page.locator('[data-testid="lightbox-image"]').getAttribute("src");
    // The original, not the preview.
    expect(new URL(shown!).pathname).toBe(new URL(links.attachments[0].url).pathname);
    expect(await page.evaluate(() => document.querySelector<HTMLImageElement>('[data-testid="lightbox-image"]')!.naturalWidth)).toBe(64);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("lightbox-close");
    await screenshot(page, "console-lightbox");
    await page.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "picture");
  });

  it("lists the photo under Show attachments, and sends it again to the visitor", async () => {
    await page.click('[data-testid="attachments-toggle"]');
    const panel = page.locator('[data-testid="attachments-panel"]');
    const images = panel.getByRole("tabpanel", { name: /Images/ });
    await images.locator('[data-testid="attachment-item"]').first().waitFor();
    expect(await images.locator('[data-testid="attachment-item"]').count()).toBe(1);
    expect(await images.locator("img").getAttribute("alt")).toBe("sunset.png");
    expect(await panel.getByRole("tab", { name: /Images/ }).getAttribute("aria-selected")).toBe("true");
    await panel.getByRole("tab", { name: /Files/ }).click();
    expect(await panel.getByRole("tabpanel", { name: /Files/ }).textContent()).toContain("No files in this dialog yet.");
    await panel.getByRole("tab", { name: /Images/ }).click();

    const before = Date.now() - 1000;
    const received = visitorGets("sunset.png", before);
    await images.locator('[data-testid="resend"]').click();
    const event = await received;
    expect(event.message.kind).toBe("operator");
    expect(event.message.attachments?.[0]).toMatchObject({ id: photo.attachments![0].id, name: "sunset.png", kind: "image" });
    // The timeline shows it stored, with its preview; the lightbox now steps between the two.
    const again = page.locator(`[data-testid="message"][data-seq="${event.message.seq}"] [data-testid="picture"]`);
    await again.locator("img").waitFor();
    await again.click();
    const lightbox = page.getByRole("dialog", { name: "sunset.png" });
    expect(await lightbox.locator(".lightbox-bar > span").textContent()).toBe("sunset.png · 2 of 2");
    await page.keyboard.press("ArrowLeft");
    await lightbox.locator(".lightbox-bar > span", { hasText: "1 of 2" }).waitFor();
    await lightbox.getByRole("button", { name: "Next image" }).click();
    await lightbox.locator(".lightbox-bar > span", { hasText: "2 of 2" }).waitFor();
    await lightbox.getByRole("button", { name: "Close" }).click();
    await lightbox.waitFor({ state: "detached" });
  });

  it("takes a file dropped on the dialog: a drop zone, a progress bar, then the visitor has it", async () => {
    const conversation = page.locator(".conversation");
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="chip"] progress')) w.sawProgress = true;
      }).observe(document.body, { subtree: true, childList: true });
    });
    await conversation.evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(["x".repeat(300_000)], "notes.txt", { type: "text/plain" }));
      (window as unknown as { dropped: DataTransfer }).dropped = dt;
      el.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('[data-testid="drop-zone"]').waitFor();
    await conversation.evaluate((el) => {
      const dt = (window as unknown as { dropped: DataTransfer }).dropped;
      el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('[data-testid="drop-zone"]').waitFor({ state: "detached" });
    const chip = page.locator('[data-testid="chip"]', { hasText: "notes.txt" });
    await chip.and(page.locator('[data-state="done"]')).waitFor();
    expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);

    const before = Date.now() - 1000;
    const received = visitorGets("notes.txt", before);
    await page.click('[data-testid="send"]');
    const event = await received;
    expect(event.message.text).toBe("");
    expect(event.message.attachments?.[0]).toMatchObject({ name: "notes.txt", kind: "file", size: 300_000 });
    const row = page.locator(`[data-testid="message"][data-seq="${event.message.seq}"] [data-testid="file"]`);
    await row.locator('[data-testid="download"]').waitFor();
    expect(await row.textContent()).toContain("293 KB");
    expect(await row.locator("a").getAttribute("download")).toBe("notes.txt");
    expect(await page.locator('[data-testid="chip"]').count()).toBe(0);
  });

  it("whispers take no files: the attach button is off, with the reason", async () => {
    await page.check('[data-testid="whisper"]');
    expect(await page.locator('[data-testid="attach"]').isDisabled()).toBe(true);
    expect(await page.locator("#attach-whisper").textContent()).toContain("Whispers are text-only");
    await page.uncheck('[data-testid="whisper"]');
    expect(await page.getByRole("button", { name: "Attach files" }).isEnabled()).toBe(true);
  });

  it("lets an admin lower the file limit in Settings; a larger file is then refused before any upload", async () => {
    await page.click('[data-testid="settings-button"]');
    const section = page.locator('[data-testid="attachment-limits"]');
    await section.locator('[data-testid="limit-file"]').waitFor();
    expect(await section.locator('[data-testid="limit-image"]').inputValue()).toBe("10");
    await section.locator('[data-testid="limit-file"]').fill("0.5");
    await section.locator('[data-testid="limits-save"]').click();
    expect(await section.locator('[data-testid="limits-error"]').textContent()).toBe("The file limit must be a number of MB from 1 to 100.");
    await section.locator('[data-testid="limit-file"]').fill("1");
    await section.locator('[data-testid="limits-save"]').click();
    await section.locator('[data-testid="limits-saved"]').waitFor();
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    expect(await api<AttachmentLimits>(parlor, "GET", "/attachments/limits", { token: admin.token })).toEqual({
      image_max_bytes: 10 * 1024 * 1024,
      file_max_bytes: 1024 * 1024,
    });
    await page.click('[data-testid="settings-close"]');

    const asked: string[] = [];
    page.on("request", (r) => r.url().includes("/api/uploads") && asked.push(r.url()));
    await page.setInputFiles('[data-testid="file-picker"]', { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(1_572_864, 1) });
    const refused = page.locator('[data-testid="refused"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain("big.bin is 1.5 MB; files may be at most 1 MB");
    expect(await page.locator('[data-testid="chip"]').count()).toBe(0);
    expect(asked).toEqual([]);
    await screenshot(page, "console-attachment-refused");
    expect(errors).toEqual([]);
  });

  it("has no serious or critical accessibility violations with the panel and the lightbox open (axe-core)", async () => {
    // The page's CSP forbids the inline script addScriptTag makes: this context alone bypasses it.
    const context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    contexts.push(context);
    const other = await context.newPage();
    await consoleSignIn(other, parlor, parlor.admin);
    await dialogRow(other, "Pia").locator(".row-main").click();
    await other.click('[data-testid="attachments-toggle"]');
    await other.locator('[data-testid="attachments-panel"] [data-testid="picture"]').first().click();
    await other.getByRole("dialog").waitFor();
    await screenshot(other, "console-attachments-panel");
    expect(await seriousAxeViolations(other)).toEqual([]);
  });
});
