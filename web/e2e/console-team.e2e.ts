// An operator's lifecycle in real Chromium against the real gateway: the account panel (name,
// password, signing out here and everywhere), the admin's Team page (role, password reset,
// deactivation and reactivation, each asked for first; the last admin's own demotion and
// deactivation not offered, saying why), a console whose session the server ended going back to
// sign-in with a plain message, and the sign-in page's choice of workspace where an address signs
// in to several.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { OperatorView } from "../protocol/protocol";
import { addOperator, api, consoleSignIn, signedInConsole, gatewayAndBrowser, HttpError, login, scriptedVisitor, seriousAxeViolations, type Parlor } from "./harness";

/** Read at each start of the gateway: the last test signs a second workspace's admin in. */
const gatewayEnv: Record<string, string> = {};
const scene = gatewayAndBrowser({ env: gatewayEnv });
let parlor: Parlor;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

function signIn(who: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  return signedInConsole(scene.browser, parlor, who, { contexts, errors }, options);
}

async function openAccount(page: Page): Promise<void> {
  await page.click('[data-testid="account-button"]');
  await page.locator('[data-testid="account"]').waitFor();
}

async function openTeam(page: Page): Promise<void> {
  await page.click('[data-testid="settings-button"]');
  await page.locator('[data-testid="team"]').waitFor();
}

/** The sign-in page, after the server ended the session, with what it says. */
async function backAtSignIn(page: Page): Promise<string> {
  await page.locator('[data-testid="login-ended"]').waitFor();
  expect(await page.evaluate(() => sessionStorage.getItem("parlor.console.session"))).toBeNull();
  return (await page.locator('[data-testid="login-ended"]').textContent()) ?? "";
}

function member(page: Page, name: string) {
  return page.locator('[data-testid="team-member"]', { hasText: name });
}

async function operators(): Promise<OperatorView[]> {
  const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
  return (await api<{ operators: OperatorView[] }>(parlor, "GET", "/operators", { token: admin.token })).operators;
}

beforeAll(() => {
  parlor = scene.parlor;
});

afterAll(async () => {
  for (const c of contexts) await c.close();
});

describe("my account", () => {
  it("changes my display name, which a colleague's Team page shows at once", async () => {
    const anna = await addOperator(parlor, "Anna");
    const page = await signIn(anna);
    const admin = await signIn(parlor.admin);
    await openTeam(admin);
    await member(admin, "Anna").waitFor();

    await openAccount(page);
    const form = page.locator('[data-testid="account-name"]');
    await form.getByLabel("Name").fill("   ");
    await form.locator('button[type="submit"]').click();
    expect(await form.locator('[data-testid="account-name-error"]').textContent()).toContain("Give a name");
    await form.getByLabel("Name").fill("Anna Karenina");
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-testid="account-name-done"]').waitFor();
    expect(await page.locator('[data-testid="account-button"]').textContent()).toBe("Anna Karenina");
    await member(admin, "Anna Karenina").waitFor();
    expect(await api<OperatorView>(parlor, "GET", "/me", { token: (await login(parlor, anna.email, anna.password)).token })).toMatchObject({ name: "Anna Karenina" });
  });

  it("changes my password, staying signed in here while other sessions end", async () => {
    const boris = await addOperator(parlor, "Boris");
    const page = await signIn(boris);
    const elsewhere = await signIn(boris);
    await openAccount(page);
    const form = page.locator('[data-testid="account-password"]');
    await form.getByLabel("Current password").fill("not-my-password");
    await form.getByLabel("New password").fill("a longer horse, stapled");
    await form.locator('button[type="submit"]').click();
    expect(await form.locator('[data-testid="account-password-error"]').textContent()).toContain("current password is not right");
    await form.getByLabel("Current password").fill(boris.password);
    await form.getByLabel("New password").fill("password");
    await form.locator('button[type="submit"]').click();
    expect(await form.locator('[data-testid="account-password-error"]').textContent()).toContain("guesser");

    await form.getByLabel("New password").fill("a longer horse, stapled");
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-testid="account-password-done"]').waitFor();
    // This console is still signed in: its socket, closed by the server, came back with the new session.
    await page.click('[data-testid="account-close"]');
    await page.waitForSelector('[data-testid="console"][data-connection="online"]');
    expect(await page.locator('[data-testid="login"]').count()).toBe(0);
    // The other one went back to sign-in, saying so.
    expect(await backAtSignIn(elsewhere)).toContain("You were signed out");
    await expect(login(parlor, boris.email, boris.password)).rejects.toMatchObject({ status: 401 });
    await login(parlor, boris.email, "a longer horse, stapled");
    // The kept session is the new one: a reload stays signed in.
    await page.reload();
    await page.waitForSelector('[data-testid="console"][data-connection="online"]');
  });

  it("signs out everywhere after asking, and every console of mine goes back to sign-in", async () => {
    const carl = await addOperator(parlor, "Carl");
    const page = await signIn(carl);
    const elsewhere = await signIn(carl);
    await openAccount(page);
    await page.click('[data-testid="account-sign-out-everywhere"]');
    await page.locator('[data-testid="account-confirm"]').waitFor();
    await page.click('[data-testid="account-confirm-yes"]');
    await page.locator('input[name="password"]').waitFor();
    expect(await page.locator('[data-testid="login-ended"]').count(), "signing myself out is no surprise").toBe(0);
    expect(await backAtSignIn(elsewhere)).toContain("You were signed out");
  });

  it("signs out on the server: the session's token no longer works", async () => {
    const dora = await addOperator(parlor, "Dora");
    const page = await signIn(dora);
    const token = await page.evaluate(() => sessionStorage.getItem("parlor.console.session"));
    expect(token).toBeTruthy();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator('input[name="password"]').waitFor();
    await expect(api(parlor, "GET", "/me", { token: token! })).rejects.toMatchObject({ status: 401 });
  });

  it("has no serious or critical accessibility violations (axe-core)", async () => {
    const eve = await addOperator(parlor, "Eve");
    const page = await signIn(eve, { bypassCSP: true });
    await openAccount(page);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

describe("the Team page, for admins", () => {
  it("does not offer the last active admin's demotion or deactivation, and says why", async () => {
    const admin = await signIn(parlor.admin);
    await openTeam(admin);
    const me = member(admin, parlor.admin.email);
    expect(await me.locator('[data-testid="member-role"]').isDisabled()).toBe(true);
    expect(await me.locator('[data-testid="member-deactivate"]').isDisabled()).toBe(true);
    expect(await me.locator('[data-testid="member-why"]').textContent()).toContain("only active admin");
    expect(await me.locator('[data-testid="member-password"]').count(), "my own password is changed in my account").toBe(0);
  });

  it("makes an operator an admin and back, after asking", async () => {
    const fred = await addOperator(parlor, "Fred");
    const page = await signIn(fred);
    expect(await page.locator('[data-testid="settings-button"]').count()).toBe(0);
    const admin = await signIn(parlor.admin);
    await openTeam(admin);
    const row = member(admin, "Fred");
    await row.locator('[data-testid="member-role"]').click();
    expect(await row.locator('[data-testid="member-confirm"]').textContent()).toContain("Make Fred an admin?");
    await row.locator('[data-testid="member-confirm-yes"]').click();
    await row.locator('[data-testid="team-role"]', { hasText: "Admin" }).waitFor();
    // Fred's console hears of it: Settings appears without a reload.
    await page.locator('[data-testid="settings-button"]').waitFor();
    // Now two admins: the first admin's own demotion is offered.
    expect(await member(admin, parlor.admin.email).locator('[data-testid="member-role"]').isDisabled()).toBe(false);

    await row.locator('[data-testid="member-role"]').click();
    await row.locator('[data-testid="member-confirm-yes"]').click();
    await row.locator('[data-testid="team-role"]', { hasText: "Operator" }).waitFor();
    await page.locator('[data-testid="settings-button"]').waitFor({ state: "detached" });
  });

  it("resets an operator's password: their console goes back to sign-in", async () => {
    const gina = await addOperator(parlor, "Gina");
    const page = await signIn(gina);
    const admin = await signIn(parlor.admin);
    await openTeam(admin);
    const row = member(admin, "Gina");
    await row.locator('[data-testid="member-password"]').click();
    const form = row.locator('[data-testid="member-password-form"]');
    await form.locator("input").fill("password");
    await form.locator('[data-testid="member-password-save"]').click();
    expect(await row.locator('[data-testid="member-error"]').textContent()).toContain("guesser");
    await form.locator("input").fill("told in person, 2024");
    await form.locator('[data-testid="member-password-save"]').click();
    expect(await row.locator('[data-testid="member-done"]').textContent()).toContain("signs in with the new password");
    expect(await backAtSignIn(page)).toContain("You were signed out");
    await login(parlor, gina.email, "told in person, 2024");
  });

  it("deactivates an operator after asking: their console goes back to sign-in, their dialog to the queue", async () => {
    const hana = await addOperator(parlor, "Hana");
    const page = await signIn(hana);
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    await vera.send("Is anyone there?");
    // Opening the waiting dialog takes it: Hana is in charge.
    await page.locator('[data-testid="dialog-row"]', { hasText: "Vera" }).locator(".row-main").click();
    await page.locator('[data-testid="dialog-row"][data-colour="mine"]', { hasText: "Vera" }).waitFor();

    const admin = await signIn(parlor.admin);
    await openTeam(admin);
    const row = member(admin, "Hana");
    await row.locator('[data-testid="member-deactivate"]').click();
    expect(await row.locator('[data-testid="member-confirm"]').textContent()).toContain("go back to the queue");
    await row.locator('[data-testid="member-confirm-yes"]').click();
    await admin.locator('[data-testid="team-member"][data-active="false"]', { hasText: "Hana" }).waitFor();
    expect(await row.locator('[data-testid="team-status"]').textContent()).toContain("deactivated");

    expect(await backAtSignIn(page)).toContain("deactivated");
    await page.fill('input[name="email"]', hana.email);
    await page.fill('input[name="password"]', hana.password);
    await page.click('button[type="submit"]');
    expect(await page.locator('.login .error').textContent()).toContain("deactivated");

    // The admin's sidebar shows the dialog waiting again, with the event in its timeline.
    await admin.click('[data-testid="settings-close"]');
    const waiting = admin.locator('[data-testid="dialog-row"]', { hasText: "Vera" });
    await waiting.locator(".row-main").click();
    await admin.locator('[data-testid="system"][data-event="handed_back"]', { hasText: "deactivated Hana" }).waitFor();
    // Nobody may transfer to her.
    const ops = await operators();
    expect(ops.find((o) => o.id === hana.operator.id)?.active).toBe(false);

    await openTeam(admin);
    await row.locator('[data-testid="member-reactivate"]').click();
    await row.locator('[data-testid="member-confirm-yes"]').click();
    await admin.locator('[data-testid="team-member"][data-active="true"]', { hasText: "Hana" }).waitFor();
    await consoleSignIn(page, parlor, hana);
    vera.client.close();
    expect(errors).toEqual([]);
  });
});

describe("an address in several workspaces", () => {
  it("is asked which workspace to sign in to", async () => {
    const sam = { email: "sam@parlor.test", password: "sams-one-password" };
    // A second workspace: the gateway's first run for another admin address, then back.
    Object.assign(gatewayEnv, { PARLOR_ADMIN_EMAIL: sam.email, PARLOR_ADMIN_PASSWORD: sam.password });
    await parlor.restart();
    delete gatewayEnv.PARLOR_ADMIN_EMAIL;
    delete gatewayEnv.PARLOR_ADMIN_PASSWORD;
    await parlor.restart();
    // The same address, and password, in the first workspace: taken as any new address.
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const here = await api<OperatorView>(parlor, "POST", "/operators", { token: admin.token, body: { ...sam, name: "Sam here", role: "operator" } });
    const refused = await api(parlor, "POST", "/operators", { token: admin.token, body: { ...sam, name: "Sam again", role: "operator" } }).catch((e: unknown) => e);
    expect((refused as HttpError).status).toBe(400);

    const context = await scene.browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${parlor.url}/`);
    await page.fill('input[name="email"]', sam.email);
    await page.fill('input[name="password"]', sam.password);
    await page.click('button[type="submit"]');
    const choice = page.locator('[data-testid="workspace-choice"]');
    await choice.waitFor();
    const offered = await choice.locator("button").allTextContents();
    expect(offered).toHaveLength(2);
    expect(offered.every((label) => label.startsWith("Demo workspace ("))).toBe(true);
    // The one that holds "Sam here".
    const mine = await login(parlor, sam.email, sam.password).catch((e: HttpError) => e.body as { error: { workspaces: { id: string }[] } });
    const ids = (mine as { error: { workspaces: { id: string }[] } }).error.workspaces.map((w) => w.id);
    const workspaceOfHere = await Promise.all(
      ids.map(async (id) => ({ id, op: (await api<{ operator: OperatorView }>(parlor, "POST", "/login", { body: { ...sam, workspace: id } })).operator })),
    );
    const target = workspaceOfHere.find((w) => w.op.id === here.id)!;
    await choice.locator(`button[data-workspace="${target.id}"]`).click();
    await page.waitForSelector('[data-testid="console"][data-connection="online"]');
    expect(await page.locator('[data-testid="account-button"]').textContent()).toBe("Sam here");
  });
});
