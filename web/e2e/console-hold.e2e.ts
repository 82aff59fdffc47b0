// Hold (seed 004) in real Chromium against the real gateway: an operator puts a dialog on hold from
// the dialog pane, the visitor's widget says it is on hold and the sidebar row shows it; resuming
// clears both, and so does the operator's next message to the visitor.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { addOperator, consoleWrite, dialogRow, gatewayAndBrowser, seriousAxeViolations, signedInConsole, startWidgetChat, type Parlor } from "./harness";

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

function signIn(who: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  return signedInConsole(scene.browser, parlor, who, { contexts, errors }, options);
}

describe("hold in the console and the widget", () => {
  it("an operator holds the dialog, the visitor sees it is on hold, and resuming or writing clears it", async () => {
    const anna = await addOperator(parlor, "Anna");
    const page = await signIn(anna, { bypassCSP: true });
    const visitor = await scene.browser.newContext();
    contexts.push(visitor);
    const widget = await visitor.newPage();
    widget.on("pageerror", (e) => errors.push(e.message));
    const chat = await startWidgetChat(widget, parlor, "Vera", "Where is my parcel?");

    const row = dialogRow(page, "Vera");
    expect(await page.locator('[data-testid="hold"]').count(), "no Hold before joining").toBe(0);
    await row.locator(".row-main").click();
    await row.and(page.locator('[data-colour="mine"]')).waitFor();

    await page.click('[data-testid="hold"]');
    await chat.locator('[data-testid="on-hold"]').waitFor();
    expect(await chat.locator('[data-testid="on-hold"]').textContent()).toContain("on hold");
    await chat.getByText("Anna put the dialog on hold").waitFor();
    await row.locator('[data-testid="held-badge"]').waitFor();
    expect(await row.getAttribute("data-held")).toBe("true");
    await page.locator('[data-testid="pane-held"]').waitFor();
    await page.locator('[data-testid="timeline"]').getByText("Anna put the dialog on hold").waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The visitor writing meanwhile leaves it on hold.
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Still there?");
    await box.press("Enter");
    await page.locator('[data-testid="timeline"]').getByText("Still there?").waitFor();
    expect(await chat.locator('[data-testid="on-hold"]').count()).toBe(1);

    await page.click('[data-testid="resume"]');
    await chat.locator('[data-testid="on-hold"]').waitFor({ state: "detached" });
    await chat.getByText("Anna took the dialog off hold").waitFor();
    await row.locator('[data-testid="held-badge"]').waitFor({ state: "detached" });
    await page.locator('[data-testid="hold"]').waitFor();

    // On hold again: the next message to the visitor takes it off hold.
    await page.click('[data-testid="hold"]');
    await chat.locator('[data-testid="on-hold"]').waitFor();
    await consoleWrite(page, "Found it: it ships today.");
    await chat.getByText("Found it: it ships today.").waitFor();
    await chat.locator('[data-testid="on-hold"]').waitFor({ state: "detached" });
    await row.locator('[data-testid="held-badge"]').waitFor({ state: "detached" });
    expect(await page.locator('[data-testid="resume"]').count()).toBe(0);
  });
});
