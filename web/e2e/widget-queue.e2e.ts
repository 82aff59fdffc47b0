// Automatic distribution and the queue, in real Chromium against the real gateway: an admin turns
// distribution on in Settings with room for one chat each; a new dialog goes to Anna, whose console
// rings and shows it as hers; the next visitor, in the widget, sees their place in the queue, which
// moves live as Anna closes her first dialog and takes theirs.
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerEvent } from "../protocol/protocol";
import { addOperator, consoleScene, countRings, dialogRow, rang, scriptedVisitor, startWidgetChat, type Parlor } from "./harness";

const { scene, signIn, contexts, errors } = consoleScene();
let parlor: Parlor;

beforeAll(() => {
  parlor = scene.parlor;
});

describe("automatic distribution and the queue", () => {
  it("gives a new dialog to an operator with room, rings for them, and shows the next visitor their place live", async () => {
    const anna = await addOperator(parlor, "Anna");
    const admin = await signIn(parlor.admin);
    await admin.click('[data-testid="settings-button"]');
    const form = admin.locator('[data-testid="chat-handling"]');
    await form.locator('[data-testid="handling-distribution"]').check();
    await form.locator('[data-testid="handling-max-chats"]').fill("1");
    await form.locator('[data-testid="handling-save"]').click();
    await form.locator('[data-testid="handling-saved"]', { hasText: "distribution on" }).waitFor();
    // The admin steps away: only Anna is given dialogs.
    await admin.click('[data-testid="settings-close"]');
    await admin.selectOption('[data-testid="status"]', "away");

    const annaPage = await signIn(anna);
    await countRings(annaPage);
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    await vera.send("Where is my order?");
    // Hers without a click: assigned, ringing once for her.
    await dialogRow(annaPage, "Vera").locator('[data-testid="assignee"]', { hasText: "Anna" }).waitFor();
    await rang(annaPage);
    await vera.client.waitFor((e: ServerEvent) => e.type === "message.created" && e.message.event?.event === "joined");

    // Anna is full: Lena, in the widget, waits in the queue and is told her place.
    const context = await scene.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    const chat = await startWidgetChat(page, parlor, "Lena", "Do you ship to Norway?");
    const notice = chat.locator('[data-testid="queue"]');
    await notice.filter({ hasText: "You are number 1 in the queue." }).waitFor();
    expect(await notice.textContent()).not.toContain("Estimated wait");
    // Olek comes after her.
    const olek = await scriptedVisitor(parlor, { name: "Olek" });
    await olek.send("Hello?");
    const olekQueued = await olek.client.waitFor((e: ServerEvent) => e.type === "queue.position");
    expect(olekQueued).toMatchObject({ type: "queue.position", position: 2 });
    // Anna's sidebar shows Lena's dialog waiting in the queue.
    await dialogRow(annaPage, "Lena").locator('[data-testid="queued-badge"]').waitFor();

    // Anna closes Vera's dialog: Lena's is hers at once, and Lena's notice goes as Anna joins.
    await dialogRow(annaPage, "Vera").locator(".row-main").click();
    await annaPage.click('[data-testid="close"]');
    await dialogRow(annaPage, "Lena").locator('[data-testid="assignee"]', { hasText: "Anna" }).waitFor();
    expect(await dialogRow(annaPage, "Lena").locator('[data-testid="queued-badge"]').count()).toBe(0);
    await chat.locator(".m.system", { hasText: "Anna joined the dialog" }).waitFor();
    await notice.waitFor({ state: "detached" });
    // Olek moves up, now with an estimate: the queue has moved once.
    const moved = await olek.client.waitFor((e: ServerEvent) => e.type === "queue.position" && e.position === 1);
    expect(moved).toMatchObject({ position: 1 });
    expect((moved as { estimated_wait_secs?: number }).estimated_wait_secs).toBeGreaterThanOrEqual(0);
    vera.client.close();
    olek.client.close();
  });
});
