// The admins' Settings in real Chromium against the real gateway: the admin adds an operator
// through the form (who then signs in and sees no Settings), changes the widget's look and the
// origins it may run on (checked through the API), sees a bad origin refused in place, and loses
// neither the socket nor a draft on the way; axe-core finds nothing serious on the view.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { SiteView } from "../protocol/protocol";
import { api, consoleSignIn, signedInConsole, dialogRow, gatewayAndBrowser, HttpError, login, screenshot, scriptedVisitor, seriousAxeViolations, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
let admin: Page;
let sockets = 0;
const errors: string[] = [];
const boris = { name: "Boris", email: "boris@parlor.test", password: "boris-password-1" };

function signIn(who: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  return signedInConsole(scene.browser, parlor, who, { contexts, errors }, options);
}

async function openSettings(page: Page): Promise<void> {
  await page.click('[data-testid="settings-button"]');
  await page.locator('[data-testid="site-form"]').first().waitFor();
}

beforeAll(async () => {
  parlor = scene.parlor;
  const context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  admin = await context.newPage();
  admin.on("pageerror", (e) => errors.push(e.message));
  admin.on("websocket", () => sockets++);
  await consoleSignIn(admin, parlor, parlor.admin);
});

afterAll(async () => {
  for (const c of contexts) await c.close();
});

describe("Settings, for admins", () => {
  it("opens over the dialogs without losing the socket or a draft", async () => {
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    await vera.send("Hello?");
    const row = dialogRow(admin, "Vera");
    await row.locator(".row-main").click();
    await admin.fill('[data-testid="composer"]', "A draft I keep");
    await openSettings(admin);
    expect(await admin.locator('[data-testid="composer"]').isVisible()).toBe(false);
    await admin.click('[data-testid="settings-close"]');
    expect(await admin.inputValue('[data-testid="composer"]')).toBe("A draft I keep");
    expect(await admin.getAttribute('[data-testid="console"]', "data-connection")).toBe("online");
    expect(sockets).toBe(1);
    vera.client.close();
  });

  it("adds an operator through the form, who signs in and sees no Settings", async () => {
    await openSettings(admin);
    const form = admin.locator('[data-testid="add-operator"]');
    // Checked in place first: nothing is sent.
    await form.locator('button[type="submit"]').click();
    expect(await form.locator(".error").count()).toBe(3);
    await form.getByLabel("Name").fill(boris.name);
    await form.getByLabel("Email").fill(boris.email);
    await form.getByLabel("Password").fill(boris.password);
    await form.getByLabel("Role").selectOption("operator");
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-testid="add-operator-done"]').waitFor();
    const member = admin.locator('[data-testid="team-member"]', { hasText: "Boris" });
    expect(await member.textContent()).toContain(boris.email);

    // The server's typed refusal shows next to the form.
    await form.getByLabel("Name").fill("Boris again");
    await form.getByLabel("Email").fill(boris.email.toUpperCase());
    await form.getByLabel("Password").fill(boris.password);
    await form.locator('button[type="submit"]').click();
    expect(await form.locator('[data-testid="add-operator-error"]').textContent()).toContain("an operator of this workspace has this email");

    const page = await signIn(boris);
    expect(await page.locator('[data-testid="settings-button"]').count()).toBe(0);
    expect(await page.locator('[data-testid="settings"]').count()).toBe(0);
    // Boris goes away: the admin's team list shows it live.
    await page.selectOption('[data-testid="status"]', "away");
    await member.locator('[data-testid="team-status"][data-status="away"]').waitFor();
    // Nor does the API give an operator the sites.
    const session = await login(parlor, boris.email, boris.password);
    await expect(api(parlor, "GET", "/sites", { token: session.token })).rejects.toMatchObject({ status: 403 });
  });

  it("changes the widget's colour, greeting and allowed origins, stored as the API shows", async () => {
    const site = admin.locator('[data-testid="site"]').first();
    expect(await site.locator('[data-testid="site-key"]').textContent()).toBe(parlor.siteKey);
    expect(await site.locator('[data-testid="snippet"]').inputValue()).toBe(
      `<script src="${parlor.url}/widget/widget.js" data-site="${parlor.siteKey}" async></script>`,
    );
    await site.locator('[data-testid="snippet-copy"]').click();
    await site.locator(".snippet .hint", { hasText: /Copied|Selected/ }).waitFor();

    await site.locator('[data-testid="site-color"]').fill("#0A7D3B");
    await site.getByLabel("Bottom left").check();
    await site.locator('[data-testid="site-greeting"]').fill("Hi! Ask us anything.");
    await site.locator('[data-testid="site-origins"]').fill("https://shop.example\nHTTPS://www.shop.example/\n");
    await site.locator('[data-testid="site-save"]').click();
    expect(await site.locator('[data-testid="site-saved"]').textContent()).toContain("https://shop.example, https://www.shop.example");
    expect(await site.locator('[data-testid="site-color"]').inputValue()).toBe("#0a7d3b");

    const stored = await api<SiteView>(parlor, "GET", `/sites/${parlor.siteKey}`, { origin: "https://shop.example" });
    expect(stored.allowed_origins).toEqual(["https://shop.example", "https://www.shop.example"]);
    expect(stored.settings).toEqual({ color: "#0a7d3b", position: "left", greeting: "Hi! Ask us anything.", show_operator_names: true });
    const elsewhere = await api(parlor, "GET", `/sites/${parlor.siteKey}`, { origin: "https://evil.example" }).catch((e: unknown) => e);
    expect(elsewhere).toBeInstanceOf(HttpError);
    expect((elsewhere as HttpError).status).toBe(403);
  });

  it("shows a refused origin as an error and stores nothing", async () => {
    const site = admin.locator('[data-testid="site"]').first();
    await site.locator('[data-testid="site-origins"]').fill("https://shop.example\nhttps://shop.example/checkout");
    await site.locator('[data-testid="site-greeting"]').fill("Not saved");
    await site.locator('[data-testid="site-save"]').click();
    const error = await site.locator('[data-testid="site-error"]').textContent();
    expect(error).toContain("“https://shop.example/checkout” has a path");
    await screenshot(admin, "console-settings");

    const stored = await api<SiteView>(parlor, "GET", `/sites/${parlor.siteKey}`, { origin: "https://shop.example" });
    expect(stored.settings.greeting).toBe("Hi! Ask us anything.");
    expect(stored.allowed_origins).toEqual(["https://shop.example", "https://www.shop.example"]);
    expect(errors).toEqual([]);
  });

  it("has no serious or critical accessibility violations (axe-core)", async () => {
    // The page's CSP forbids the inline script addScriptTag makes: this context alone bypasses it.
    const page = await signIn(parlor.admin, { bypassCSP: true });
    await openSettings(page);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("signing out leaves nothing for the next operator: no session, no pane, no draft", async () => {
    await admin.click('[data-testid="settings-close"]').catch(() => {});
    const row = dialogRow(admin, "Vera");
    await row.locator(".row-main").click();
    await admin.fill('[data-testid="composer"]', "The admin's unsent words");
    await admin.getByRole("button", { name: "Sign out" }).click();
    await admin.locator('input[name="password"]').waitFor();
    expect(await admin.evaluate(() => sessionStorage.length)).toBe(0);
    // Boris signs in in the same tab: the admin's dialog is not open, their draft is nowhere.
    await consoleSignIn(admin, parlor, boris);
    expect(await admin.locator('[data-testid="composer"]').count()).toBe(0);
    await dialogRow(admin, "Vera").waitFor();
    expect(await admin.locator("body").textContent()).not.toContain("The admin's unsent words");
    expect(await admin.locator('[data-testid="settings-button"]').count()).toBe(0);
  });
});
