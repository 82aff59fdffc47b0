// The ground the browser suites stand on: the built web apps are served by the real gateway, the
// pages load in Chromium without errors, and the scripted clients talk to the same gateway.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { addOperator, launchBrowser, scriptedOperator, scriptedVisitor, startParlor, type Parlor } from "./harness";

let parlor: Parlor;
let browser: Browser;

beforeAll(async () => {
  parlor = await startParlor();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await parlor?.dispose();
});

describe("the local gateway serves the built web apps", () => {
  it("loads the console and the demo page without script errors, under the gateway's CSP", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const console = await page.goto(`${parlor.url}/`);
    expect(console?.status()).toBe(200);
    expect(console?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.waitForSelector("#app *");
    const demo = await page.goto(`${parlor.url}/demo/`);
    expect(demo?.status()).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a scripted visitor's message reaches a scripted operator", async () => {
    const anna = await addOperator(parlor, "Anna");
    const op = await scriptedOperator(parlor, anna.email, anna.password);
    const visitor = await scriptedVisitor(parlor, { name: "Vera" });
    const sent = await visitor.send("Where is my order?");
    const created = await op.client.waitFor((e) => e.type === "dialog.created");
    expect(created).toMatchObject({ type: "dialog.created", ring: true, message: { seq: sent.seq, text: "Where is my order?" } });
    visitor.client.close();
    op.client.close();
  });
});
