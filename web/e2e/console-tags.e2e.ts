// Tags in real Chromium against the real gateway (seed 002): an admin makes two tags in Settings;
// an operator tags two contacts from their cards (one with both, one with one, pinned) and the
// rows show the pinned ones under the name; the sidebar's tag filter with both tags selected (AND)
// shows only the dialog whose contact has both, "No tags set" only the untagged one, and each tag
// is listed with its count of dialogs, the most used first.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { TagList } from "../protocol/protocol";
import { addOperator, api, consoleScene, dialogRow, login, screenshot, scriptedVisitor, seriousAxeViolations, signedInConsole } from "./harness";

const { scene, signIn, contexts, errors } = consoleScene();

/** Opens the dialog's row and, on its contact card, adds the tag named. */
async function tag(page: Page, visitor: string, tagName: string): Promise<void> {
  await dialogRow(page, visitor).locator(".row-main").click();
  const card = page.locator('[data-testid="contact-card"]');
  await card.locator('[data-testid="contact-tag-add"]').selectOption({ label: tagName });
  await card.locator('[data-testid="contact-tag"]', { hasText: tagName }).waitFor();
}

/** The visitor names of the rows the list shows now. */
async function shown(page: Page): Promise<string[]> {
  const names = await page.locator('[data-testid="dialog-row"] .visitor-name').allTextContents();
  return names.sort();
}

describe("tags", () => {
  it("are made by an admin, put on contacts by an operator, and filter the list with AND and 'No tags'", async () => {
    const parlor = scene.parlor;
    // Axe runs in the admin's page: its context lets the checker's script in.
    const admin = await signedInConsole(scene.browser, parlor, parlor.admin, { contexts, errors }, { bypassCSP: true });
    await admin.click('[data-testid="settings-button"]');
    const settings = admin.locator('[data-testid="tags-settings"]');
    for (const [name, colour] of [
      ["VIP", "#d4a000"],
      ["Wholesale", "#2a7ae2"],
    ]) {
      const form = settings.locator('[data-testid="tag-new"]');
      await form.locator('[data-testid="tag-name"]').fill(name);
      await form.locator('[data-testid="tag-colour"]').fill(colour);
      await form.locator('[data-testid="tag-save"]').click();
      await settings.locator('[data-testid="tag-row"]').nth(name === "VIP" ? 0 : 1).waitFor();
    }
    // A name another tag has, in another case, is refused in words.
    const form = settings.locator('[data-testid="tag-new"]');
    await form.locator('[data-testid="tag-name"]').fill("vip");
    await form.locator('[data-testid="tag-save"]').click();
    expect(await form.locator('[data-testid="tag-error"]').textContent()).toBe("another tag has this name");
    expect(await seriousAxeViolations(admin)).toEqual([]);

    for (const name of ["Vera", "Olga", "Petr"]) await (await scriptedVisitor(parlor, { name })).send(`Hello, I am ${name}`);
    const who = await addOperator(parlor, "Anna");
    const anna = await signIn(who);
    for (const name of ["Vera", "Olga", "Petr"]) await dialogRow(anna, name).waitFor();

    // Vera gets both tags, Olga VIP, pinned; Petr none.
    await tag(anna, "Vera", "VIP");
    await tag(anna, "Vera", "Wholesale");
    await tag(anna, "Olga", "VIP");
    const card = anna.locator('[data-testid="contact-card"]');
    await card.locator('[data-testid="contact-tag"]', { hasText: "VIP" }).locator('[data-testid="contact-tag-pin"]').click();
    await card.locator('[data-testid="contact-tag"][data-pinned="true"]').waitFor();
    await dialogRow(anna, "Olga").locator('[data-testid="row-tag"]', { hasText: "VIP" }).waitFor();
    expect(await dialogRow(anna, "Vera").locator('[data-testid="row-tag"]').count(), "Vera's tags are not pinned").toBe(0);

    // The filter lists the tags with their counts, the most used first.
    await anna.click('[data-testid="tag-filter-toggle"]');
    const choices = anna.locator('[data-testid="tag-choice"]');
    await expect.poll(() => choices.allTextContents()).toEqual(["VIP2", "Wholesale1"]);
    const { token } = await login(parlor, who.email, who.password);
    const listed = await api<TagList>(parlor, "GET", "/tags", { token });
    expect(listed.tags.map((t) => [t.name, t.dialogs])).toEqual([
      ["VIP", 2],
      ["Wholesale", 1],
    ]);

    // Both selected: only the dialog whose contact has both (AND); the selected move to the top.
    await choices.filter({ hasText: "Wholesale" }).locator("input").check();
    await expect.poll(() => shown(anna)).toEqual(["Vera"]);
    expect(await choices.first().textContent()).toBe("Wholesale1");
    await choices.filter({ hasText: "VIP" }).locator("input").check();
    await expect.poll(() => shown(anna)).toEqual(["Vera"]);

    // No tags set: only Petr's, and the list is off.
    await anna.click('[data-testid="tag-filter-none"]');
    await expect.poll(() => shown(anna)).toEqual(["Petr"]);
    expect(await choices.first().locator("input").isDisabled()).toBe(true);

    // Pinned only: Olga, whose contact pinned VIP; the list offers VIP alone.
    await anna.click('[data-testid="tag-filter-all"]');
    await expect.poll(() => shown(anna)).toEqual(["Olga", "Petr", "Vera"]);
    await anna.click('[data-testid="tag-filter-pinned"]');
    await expect.poll(() => shown(anna)).toEqual(["Olga"]);
    await expect.poll(() => choices.allTextContents()).toEqual(["VIP2"]);
    await screenshot(anna, "console-tags-filter");

    // Pinned off again; the search box finds a tag by name.
    await anna.click('[data-testid="tag-filter-pinned"]');
    await expect.poll(() => shown(anna)).toEqual(["Olga", "Petr", "Vera"]);
    await anna.fill('[data-testid="tag-filter-search"]', "whole");
    await expect.poll(() => choices.allTextContents()).toEqual(["Wholesale1"]);
  });
});
