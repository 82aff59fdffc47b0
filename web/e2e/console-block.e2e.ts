// Blocking a contact, in real Chromium against the real gateway: Anna blocks Vera from her card;
// the console's composer gives way to a warning with an Unblock action, the widget tells Vera at
// load that she cannot write here and refuses what she writes; unblocked, both write again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { ContactCard, HistoryPage } from "../protocol/protocol";
import { addOperator, api, consoleSignIn, consoleWrite, dialogRow as row, gatewayAndBrowser, login, startWidgetChat, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
let consoleContext: BrowserContext;
let visitorContext: BrowserContext;
let anna: Page;
let who: Awaited<ReturnType<typeof addOperator>>;

beforeAll(async () => {
  parlor = scene.parlor;
  who = await addOperator(parlor, "Anna");
  consoleContext = await scene.browser.newContext({ viewport: { width: 1280, height: 720 } });
  anna = await consoleContext.newPage();
  await consoleSignIn(anna, parlor, who);
  visitorContext = await scene.browser.newContext();
});

afterAll(async () => {
  await consoleContext?.close();
  await visitorContext?.close();
});

describe("a blocked contact", () => {
  it("is warned of on both sides, and unblocked", async () => {
    const page = await visitorContext.newPage();
    const chat = await startWidgetChat(page, parlor, "Vera", "Hello there");
    await row(anna, "Vera").first().locator(".row-main").click();
    const composer = anna.locator('[data-testid="composer"]');
    await composer.waitFor();
    await consoleWrite(anna, "Hi Vera");
    await chat.getByText("Hi Vera").waitFor();

    // Anna blocks her from the card: the composer gives way to the warning.
    const card = anna.locator('[data-testid="contact-card"]');
    await card.locator('[data-testid="contact-block"]').click();
    const warning = anna.locator('[data-testid="blocked-warning"]');
    await warning.waitFor();
    expect(await warning.textContent()).toContain("This contact is blocked");
    expect(await composer.count()).toBe(0);
    await card.locator('[data-testid="contact-blocked"]').waitFor();
    expect(await card.locator('[data-testid="contact-block"]').textContent()).toBe("Unblock");
    const contactId = await card.getAttribute("data-contact");
    const { token, operator } = await login(parlor, who.email, who.password);
    const stored = await api<ContactCard>(parlor, "GET", `/contacts/${contactId}`, { token });
    expect(stored.contact.blocked?.by).toBe(operator.id);
    expect(stored.dialogs[0].blocked).toBe(true);

    // The widget, loaded again, says so before Vera writes; what she writes is refused.
    await page.reload();
    const notice = chat.locator('[data-testid="blocked"]');
    await notice.waitFor();
    expect(await notice.textContent()).toBe("You cannot write here: this chat no longer takes your messages.");
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    await box.fill("Let me in");
    await box.press("Enter");
    await chat.locator('[data-status="failed"]').waitFor();
    const dialogId = stored.dialogs[0].id;
    const history = await api<HistoryPage>(parlor, "GET", `/dialogs/${dialogId}/messages?after=0&limit=100`, { token });
    expect(history.messages.map((m) => m.text)).not.toContain("Let me in");

    // Unblocked from the warning: the composer is back, and Vera's message goes on a retry.
    await warning.locator('[data-testid="unblock"]').click();
    await composer.waitFor();
    expect(await warning.count()).toBe(0);
    await chat.getByRole("button", { name: "Retry" }).click();
    await anna.getByTestId("timeline").getByText("Let me in").waitFor();
    await notice.waitFor({ state: "detached" });
    await consoleWrite(anna, "Welcome back");
    await chat.getByText("Welcome back").waitFor();
  });
});
