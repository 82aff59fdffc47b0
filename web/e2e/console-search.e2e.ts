// The console's quick search, in real Chromium against the real gateway: a partial email, a phone
// written differently from how the visitor gave it, and a word from an old message each find the
// right dialog and no other; a closed match is counted on the Closed tab; clearing restores the list.
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { addOperator, consoleSignIn, dialogRow as row, gatewayAndBrowser, screenshot, scriptedOperator, scriptedVisitor } from "./harness";

const scene = gatewayAndBrowser();
let anna: Page;

const names = (page: Page) => page.locator('[data-testid="dialog-row"] .visitor-name').allTextContents();
const search = (page: Page, text: string) => page.fill('[data-testid="search"]', text);

beforeAll(async () => {
  const { parlor, browser } = scene;
  const annaSignIn = await addOperator(parlor, "Anna");
  const borisSignIn = await addOperator(parlor, "Boris");

  const kira = await scriptedVisitor(parlor, { name: "Kira Sokolova", email: "kira.sokolova@example.com", phone: "+7 (912) 345-67-89" });
  await kira.send("Hello, is anyone there?");
  const kirill = await scriptedVisitor(parlor, { name: "Kirill", email: "kirill@example.com", phone: "+7 (495) 111-22-33" });
  await kirill.send("Do you ship to Voronin street?");
  const lev = await scriptedVisitor(parlor, { name: "Lev", email: "lev@example.org" });
  // The distinctive word is in an old message, not the one the list shows.
  await lev.send("My parcel went to Voronezh by mistake");
  await lev.send("Order 5521");
  await lev.send("Any news?");
  const mila = await scriptedVisitor(parlor, { name: "Mila", email: "mila.petrova@example.net" });
  const asked = await mila.send("Please cancel my subscription");

  const boris = await scriptedOperator(parlor, borisSignIn.email, borisSignIn.password);
  await boris.client.request({ action: "assign", op: "join", dialog_id: asked.dialog_id });
  await boris.client.request({ action: "close", op: "close", dialog_id: asked.dialog_id });
  boris.client.close();
  for (const v of [kira, kirill, lev, mila]) v.client.close();

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  anna = await context.newPage();
  await consoleSignIn(anna, parlor, annaSignIn);
  await row(anna, "Lev").waitFor();
});

describe("quick search in the console", () => {
  it("finds a visitor by part of their email, and says it matched the email", async () => {
    await expect.poll(() => names(anna).then((n) => n.sort())).toEqual(["Kira Sokolova", "Kirill", "Lev"]);
    expect(await anna.getAttribute('[data-testid="search"]', "placeholder")).toBe("Search name, email, phone or text");
    await search(anna, "kira.sok");
    await expect.poll(() => names(anna)).toEqual(["Kira Sokolova"]);
    expect(await row(anna, "Kira").locator('[data-testid="found-in"]').textContent()).toBe("Found in email");
  });

  it("finds a visitor by their phone written another way, and not the one with another number", async () => {
    await search(anna, "8 912 345 67 89");
    await expect.poll(() => names(anna)).toEqual(["Kira Sokolova"]);
    expect(await row(anna, "Kira").locator('[data-testid="found-in"]').textContent()).toBe("Found in phone");
    // Kira's card in the panel: the phone as given, a tel: link.
    await row(anna, "Kira").locator(".row-main").click();
    const phone = anna.locator('[data-testid="visitor-phone"] a');
    await phone.waitFor();
    expect(await phone.textContent()).toBe("+7 (912) 345-67-89");
    expect(await phone.getAttribute("href")).toBe("tel:+79123456789");
  });

  it("finds a word from an old message and shows that message in the row", async () => {
    await search(anna, "voronezh");
    await expect.poll(() => names(anna)).toEqual(["Lev"]);
    const lev = row(anna, "Lev");
    expect(await lev.locator('[data-testid="found-in"]').textContent()).toBe("Found in message");
    expect(await lev.locator('[data-testid="found-text"]').textContent()).toBe("My parcel went to Voronezh by mistake");
    expect(await lev.locator(".last").textContent()).not.toContain("Any news?");
    await screenshot(anna, "console-search");
  });

  it("counts a closed match on the Closed tab, which shows it", async () => {
    await search(anna, "mila.pet");
    await anna.locator('[data-testid="tab-closed"] [data-testid="tab-count"]', { hasText: "1" }).waitFor();
    expect(await anna.locator('[data-testid="tab-closed"]').textContent()).toBe("Closed · 1");
    expect(await anna.locator('[data-testid="tab-closed"]').getAttribute("aria-label")).toBe("Closed, 1 found");
    expect(await names(anna)).toEqual([]);
    await anna.click('[data-testid="tab-closed"]');
    await expect.poll(() => names(anna)).toEqual(["Mila"]);
    // Now the Open tab is the other one: nothing there.
    expect(await anna.locator('[data-testid="tab-open"]').textContent()).toBe("Open · 0");
  });

  it("clearing the search restores the lists and the plain tab labels", async () => {
    await search(anna, "");
    await anna.locator('[data-testid="tab-count"]').first().waitFor({ state: "detached" });
    expect(await names(anna)).toEqual(["Mila"]);
    await anna.click('[data-testid="tab-open"]');
    await expect.poll(() => names(anna).then((n) => n.sort())).toEqual(["Kira Sokolova", "Kirill", "Lev"]);
    expect(await anna.locator('[data-testid="found-in"]').count()).toBe(0);
    expect(await row(anna, "Lev").locator(".last").textContent()).toBe("Any news?");
  });
});
