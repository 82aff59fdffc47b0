// A contact's export and erasure, in real Chromium against the real gateway: an operator without
// the right to delete dialogs is offered neither; an admin exports Vera's contact from her card
// (the link downloads a ZIP holding contact.json) and erases her after a confirmation that names
// what goes: her dialog closes and leaves every sidebar, the server no longer knows her, and her
// widget starts afresh as a new visitor.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { addOperator, api, consoleSignIn, dialogRow as row, gatewayAndBrowser, login, startWidgetChat, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
let contexts: BrowserContext[] = [];
let admin: Page;
let anna: Page;

beforeAll(async () => {
  parlor = scene.parlor;
  const annaWho = await addOperator(parlor, "Anna");
  const adminWho = await addOperator(parlor, "Ada", "admin");
  for (const [who, set] of [
    [annaWho, (p: Page) => (anna = p)],
    [adminWho, (p: Page) => (admin = p)],
  ] as const) {
    const context = await scene.browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    await consoleSignIn(page, parlor, who);
    set(page);
  }
  contexts.push(await scene.browser.newContext());
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  contexts = [];
});

describe("a contact's privacy", () => {
  it("is exported as a ZIP and erased entirely, by those who may delete dialogs", async () => {
    const visitor = await contexts[2].newPage();
    const chat = await startWidgetChat(visitor, parlor, "Vera", "Please send me my data");

    // Anna may not delete dialogs: her card offers neither.
    await row(anna, "Vera").first().locator(".row-main").click();
    const annasCard = anna.locator('[data-testid="contact-card"]');
    await annasCard.locator('[data-testid="contact-save"]').waitFor();
    expect(await annasCard.locator('[data-testid="contact-export"]').count()).toBe(0);
    expect(await annasCard.locator('[data-testid="contact-erase"]').count()).toBe(0);

    await row(admin, "Vera").first().locator(".row-main").click();
    const card = admin.locator('[data-testid="contact-card"]');
    await card.locator('[data-testid="contact-export"]').click();
    const link = card.locator('[data-testid="contact-export-link"]');
    await link.waitFor();
    const contactId = await card.getAttribute("data-contact");
    expect(await link.textContent()).toContain(`parlor-contact-${contactId}.zip`);
    const [download] = await Promise.all([admin.waitForEvent("download"), link.click()]);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    const zip = readFileSync(path!);
    expect(zip.subarray(0, 4).toString("binary")).toBe("PK\x03\x04");
    expect(zip.includes(Buffer.from("contact.json"))).toBe(true);
    expect(zip.includes(Buffer.from("Please send me my data"))).toBe(true);

    // Erase: a confirmation that names what goes; cancelled, nothing happens.
    await card.locator('[data-testid="contact-erase"]').click();
    const confirm = card.locator('[data-testid="contact-erase-confirm"]');
    expect(await confirm.textContent()).toContain("Erase Vera entirely?");
    expect(await confirm.textContent()).toContain("every message and file");
    await confirm.locator('[data-testid="contact-erase-no"]').click();
    expect(await confirm.count()).toBe(0);
    await card.locator('[data-testid="contact-erase"]').click();
    await confirm.locator('[data-testid="contact-erase-yes"]').click();

    // Her dialog goes with her (its pane closes), and so does her row.
    await row(admin, "Vera").waitFor({ state: "detached" });
    expect(await card.count()).toBe(0);
    // Anna's console hears of it too: the row goes.
    await row(anna, "Vera").waitFor({ state: "detached" });
    // The widget starts afresh: its conversation is cleared, and what Vera writes next is a new
    // visitor's first dialog.
    await chat.getByText("Please send me my data").waitFor({ state: "detached" });
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Hello again");
    await box.press("Enter");
    await admin.locator('[data-testid="dialog-row"]', { hasText: "Hello again" }).waitFor();
    const { token } = await login(parlor, parlor.admin.email, parlor.admin.password);
    await expect(api(parlor, "GET", `/contacts/${contactId}`, { token })).rejects.toMatchObject({ status: 404 });
  });
});
