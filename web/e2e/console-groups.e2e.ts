// Groups and rights in real Chromium against the real gateway: the console offers an operator only
// what their rights allow (no Transfer on a colleague's dialog, no Settings), an admin makes a
// group that may reassign and manage settings and ticks the operator in, and the operator's open
// console offers both at once, with no reload; taking them out takes both away again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { addOperator, signedInConsole, dialogRow, gatewayAndBrowser, scriptedOperator, scriptedVisitor, seriousAxeViolations, type Parlor } from "./harness";

const scene = gatewayAndBrowser();
let parlor: Parlor;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

function signIn(who: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  return signedInConsole(scene.browser, parlor, who, { contexts, errors }, options);
}

beforeAll(() => {
  parlor = scene.parlor;
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  expect(errors).toEqual([]);
});

describe("groups and rights in the console", () => {
  it("offers an operator only what their groups allow, and follows a change at once", async () => {
    const anna = await addOperator(parlor, "Anna");
    const boris = await addOperator(parlor, "Boris");
    // Boris takes Vera's dialog: a colleague's, for Anna.
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    const first = await vera.send("Hello, who can help?");
    const b = await scriptedOperator(parlor, boris.email, boris.password);
    await b.client.request({ action: "assign", op: "join", dialog_id: first.dialog_id });

    const page = await signIn(anna);
    await dialogRow(page, "Vera").locator(".row-main").click();
    await page.locator('[data-testid="pane"]').waitFor();
    expect(await page.locator('[data-testid="transfer"]').count(), "a colleague's dialog: nothing to transfer").toBe(0);
    expect(await page.locator('[data-testid="settings-button"]').count()).toBe(0);

    const admin = await signIn(parlor.admin, { bypassCSP: true });
    await admin.click('[data-testid="settings-button"]');
    const groups = admin.locator('[data-testid="groups"]');
    await groups.locator('[data-testid="group"]').first().waitFor();
    expect(await groups.locator('[data-testid="group"]').first().textContent()).toContain("Everyone");
    const form = groups.locator('[data-testid="new-group"]');
    await form.locator('[data-testid="new-group-create"]').click();
    expect(await form.locator('[data-testid="new-group-error"]').textContent()).toBe("Give the group a name.");
    await form.getByLabel("Name").fill("Team leads");
    await form.getByLabel("Reassign any dialog").check();
    await form.getByLabel("Manage sites and settings").check();
    await form.locator('[data-testid="new-group-create"]').click();
    await form.locator('[data-testid="new-group-done"]').waitFor();
    // A second group of the same name is refused by the server, in words, in place.
    await form.getByLabel("Name").fill("team LEADS");
    await form.locator('[data-testid="new-group-create"]').click();
    expect(await form.locator('[data-testid="new-group-error"]').textContent()).toMatch(/exists/);

    const leads = groups.locator('[data-testid="group"][data-name="Team leads"]');
    await leads.locator(`[data-testid="group-member"][data-operator="${anna.operator.id}"]`).check();
    await leads.locator('[data-testid="group-saved"]').waitFor();

    // Anna's console, untouched, now offers Transfer on Boris's dialog and Settings with the sites.
    await page.locator('[data-testid="transfer"]').waitFor();
    await page.click('[data-testid="transfer"]');
    await page.locator('[data-testid="transfer-form"]').waitFor();
    await page.click('[data-testid="settings-button"]');
    await page.locator('[data-testid="site-form"]').first().waitFor();
    expect(await page.locator('[data-testid="team"]').count(), "the team stays the admins'").toBe(0);
    expect(await page.locator('[data-testid="groups"]').count()).toBe(0);
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await page.click('[data-testid="settings-close"]');

    // Out of the group: both go away again.
    await leads.locator(`[data-testid="group-member"][data-operator="${anna.operator.id}"]`).uncheck();
    await page.locator('[data-testid="settings-button"]').waitFor({ state: "detached" });
    await page.locator('[data-testid="transfer"]').waitFor({ state: "detached" });
    b.client.close();
    vera.client.close();
  });
});
