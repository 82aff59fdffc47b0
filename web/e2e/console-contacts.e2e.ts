// The contact card beside a dialog, in real Chromium against the real gateway: a signed-in customer
// who wrote from two browsers is one contact whose card lists both dialogs and the channel; the
// card is edited (a refused address says why at its field), and the sidebar follows the new name;
// a dialog is unpinned after a confirmation and leaves the card, its history kept.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { ContactCard, IdentitySecret } from "../protocol/protocol";
import { addOperator, api, consoleSignIn, dialogRow as row, gatewayAndBrowser, login, scriptedVisitor, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
let context: BrowserContext;
let anna: Page;

beforeAll(async () => {
  parlor = scene.parlor;
  const who = await addOperator(parlor, "Anna");
  context = await scene.browser.newContext({ viewport: { width: 1280, height: 720 } });
  anna = await context.newPage();
  await consoleSignIn(anna, parlor, who);
});

afterAll(async () => {
  await context?.close();
});

describe("the contact card", () => {
  it("lists a contact's dialogs and channel, and is edited", async () => {
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const { secret } = await api<IdentitySecret>(parlor, "POST", `/sites/${parlor.siteKey}/identity-secret`, { token: admin.token });
    const user = { user_id: "customer-42", user_hash: createHmac("sha256", secret!).update("customer-42").digest("hex") };
    const phone = await scriptedVisitor(parlor, { name: "Vera", email: "vera@example.com", ...user });
    const first = await phone.send("From my phone");
    const laptop = await scriptedVisitor(parlor, { name: "Vera", ...user });
    const second = await laptop.send("From my laptop");
    // Someone else, whose address Vera will try to take.
    const olek = await scriptedVisitor(parlor, { name: "Olek", email: "olek@example.com" });
    await olek.send("Hello");

    // The row names the channel: the demo site's widget.
    const rows = row(anna, "Vera");
    await rows.nth(1).waitFor();
    expect(await rows.first().locator('[data-testid="channel-name"]').textContent()).toBe("Demo site");

    await rows.first().locator(".row-main").click();
    const card = anna.locator('[data-testid="contact-card"]');
    await card.locator('[data-testid="contact-dialog"]').nth(1).waitFor();
    const listed = await card.locator('[data-testid="contact-dialog"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-dialog")));
    expect(listed.sort()).toEqual([first.dialog_id, second.dialog_id].sort());
    expect(await card.locator('[data-testid="contact-channel"]').allTextContents()).toEqual(["Website chat · Demo site (active)"]);
    expect(await card.locator('[data-testid="contact-name"]').inputValue()).toBe("Vera");
    expect(await card.locator('[data-testid="contact-email"]').inputValue()).toBe("vera@example.com");

    // Olek's address is his: refused, said at the field, nothing stored.
    await card.locator('[data-testid="contact-email"]').fill("OLEK@example.com");
    await card.locator('[data-testid="contact-save"]').click();
    const error = card.locator('[data-testid="contact-error"]');
    await error.waitFor();
    expect(await error.textContent()).toContain("another contact has this email");
    expect(await card.locator('[data-testid="contact-email"]').getAttribute("aria-invalid")).toBe("true");

    await card.locator('[data-testid="contact-email"]').fill("vera@example.com");
    await card.locator('[data-testid="contact-name"]').fill("Vera Petrova");
    await card.locator('[data-testid="contact-phone"]').fill("+7 912 345 67 89");
    await card.locator('[data-testid="contact-notes"]').fill("Prefers e-mail.");
    await card.locator('[data-testid="contact-save"]').click();
    // Both of her rows take the new name; the card shows it as stored.
    await row(anna, "Vera Petrova").nth(1).waitFor();
    expect(await error.count()).toBe(0);
    expect(await card.locator('[data-testid="contact-phone"]').inputValue()).toBe("+7 912 345 67 89");
    const contactId = await card.getAttribute("data-contact");
    const stored = await api<ContactCard>(parlor, "GET", `/contacts/${contactId}`, { token: admin.token });
    expect(stored.contact).toMatchObject({ name: "Vera Petrova", notes: "Prefers e-mail.", phone: "+7 912 345 67 89" });

    // A dialog of the list opens with a click.
    const other = card.locator(`[data-testid="contact-dialog"]:not([aria-current])`);
    const otherId = await other.getAttribute("data-dialog");
    await other.click();
    await anna.locator(`[data-testid="dialog-row"][data-dialog="${otherId}"] .row-main[aria-current="true"]`).waitFor();
  });

  it("unpins a dialog after a confirmation: it leaves the card and keeps its history", async () => {
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const card = anna.locator('[data-testid="contact-card"]');
    const contactId = await card.getAttribute("data-contact");
    // The dialog of the card that is not the open one.
    const entry = card.locator(".contact-dialog", { has: anna.locator('[data-testid="contact-dialog"]:not([aria-current])') });
    const unpinnedId = await entry.locator('[data-testid="contact-dialog"]').getAttribute("data-dialog");
    const keptId = await card.locator('[data-testid="contact-dialog"][aria-current]').getAttribute("data-dialog");

    // Nothing happens without the confirmation.
    await entry.locator('[data-testid="contact-unpin"]').click();
    const confirm = entry.locator('[data-testid="contact-unpin-confirm"]');
    expect(await confirm.textContent()).toContain("keeps its history");
    await confirm.locator('[data-testid="contact-unpin-no"]').click();
    expect(await confirm.count()).toBe(0);
    expect(await card.locator('[data-testid="contact-dialog"]').count()).toBe(2);

    await entry.locator('[data-testid="contact-unpin"]').click();
    await entry.locator('[data-testid="contact-unpin-yes"]').click();
    await anna.waitForFunction(() => document.querySelectorAll('[data-testid="contact-card"] [data-testid="contact-dialog"]').length === 1);
    expect(await card.locator('[data-testid="contact-dialog"]').getAttribute("data-dialog")).toBe(keptId);
    expect(await card.getAttribute("data-contact")).toBe(contactId);
    // Its row no longer bears her name; the dialog is another contact's, its history whole.
    await anna.waitForFunction(() => [...document.querySelectorAll('[data-testid="dialog-row"]')].filter((r) => r.textContent?.includes("Vera Petrova")).length === 1);
    const stored = await api<ContactCard>(parlor, "GET", `/contacts/${contactId}`, { token: admin.token });
    expect(stored.dialogs.map((d) => d.id)).toEqual([keptId]);
    const dialog = await api<{ contact_id?: string }>(parlor, "GET", `/dialogs/${unpinnedId}`, { token: admin.token });
    expect(dialog.contact_id).toBeTruthy();
    expect(dialog.contact_id).not.toBe(contactId);
    const history = await api<{ messages: { text?: string }[] }>(parlor, "GET", `/dialogs/${unpinnedId}/messages`, { token: admin.token });
    expect(history.messages.some((m) => m.text?.startsWith("From my"))).toBe(true);
  });
});
