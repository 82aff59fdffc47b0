// Time limits, processing order and filters in real Chromium against the real gateway (seeds 001,
// 002): without a reply-time limit the sort offers last activity only; an admin sets a limit in
// Settings and every console offers the processing order at once, the reply due first, each row
// saying the time left and, once past it (the page's clock moved on), marked overdue; taking the
// limit away sorts by last activity again. "Others" picks one colleague, and the state and
// who-wrote-last filters narrow the list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { addOperator, consoleSignIn, dialogRow, gatewayAndBrowser, scriptedOperator, scriptedVisitor, seriousAxeViolations, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

beforeAll(() => {
  parlor = scene.parlor;
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  expect(errors).toEqual([]);
});

/** A console on a clock the test may move on. */
async function clockedConsole(who: { email: string; password: string }): Promise<{ page: Page; context: BrowserContext }> {
  const context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  contexts.push(context);
  await context.clock.install();
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await consoleSignIn(page, parlor, who);
  return { page, context };
}

const names = (page: Page) => page.locator('[data-testid="dialog-row"] .visitor-name').allTextContents();
const sortOptions = (page: Page) => page.locator('[data-testid="sort"] option').allTextContents();

describe("processing order and filters", () => {
  it("offers processing order only under a reply-time limit, sorts by time left and marks overdue dialogs", async () => {
    const boris = await addOperator(parlor, "Boris");
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    await vera.send("My order never came.");
    const xenia = await scriptedVisitor(parlor, { name: "Xenia" });
    await xenia.send("Do you ship to Riga?");
    const { page: admin, context } = await clockedConsole(parlor.admin);
    const { page: watcher } = await clockedConsole(boris);
    for (const page of [admin, watcher]) await dialogRow(page, "Xenia").waitFor();

    expect(await sortOptions(admin)).toEqual(["Last activity"]);
    expect(await names(admin)).toEqual(["Xenia", "Vera"]);
    expect(await admin.locator('[data-testid="deadline"]').count()).toBe(0);

    await admin.click('[data-testid="settings-button"]');
    const form = admin.locator('[data-testid="chat-handling"]');
    await form.locator('[data-testid="handling-limit-on"]').waitFor();
    await form.locator('[data-testid="handling-limit-on"]').check();
    await form.locator('[data-testid="handling-limit"]').fill("0.5");
    await form.locator('[data-testid="handling-save"]').click();
    expect(await form.locator('[data-testid="handling-error"]').textContent()).toBe("The reply-time limit (minutes) must be a number from 1 to 10080.");
    await form.locator('[data-testid="handling-limit"]').fill("2");
    await form.locator('[data-testid="handling-save"]').click();
    expect(await form.locator('[data-testid="handling-saved"]').textContent()).toBe("Saved: distribution off, a reply-time limit of 2 min.");
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await admin.click('[data-testid="settings-close"]');

    // Boris's console heard of it too, untouched.
    for (const page of [admin, watcher]) {
      await expect.poll(() => sortOptions(page)).toEqual(["Last activity", "Processing order"]);
      await page.selectOption('[data-testid="sort"]', "waiting");
      // The reply due first.
      await expect.poll(() => names(page)).toEqual(["Vera", "Xenia"]);
    }
    const vrow = dialogRow(admin, "Vera");
    expect(await vrow.getAttribute("data-overdue")).toBe("false");
    expect(await vrow.locator('[data-testid="deadline"]').textContent()).toMatch(/left$/);

    // Past the limit: the row is marked overdue and says by how much, with no reload.
    await context.clock.fastForward(5 * 60_000);
    await expect.poll(() => vrow.getAttribute("data-overdue")).toBe("true");
    expect(await vrow.locator('[data-testid="deadline"]').textContent()).toMatch(/min over$/);
    expect(await dialogRow(admin, "Xenia").getAttribute("data-overdue")).toBe("true");

    // The limit taken away: the stored choice falls back to last activity, and the option goes.
    await admin.click('[data-testid="settings-button"]');
    await form.locator('[data-testid="handling-limit-on"]').uncheck();
    await form.locator('[data-testid="handling-save"]').click();
    expect(await form.locator('[data-testid="handling-saved"]').textContent()).toBe("Saved: distribution off, no reply-time limit.");
    await admin.click('[data-testid="settings-close"]');
    for (const page of [admin, watcher]) {
      await expect.poll(() => sortOptions(page)).toEqual(["Last activity"]);
      expect(await names(page)).toEqual(["Xenia", "Vera"]);
      expect(await page.locator('[data-testid="deadline"]').count()).toBe(0);
    }
    vera.client.close();
    xenia.client.close();
  });

  it("shows one chosen colleague's dialogs under Others, and filters by state and by who wrote last", async () => {
    const clara = await addOperator(parlor, "Clara");
    await addOperator(parlor, "Dmitri");
    const yana = await scriptedVisitor(parlor, { name: "Yana" });
    const first = await yana.send("Can I change my address?");
    const zoe = await scriptedVisitor(parlor, { name: "Zoe" });
    await zoe.send("Hello?");
    const c = await scriptedOperator(parlor, clara.email, clara.password);
    await c.client.request({ action: "assign", op: "join", dialog_id: first.dialog_id });

    const { page } = await clockedConsole(parlor.admin);
    await dialogRow(page, "Zoe").waitFor();
    expect(await page.locator('[data-testid="filter-colleague"]').count(), "the chooser comes with Others").toBe(0);
    await page.click('[data-testid="filter-others"]');
    const chooser = page.getByLabel("Colleague");
    const offered = await chooser.locator("option").allTextContents();
    expect(offered).toEqual(["Any colleague", "Boris", "Clara", "Dmitri"]);
    await chooser.selectOption({ label: "Clara" });
    await expect.poll(() => names(page)).toEqual(["Yana"]);
    await chooser.selectOption({ label: "Dmitri" });
    await expect.poll(() => names(page)).toEqual([]);
    await page.locator('[data-testid="dialog-list"] .empty').waitFor();
    // Keyboard: the chooser is a plain select, by name, reached and changed without a mouse.
    await chooser.focus();
    await page.keyboard.press("ArrowUp");
    await expect.poll(() => chooser.inputValue()).toBe(clara.operator.id);
    await expect.poll(() => names(page)).toEqual(["Yana"]);
    await page.click('[data-testid="filter-all"]');

    // Clara holds Yana's dialog and answers Zoe's: the state and last-writer filters follow live.
    await c.client.request({ action: "assign", op: "hold", dialog_id: first.dialog_id });
    await page.getByLabel("State").selectOption("held");
    await expect.poll(() => names(page)).toEqual(["Yana"]);
    await page.getByLabel("State").selectOption("queued");
    await expect.poll(() => names(page)).toEqual([]);
    await page.getByLabel("State").selectOption("any");

    const zoeDialog = (await zoe.client.waitFor((e) => e.type === "ack" && !!e.message)) as { message?: { dialog_id: string } };
    await c.client.request({ action: "assign", op: "join", dialog_id: zoeDialog.message!.dialog_id });
    await c.client.request({ action: "message", op: "send", dialog_id: zoeDialog.message!.dialog_id, client_id: `c-${Date.now()}`, text: "Hello Zoe, how can I help?" });
    await page.getByLabel("Who wrote last").selectOption("operator");
    await expect.poll(() => names(page)).toEqual(["Zoe"]);
    await page.getByLabel("Who wrote last").selectOption("visitor");
    await expect.poll(() => names(page)).toEqual(expect.arrayContaining(["Yana"]));
    expect(await names(page)).not.toContain("Zoe");
    expect(await seriousAxeViolations(page)).toEqual([]);
    c.client.close();
    yana.client.close();
    zoe.client.close();
  });
});
