// Merging contacts (seed 001's "Unite"), in real Chromium against the real gateway: when a visitor
// gives an e-mail another contact holds, the merge window opens by itself with the holder on the
// left; "Unite" pulls the right one in, and the card lists both dialogs under one contact. A merge
// is also started by hand: find the other contact by name, pick it, unite.
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { ContactCard, DialogView } from "../protocol/protocol";
import { addOperator, api, consoleScene, dialogRow as row, login, scriptedVisitor, type Parlor } from "./harness";

const { scene, signIn } = consoleScene();
let parlor: Parlor;
let anna: Page;

beforeAll(async () => {
  parlor = scene.parlor;
  anna = await signIn(await addOperator(parlor, "Anna"));
});

const contactOf = async (token: string, dialogId: string) => (await api<DialogView>(parlor, "GET", `/dialogs/${dialogId}`, { token })).contact_id!;

describe("merging contacts", () => {
  it("is offered by itself on a shared e-mail, and carried out", async () => {
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const vera = await scriptedVisitor(parlor, { name: "Vera Petrova", email: "vera@shop.example" });
    const first = await vera.send("Where is my order?");
    // Vera again, from another browser, unverified: the address is another contact's already.
    const again = await scriptedVisitor(parlor, { name: "V. P.", email: "VERA@shop.example" });
    const second = await again.send("It's me, Vera");
    const veras = await contactOf(admin.token, first.dialog_id);
    const agains = await contactOf(admin.token, second.dialog_id);
    expect(agains).not.toBe(veras);

    // Opening the second dialog, the window comes by itself: the holder left, the newcomer right.
    await row(anna, "V. P.").first().locator(".row-main").click();
    const window = anna.locator('[data-testid="merge-window"]');
    await window.waitFor();
    expect(await window.locator('[data-testid="merge-because"]').textContent()).toContain("share the e-mail");
    expect(await window.locator('[data-testid="merge-left"]').getAttribute("data-contact")).toBe(veras);
    expect(await window.locator('[data-testid="merge-right"]').getAttribute("data-contact")).toBe(agains);
    expect(await window.locator('[data-testid="merge-left"]').textContent()).toContain("vera@shop.example");

    await window.locator('[data-testid="merge-unite"]').click();
    await window.waitFor({ state: "detached" });
    // One contact, both dialogs on its card, both rows under its name.
    const card = anna.locator(`[data-testid="contact-card"][data-contact="${veras}"]`);
    await card.locator('[data-testid="contact-dialog"]').nth(1).waitFor();
    const listed = await card.locator('[data-testid="contact-dialog"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-dialog")));
    expect(listed.sort()).toEqual([first.dialog_id, second.dialog_id].sort());
    await row(anna, "Vera Petrova").nth(1).waitFor();
    expect(await row(anna, "V. P.").count()).toBe(0);
    // Stored so: the merged id resolves to the united contact, which offers nothing more.
    const stored = await api<ContactCard>(parlor, "GET", `/contacts/${agains}`, { token: admin.token });
    expect(stored.contact.id).toBe(veras);
    expect(stored.offers).toEqual([]);
    expect(await contactOf(admin.token, second.dialog_id)).toBe(veras);
    // The merged visitor's widget keeps working, in the same dialog.
    expect((await again.send("Still here")).dialog_id).toBe(second.dialog_id);
    expect(await anna.locator('[data-testid="merge-window"]').count()).toBe(0);
  });

  it("is started by hand: find the other contact by name and unite", async () => {
    const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
    const kirill = await scriptedVisitor(parlor, { name: "Kirill Smirnov", phone: "+7 900 111 22 33" });
    const one = await kirill.send("Hello from the shop");
    const other = await scriptedVisitor(parlor, { name: "K. Smirnov" });
    const two = await other.send("Hello from the app");
    const kirills = await contactOf(admin.token, one.dialog_id);

    await row(anna, "Kirill Smirnov").first().locator(".row-main").click();
    const card = anna.locator(`[data-testid="contact-card"][data-contact="${kirills}"]`);
    await card.waitFor();
    await card.locator('[data-testid="contact-merge"]').click();
    const window = anna.locator('[data-testid="merge-window"]');
    await window.locator('[data-testid="merge-search"]').fill("k. smir");
    const result = window.locator('[data-testid="merge-result"]', { hasText: "K. Smirnov" });
    await result.waitFor();
    await result.click();
    await window.locator('[data-testid="merge-right"][data-contact]').waitFor();
    await window.locator('[data-testid="merge-unite"]').click();
    await window.waitFor({ state: "detached" });
    await card.locator('[data-testid="contact-dialog"]').nth(1).waitFor();
    expect(await contactOf(admin.token, two.dialog_id)).toBe(kirills);
    await row(anna, "Kirill Smirnov").nth(1).waitFor();
  });
});
