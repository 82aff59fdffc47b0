// Presence in real Chromium against the real gateway: an operator is available only while online
// with a console open. Colleagues see a console open and close wherever the operator's name shows
// (the team list, the dialog's assignee), the transfer list offers only available operators, and a
// dialog transferred to an operator rings for them.
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { ChatHandling } from "../protocol/protocol";
import { addOperator, api, login, dialogRow, consoleScene, countRings, rang, scriptedVisitor, type Parlor } from "./harness";

const { scene, signIn } = consoleScene();
let parlor: Parlor;

beforeAll(() => {
  parlor = scene.parlor;
});

function member(page: Page, name: string) {
  return page.locator('[data-testid="team-member"]', { hasText: name });
}

describe("presence in the console", () => {
  it("shows a colleague's console open and close, and offers transfers only to the available", async () => {
    const anna = await addOperator(parlor, "Anna");
    const boris = await addOperator(parlor, "Boris");
    const admin = await signIn(parlor.admin);
    await admin.click('[data-testid="settings-button"]');
    await admin.locator('[data-testid="team"]').waitFor();
    // Both are online by status, but neither has a console open.
    await member(admin, "Anna").locator('[data-testid="team-status"][data-presence="no_console"]').waitFor();
    expect(await member(admin, "Boris").locator('[data-testid="team-status"]').textContent()).toContain("no console");

    const annaPage = await signIn(anna);
    await member(admin, "Anna").locator('[data-testid="team-status"][data-presence="online"]').waitFor();
    expect(await member(admin, "Boris").locator('[data-testid="team-status"]').getAttribute("data-presence")).toBe("no_console");

    // Anna takes Vera's dialog: the admin sees her name, with her presence, on the row.
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    await vera.send("Hello?");
    await dialogRow(annaPage, "Vera").locator(".row-main").click();
    await annaPage.locator('[data-testid="pane"]').waitFor();
    await admin.click('[data-testid="settings-close"]');
    const assignee = dialogRow(admin, "Vera").locator('[data-testid="assignee"]', { hasText: "Anna" });
    await assignee.locator('[data-testid="presence"][data-presence="online"]').waitFor();

    // The admin's transfer list: Anna (available), not Boris (no console).
    await dialogRow(admin, "Vera").locator(".row-main").click();
    await admin.click('[data-testid="transfer"]');
    const offered = await admin.locator('[data-testid="transfer-to"] option').allTextContents();
    expect(offered).toEqual(["Anna"]);
    await admin.click('[data-testid="transfer-form"] button.link');

    // Anna closes her console: the row and the team list say so, and the transfer list drops her.
    await annaPage.context().close();
    await assignee.locator('[data-testid="presence"][data-presence="no_console"]').waitFor();
    await admin.click('[data-testid="transfer"]');
    await admin.locator('[data-testid="transfer-form"]', { hasText: "No other operator is available" }).waitFor();
    await admin.click('[data-testid="transfer-form"] button.link');

    // Boris opens his: he is offered, and a transfer to him rings in his console.
    const borisPage = await signIn(boris);
    await countRings(borisPage);
    await admin.click('[data-testid="transfer"]');
    await admin.selectOption('[data-testid="transfer-to"]', { label: "Boris" });
    await admin.click('[data-testid="transfer-submit"]');
    await dialogRow(borisPage, "Vera").locator('[data-testid="assignee"]', { hasText: "Boris" }).waitFor();
    await rang(borisPage);
  });

  it("hands back the dialog of an operator without a console, and the visitor's next message rings", async () => {
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const handling = await api<ChatHandling>(parlor, "GET", "/workspace/handling", { token: admin.token });
    await api(parlor, "PUT", "/workspace/handling", { token: admin.token, body: { ...handling, hand_back_after_secs: 30 } });
    const dora = await addOperator(parlor, "Dora");
    const emil = await addOperator(parlor, "Emil");
    const emilPage = await signIn(emil);
    const doraPage = await signIn(dora);
    const wendy = await scriptedVisitor(parlor, { name: "Wendy" });
    await wendy.send("Is the blue one in stock?");
    await dialogRow(doraPage, "Wendy").locator(".row-main").click();
    await doraPage.locator('[data-testid="pane"]').waitFor();
    await doraPage.fill('[data-testid="composer"]', "Let me look.");
    await doraPage.press('[data-testid="composer"]', "Enter");
    const row = dialogRow(emilPage, "Wendy");
    await row.locator('[data-testid="assignee"]', { hasText: "Dora" }).locator('[data-presence="online"]').waitFor();

    // Dora closes her console and does not come back within the workspace's 30 seconds.
    await doraPage.context().close();
    await row.locator('[data-testid="assignee"] [data-presence="no_console"]').waitFor();
    await row.locator('[data-testid="assignee"]').waitFor({ state: "detached", timeout: 60_000 });
    expect(await row.getAttribute("data-ringing"), "Wendy was answered: quiet until she writes").toBe("false");

    // Wendy writes again: it rings for Emil, as a new dialog does.
    await wendy.send("Hello? Anyone?");
    await emilPage.locator('[data-testid="dialog-row"][data-ringing="true"]', { hasText: "Wendy" }).waitFor();
    // Emil takes it, and the timeline says why Dora is gone.
    await row.locator(".row-main").click();
    await emilPage.locator('[data-testid="system"][data-event="went_offline"]', { hasText: "Dora left: offline" }).waitFor();
  }, 120_000);
});
