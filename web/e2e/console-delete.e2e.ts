// Deleting dialogs in real Chromium against the real gateway and its storage (seed 002): for who may
// delete, a checkbox shows while the avatar is hovered, then on every row once one is ticked, with
// "Actions" in the search box's place; "Delete" asks first, naming how many. The dialogs leave every
// open console (an operator's without the right too, who is offered no checkbox), the visitor is
// told, and the file a visitor sent is gone from storage with its preview and sealed copy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { MessageView, UploadGrant } from "../protocol/protocol";
import { newId } from "../common/ids";
import { addOperator, api, dialogRow, gatewayAndBrowser, png, screenshot, scriptedVisitor, seriousAxeViolations, signedInConsole, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

function signIn(who: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  return signedInConsole(scene.browser, parlor, who, { contexts, errors }, options);
}

/** Every file of the local storage whose name starts with `prefix` (an attachment's id). */
function stored(prefix: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.startsWith(prefix)) found.push(e.name);
    }
  };
  walk(join(parlor.dataDir, "s3"));
  return found.sort();
}

/** What a visitor's client does with a file: the grant, the signed form straight to storage, the message. */
async function sendPicture(token: string, send: (uploads: string[]) => Promise<MessageView>): Promise<MessageView> {
  const bytes = png(40, 30);
  const grant = await api<UploadGrant>(parlor, "POST", "/uploads", { token, origin: parlor.url, body: { name: "id-card.png", size: bytes.length, content_type: "image/png" } });
  const form = new FormData();
  for (const [k, v] of grant.fields) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }), "id-card.png");
  const uploaded = await fetch(grant.url, { method: "POST", body: form });
  expect(uploaded.ok, `storage answered ${uploaded.status}`).toBe(true);
  return send([grant.upload]);
}

const opacity = (page: Page, name: string) => dialogRow(page, name).locator(".pick").evaluate((el) => getComputedStyle(el).opacity);

beforeAll(() => {
  parlor = scene.parlor;
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  expect(errors).toEqual([]);
});

describe("deleting dialogs in the console", () => {
  it("ticks rows over their avatars, deletes them after a confirmation, everywhere, files included", async () => {
    const rita = await scriptedVisitor(parlor, { name: "Rita" });
    await rita.send("Here is my ID, by mistake");
    const picture = await sendPicture(rita.session.token, async (uploads) => {
      const ack = await rita.client.request({ action: "message", op: "send", client_id: newId(), text: "", uploads });
      return ack.message!;
    });
    const attachment = picture.attachments![0].id;
    expect(stored(attachment)).toEqual([attachment, `${attachment}.preview.jpg`, `${attachment}.sealed`]);
    const sam = await scriptedVisitor(parlor, { name: "Sam" });
    await sam.send("Please remove my chat");
    const tom = await scriptedVisitor(parlor, { name: "Tom" });
    await tom.send("I stay");
    const uma = await scriptedVisitor(parlor, { name: "Uma" });
    await uma.send("Me too");

    // An operator without the right: the dialogs, and no checkbox.
    const nora = await signIn(await addOperator(parlor, "Nora"));
    await dialogRow(nora, "Sam").waitFor();
    expect(await nora.locator(".pick").count()).toBe(0);

    const admin = await signIn(parlor.admin, { bypassCSP: true });
    await dialogRow(admin, "Tom").waitFor();
    // Unseen until the avatar is hovered; then on every row once one is ticked.
    expect(await opacity(admin, "Rita")).toBe("0");
    await dialogRow(admin, "Rita").locator(".pick").hover();
    expect(await opacity(admin, "Rita")).toBe("1");
    expect(await opacity(admin, "Sam")).toBe("0");
    await dialogRow(admin, "Rita").locator(".pick input").check();
    expect(await admin.locator('[data-testid="search"]').count(), "the actions take the search box's place").toBe(0);
    await admin.mouse.move(900, 600);
    expect(await opacity(admin, "Sam")).toBe("1");
    await dialogRow(admin, "Sam").locator(".pick input").check();
    const bar = admin.locator(".pick-bar");
    const all = bar.getByRole("checkbox", { name: "2 selected" });
    expect(await all.isChecked(), "Tom is not ticked").toBe(false);

    await bar.getByText("Actions").click();
    await bar.getByRole("button", { name: "Delete", exact: true }).click();
    const confirm = bar.getByRole("alert");
    expect(await confirm.textContent()).toContain("Delete 2 dialogs?");
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await screenshot(admin, "console-delete-confirm");
    const told = rita.client.waitFor((e) => e.type === "dialog.deleted", 10_000);
    await confirm.getByRole("button", { name: "Delete 2 dialogs" }).click();

    // Gone from both consoles, the bar with them; Tom stays.
    for (const page of [admin, nora]) {
      await dialogRow(page, "Rita").waitFor({ state: "detached" });
      await dialogRow(page, "Sam").waitFor({ state: "detached" });
      expect(await dialogRow(page, "Tom").count()).toBe(1);
    }
    await admin.locator('[data-testid="search"]').waitFor();
    expect(await admin.locator(".pick-bar").count()).toBe(0);
    expect(await told).toEqual({ type: "dialog.deleted", dialog_ids: [picture.dialog_id] });
    expect(stored(attachment), "the upload, its sealed copy and its preview are gone").toEqual([]);

    // "Select all" ticks every row of the list as loaded; the × unticks them.
    await dialogRow(admin, "Tom").locator(".pick").hover();
    await dialogRow(admin, "Tom").locator(".pick input").check();
    await bar.getByRole("checkbox", { name: "1 selected" }).check();
    const rows = await admin.locator('[data-testid="dialog-row"]').count();
    expect(rows).toBeGreaterThan(1);
    expect(await bar.getByRole("checkbox", { name: `${rows} selected` }).isChecked()).toBe(true);
    expect(await admin.locator(".pick input:checked").count()).toBe(rows);
    await bar.getByRole("button", { name: "Untick all" }).click();
    await admin.locator('[data-testid="search"]').waitFor();
    expect(await admin.locator(".pick input:checked").count()).toBe(0);
    rita.client.close();
    sam.client.close();
    tom.client.close();
    uma.client.close();
  });
});
