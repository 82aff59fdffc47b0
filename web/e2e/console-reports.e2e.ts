// Reports in real Chromium against the real gateway: known dialogs are run by scripted clients
// (two closed by Anna, one answered and one not; one left waiting), then the admin's Reports view
// shows exactly those figures per operator and for the team, the CSV download holds them, the live
// board counts the waiting dialog, and Anna's card (from her name) shows her day; Escape closes it.
// An operator whose groups may view reports is offered them; one without is not, and the server
// refuses them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { addOperator, api, gatewayAndBrowser, HttpError, login, scriptedOperator, scriptedVisitor, seriousAxeViolations, signedInConsole, type Parlor } from "./harness";
import { newId } from "../common/ids";

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

describe("reports in the console", () => {
  it("shows the figures of known dialogs, exports them as CSV, and is offered only with the right", async () => {
    const anna = await addOperator(parlor, "Anna");
    const boris = await addOperator(parlor, "Boris");
    const lead = await addOperator(parlor, "Lead");
    const a = await scriptedOperator(parlor, anna.email, anna.password);
    // Vera is answered, then her dialog closed; Olek's is closed unanswered (missed).
    const vera = await scriptedVisitor(parlor, { name: "Vera" });
    const first = await vera.send("Where is my parcel?");
    await a.client.request({ action: "assign", op: "join", dialog_id: first.dialog_id });
    await a.client.request({ action: "message", op: "send", dialog_id: first.dialog_id, client_id: newId(), text: "On its way." });
    await a.client.request({ action: "close", op: "close", dialog_id: first.dialog_id });
    const olek = await scriptedVisitor(parlor, { name: "Olek" });
    const second = await olek.send("Hello?");
    await a.client.request({ action: "assign", op: "join", dialog_id: second.dialog_id });
    await a.client.request({ action: "close", op: "close", dialog_id: second.dialog_id });
    // Wanda waits.
    const wanda = await scriptedVisitor(parlor, { name: "Wanda" });
    await wanda.send("Anyone?");

    const admin = await signIn(parlor.admin, { bypassCSP: true });
    await admin.click('[data-testid="reports-button"]');
    const row = admin.locator(`[data-testid="report-row"][data-operator="${anna.operator.id}"]`);
    await row.waitFor();
    const cell = (r: typeof row, name: string) => r.locator(`[data-cell="${name}"]`).textContent();
    expect(await cell(row, "closed")).toBe("2");
    expect(await cell(row, "missed")).toBe("1");
    expect(await cell(row, "first-response")).toMatch(/^\d+ s$/);
    const team = admin.locator('[data-testid="report-team"]');
    expect(await cell(team, "closed")).toBe("2");
    expect(await cell(team, "missed")).toBe("1");
    const borisRow = admin.locator(`[data-testid="report-row"][data-operator="${boris.operator.id}"]`);
    expect(await cell(borisRow, "closed")).toBe("0");
    expect(await cell(borisRow, "reply")).toBe("–");
    expect(await admin.locator('[data-testid="closed-chart"] rect').count()).toBe(7);

    // The CSV holds the same figures.
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.click('[data-testid="report-csv"]')]);
    const csv = readFileSync((await download.path())!, "utf8").split("\n");
    expect(csv[0]).toMatch(/^operator_id,operator,day,online_s,/);
    const total = csv.find((l) => l.startsWith(`${anna.operator.id},Anna,total,`))!.split(",");
    expect([total[7], total[9], total[11], total[13]]).toEqual(["2", "1", "1", "1"]);

    // The live board: Wanda waits; Anna is online with nothing open.
    expect(await admin.locator('[data-testid="live-open"]').textContent()).toBe("1");
    expect(await admin.locator('[data-testid="live-waiting"]').textContent()).toBe("1");
    expect(await admin.locator(`[data-testid="live-operator"][data-operator="${anna.operator.id}"]`).getAttribute("data-available")).toBe("true");

    // Anna's card from her name: her day; Escape closes it.
    await row.locator('[data-testid="operator-link"]').click();
    const card = admin.locator('[data-testid="operator-details"]');
    await card.locator('[data-testid="card-closed"]').waitFor();
    expect(await card.locator('[data-testid="card-closed"]').textContent()).toBe("2");
    expect(await card.locator('[data-testid="card-load"]').textContent()).toBe("0");
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await admin.keyboard.press("Escape");
    await card.waitFor({ state: "detached" });

    // A period the server would refuse is refused in place.
    await admin.fill('[data-testid="period-from"]', "2026-12-31");
    await admin.fill('[data-testid="period-to"]', "2026-01-01");
    await admin.click('[data-testid="period-show"]');
    expect(await admin.locator('[data-testid="report-error"]').textContent()).toBe("The first day is after the last.");

    // Boris is not offered Reports, and the server refuses him.
    const b = await signIn(boris);
    expect(await b.locator('[data-testid="reports-button"]').count()).toBe(0);
    const borisToken = (await login(parlor, boris.email, boris.password)).token;
    const refused = await api(parlor, "GET", "/reports?from=2026-01-01&to=2026-01-02", { token: borisToken }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(403);

    // A group that may view reports offers them to its member.
    const adminToken = (await login(parlor, parlor.admin.email, parlor.admin.password)).token;
    const group = await api<{ id: string }>(parlor, "POST", "/groups", { token: adminToken, body: { name: "Leads", rights: ["view_reports"] } });
    await api(parlor, "PUT", `/operators/${lead.operator.id}/groups`, { token: adminToken, body: { groups: [group.id] } });
    const l = await signIn(lead);
    await l.click('[data-testid="reports-button"]');
    await l.locator(`[data-testid="report-row"][data-operator="${anna.operator.id}"]`).waitFor();

    for (const c of [a.client, vera.client, olek.client, wanda.client]) c.close();
  });
});
