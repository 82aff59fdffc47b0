// The console's look and keyboard in real Chromium against the real gateway: sidebar rows (initials,
// times, waits, three colours and their legend, truncation, the selected row), the dialog's actions
// on one line at 1280×720, icons drawn as SVG rather than glyphs, the light and dark themes (the
// system's, or the operator's choice kept across reloads), the shortcut list on `?`, Escape, and
// quick replies (preview, confirmed delete, the form on request). Each test has a gateway of its own.
import { describe, expect, it } from "vitest";
import type { BrowserContextOptions, Page } from "playwright-core";
import { newId } from "../common/ids";
import {
  addOperator,
  api,
  consoleSignIn,
  consoleWrite,
  dialogRow as row,
  gatewayPerTest,
  login,
  type Parlor,
  png,
  scriptedOperator,
  scriptedVisitor,
  seriousAxeViolations,
} from "./harness";
import { operatorSendsPictures } from "./pictures";

const { browser, started, gateway } = gatewayPerTest();

async function operator(parlor: Parlor, name: string, options: BrowserContextOptions = {}): Promise<{ page: Page; signIn: { email: string; password: string } }> {
  const signIn = await addOperator(parlor, name);
  const context = await browser().newContext({ viewport: { width: 1280, height: 720 }, ...options });
  started.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  started.push(() => expect(errors).toEqual([]));
  await consoleSignIn(page, parlor, signIn);
  return { page, signIn };
}

async function visitor(parlor: Parlor, name: string, first: string): Promise<{ dialogId: string; send(text: string): Promise<unknown> }> {
  const v = await scriptedVisitor(parlor, { name });
  started.push(() => v.client.close());
  const m = await v.send(first);
  return { dialogId: m.dialog_id, send: v.send };
}

async function connectTo(page: Page, name: string): Promise<void> {
  await row(page, name).locator(".row-main").click();
  await row(page, name).and(page.locator('[data-colour="mine"]')).waitFor();
}

/** Nothing focused: keys go to the page, not to a field. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

describe("the console's look", () => {
  it("rows show initials, times, waits and three colours with a legend; long names stop before the cross; the selected row stands out", async () => {
    const parlor = await gateway();
    const long = "Maximiliane Alexandra von Hohenzollern-Sigmaringen";
    const { page: anna } = await operator(parlor, "Anna");
    const boris = await addOperator(parlor, "Boris");
    const walter = await visitor(parlor, "Walter Schmidt", "Can I change the address?");
    const { client } = await scriptedOperator(parlor, boris.email, boris.password);
    started.push(() => client.close());
    await client.request({ action: "assign", op: "join", dialog_id: walter.dialogId });
    await client.request({ action: "message", op: "send", dialog_id: walter.dialogId, client_id: newId(), text: "Yes, send me the new one." });
    await visitor(parlor, "Vera Nova", "Where is my order?");
    await visitor(parlor, long, "Do you ship to Liechtenstein?");
    await row(anna, "Walter").and(anna.locator('[data-colour="taken"]')).waitFor();
    await connectTo(anna, long);

    // Initials on the avatar; the last message's time; a wait only where an answer is due.
    expect(await row(anna, "Vera Nova").locator(".avatar").textContent()).toBe("VN");
    expect(await row(anna, "Vera Nova").locator('[data-testid="row-time"]').textContent()).toMatch(/^\d\d:\d\d$/);
    expect(await row(anna, "Vera Nova").locator('[data-testid="waited"]').textContent()).toMatch(/waiting (<1|\d+) min/);
    expect(await row(anna, "Walter").locator('[data-testid="waited"]').count()).toBe(0);

    // Three colours, told apart, and a legend that names them.
    const background = (name: string) => row(anna, name).evaluate((el) => getComputedStyle(el).backgroundColor);
    const colours = [await background("Vera Nova"), await background("Walter"), await background(long)];
    expect(new Set(colours).size).toBe(3);
    expect(await anna.locator('[data-testid="legend"] li').allTextContents()).toEqual(["Needs an answer", "A colleague's", "Mine"]);

    // The long name is cut with an ellipsis before the time, which stays clear of the cross.
    const name = row(anna, long).locator(".visitor-name");
    expect(await name.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const [nameBox, timeBox, crossBox] = [await name.boundingBox(), await row(anna, long).locator('[data-testid="row-time"]').boundingBox(), await row(anna, long).locator('[data-testid="disconnect"]').boundingBox()];
    expect(nameBox!.x + nameBox!.width).toBeLessThanOrEqual(timeBox!.x);
    expect(timeBox!.x + timeBox!.width).toBeLessThanOrEqual(crossBox!.x);

    // The open dialog's row is marked for eyes and for screen readers; the others are not.
    expect(await row(anna, long).getAttribute("class")).toContain("selected");
    expect(await row(anna, long).locator(".row-main").getAttribute("aria-current")).toBe("true");
    expect(await row(anna, long).evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe("none");
    expect(await row(anna, "Vera Nova").evaluate((el) => getComputedStyle(el).boxShadow)).toBe("none");

    // At 1280×720 the header and the dialog's actions each keep one line.
    const actions = await anna.locator('[data-testid="pane"] .actions button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    // Transfer, Hold, Close, Mark unread, Attachments, Visitor.
    expect(actions.length).toBe(6);
    expect(new Set(actions).size).toBe(1);
    expect((await box(anna, ".top")).height).toBeLessThan(50);
    expect((await box(anna, ".pane-head")).height).toBeLessThan(70);
  });

  it("draws its icons as SVG: no glyph that needs an emoji font, on rows, marks, actions or the composer", async () => {
    const parlor = await gateway();
    const { page: anna } = await operator(parlor, "Anna");
    const vera = await visitor(parlor, "Vera", "Hello?");
    await connectTo(anna, "Vera");
    await consoleWrite(anna, "Hi Vera!");
    await anna.locator('[data-testid="message"] [data-testid="mark"][data-status="delivered"]').waitFor();
    await vera.send("Thanks");
    await anna.locator('[data-testid="message"]', { hasText: "Thanks" }).hover();
    await anna.click('[data-testid="quick"]');
    await anna.locator('[data-testid="quick-replies"]').waitFor();
    // A dialog whose last message is a file alone: the server names it "📎 name" for lists.
    const boris = await addOperator(parlor, "Boris");
    const lev = await visitor(parlor, "Lev", "Here is the receipt");
    const { client, session } = await scriptedOperator(parlor, boris.email, boris.password);
    started.push(() => client.close());
    await client.request({ action: "assign", op: "join", dialog_id: lev.dialogId });
    await operatorSendsPictures(parlor, session.token, client, lev.dialogId, "", [{ name: "label.png", bytes: png(8, 8) }]);
    const levRow = row(anna, "Lev");
    await levRow.locator('.last [data-icon="attach"]').waitFor();
    expect(await levRow.locator(".last").textContent()).toContain("label.png");
    const text = await anna.evaluate(() => document.body.innerText);
    expect(text).not.toMatch(/[\u{1F300}-\u{1FAFF}\u2190-\u21FF\u2600-\u27BF\u00D7\u2039\u203A\u25B8\u25C2]/u);
    // The marks, actions and composer buttons each carry a drawn icon.
    for (const selector of ['[data-testid="mark"]', '[data-testid="transfer"]', '[data-testid="disconnect"]', '[data-testid="emoji"]', '[data-testid="quick"]', '[data-testid="attach"]', '[data-testid="theme"]']) {
      expect(await anna.locator(`${selector} svg.icon`).count(), selector).toBeGreaterThan(0);
    }
  });

  it("follows the system's theme until the operator picks one, which stays across a reload; axe finds nothing serious in dark", async () => {
    const parlor = await gateway();
    await visitor(parlor, "Vera", "Where is my order?");
    // The page's CSP forbids the inline script axe needs: this context alone bypasses it.
    const { page } = await operator(parlor, "Clara", { colorScheme: "dark", bypassCSP: true });
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await page.getAttribute("html", "data-theme")).toBe("system");
    const dark = await background();
    expect(dark).toBe("rgb(13, 17, 23)");
    await page.click('[data-testid="theme"]');
    await page.locator('html[data-theme="light"]').waitFor();
    expect(await background()).toBe("rgb(243, 244, 246)");
    await page.click('[data-testid="theme"]');
    await page.locator('html[data-theme="dark"]').waitFor();
    expect(await page.getAttribute('[data-testid="theme"]', "aria-label")).toBe("Theme: dark");
    await page.reload();
    await page.waitForSelector('[data-testid="console"][data-connection="online"]');
    expect(await page.getAttribute("html", "data-theme")).toBe("dark");
    expect(await background()).toBe(dark);
    await row(page, "Vera").locator(".row-main").click();
    await page.locator('[data-testid="message"]').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

describe("the console's keyboard", () => {
  it("? lists the shortcuts, except while typing; Escape closes the list, pop-ups, the transfer form and the panels", async () => {
    const parlor = await gateway();
    await visitor(parlor, "Vera", "Where is my order?");
    const { page } = await operator(parlor, "Anna", { bypassCSP: true });
    await connectTo(page, "Vera");
    const shortcuts = page.locator('[data-testid="shortcuts"]');

    // In the composer, ? is a character.
    await page.locator('[data-testid="composer"]').pressSequentially("Why?");
    expect(await page.inputValue('[data-testid="composer"]')).toBe("Why?");
    expect(await shortcuts.count()).toBe(0);
    // Outside a field it opens the list, a modal that axe finds sound; Escape closes it.
    await blur(page);
    await page.keyboard.press("?");
    await shortcuts.waitFor();
    expect(await shortcuts.getByRole("row").count()).toBeGreaterThan(5);
    expect(await shortcuts.textContent()).toContain("Esc");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await shortcuts.waitFor({ state: "detached" });
    // The header's keyboard button opens it too.
    await page.click('[data-testid="keys-button"]');
    await shortcuts.waitFor();
    await page.keyboard.press("Escape");
    await shortcuts.waitFor({ state: "detached" });

    // A pop-up closes from the composer, and the visitor card beside it stays.
    const visitorPanel = page.locator('[data-testid="visitor-panel"]');
    await visitorPanel.waitFor();
    await page.click('[data-testid="emoji"]');
    await page.locator('[data-testid="emoji-picker"]').waitFor();
    await page.locator('[data-testid="composer"]').focus();
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="emoji-picker"]').waitFor({ state: "detached" });
    await page.keyboard.press("Escape");
    expect(await visitorPanel.isVisible()).toBe(true);

    // The transfer form, then the attachments panel, then the visitor card: newest first.
    await page.click('[data-testid="transfer"]');
    await page.locator('[data-testid="transfer-form"]').waitFor();
    await blur(page);
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="transfer-form"]').waitFor({ state: "detached" });
    await page.click('[data-testid="attachments-toggle"]');
    await page.locator('[data-testid="attachments-panel"]').waitFor();
    await blur(page);
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="attachments-panel"]').waitFor({ state: "detached" });
    await visitorPanel.waitFor();
    await page.keyboard.press("Escape");
    await visitorPanel.waitFor({ state: "detached" });
    expect(await page.getAttribute('[data-testid="visitor-toggle"]', "aria-expanded")).toBe("false");
  });
});

describe("quick replies", () => {
  it("preview their text, show the add form only when asked for, and ask before a delete", async () => {
    const parlor = await gateway();
    await visitor(parlor, "Vera", "Where is my order?");
    const { page, signIn } = await operator(parlor, "Anna");
    await connectTo(page, "Vera");
    await page.click('[data-testid="quick"]');
    const picker = page.locator('[data-testid="quick-replies"]');
    await picker.waitFor();
    expect(await picker.locator('[data-testid="quick-form"]').count()).toBe(0);
    await picker.locator('[data-testid="quick-add"]').click();
    // Empty fields are said in words, not silently ignored.
    await picker.locator('[data-testid="quick-save"]').click();
    await picker.getByRole("alert").waitFor();
    await page.fill('[data-testid="quick-title"]', "greet");
    await page.fill('[data-testid="quick-text"]', "Hello, this is %name%. How can I help you today?");
    await page.click('[data-testid="quick-save"]');
    await picker.locator('[data-testid="quick-form"]').waitFor({ state: "detached" });
    expect(await picker.locator('[data-testid="quick-preview"]').textContent()).toBe("Hello, this is Anna. How can I help you today?");

    // A delete asks first; Keep keeps it.
    await picker.locator('[data-testid="quick-delete"]').click();
    await picker.locator('[data-testid="quick-confirm"]', { hasText: "Delete “greet”?" }).waitFor();
    await picker.getByRole("button", { name: "Keep" }).click();
    await picker.locator('[data-testid="quick-preview"]').waitFor();
    const session = await login(parlor, signIn.email, signIn.password);
    const kept = () => api<{ quick_replies: unknown[] }>(parlor, "GET", "/quick-replies", { token: session.token });
    expect((await kept()).quick_replies).toHaveLength(1);
    await picker.locator('[data-testid="quick-delete"]').click();
    await picker.locator('[data-testid="quick-confirm-delete"]').click();
    await picker.locator('[data-testid="quick-reply"]').waitFor({ state: "detached" });
    expect((await kept()).quick_replies).toHaveLength(0);

    // Used with a click, it goes into the composer with my name.
    await page.click('[data-testid="quick-add"]');
    await page.fill('[data-testid="quick-title"]', `t-${newId().slice(0, 4)}`);
    await page.fill('[data-testid="quick-text"]', "Signed, %name%");
    await page.click('[data-testid="quick-save"]');
    await picker.locator('[data-testid="quick-use"]').click();
    expect(await page.inputValue('[data-testid="composer"]')).toBe("Signed, Anna");
  });
});
