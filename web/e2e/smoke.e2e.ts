// The ground the browser suites stand on: the built web apps are served by the real gateway, the
// pages load in Chromium without errors, and the scripted clients talk to the same gateway.
import { describe, expect, it } from "vitest";
import { addOperator, scriptedOperator, scriptedVisitor, gatewayAndBrowser } from "./harness";

const scene = gatewayAndBrowser();

describe("the local gateway serves the built web apps", () => {
  it("loads the console and the demo page without script errors, under the gateway's CSP", async () => {
    const page = await scene.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const console = await page.goto(`${scene.parlor.url}/`);
    expect(console?.status()).toBe(200);
    expect(console?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.waitForSelector("#app *");
    const demo = await page.goto(`${scene.parlor.url}/demo/`);
    expect(demo?.status()).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a scripted visitor's message reaches a scripted operator", async () => {
    const anna = await addOperator(scene.parlor, "Anna");
    const op = await scriptedOperator(scene.parlor, anna.email, anna.password);
    const visitor = await scriptedVisitor(scene.parlor, { name: "Vera" });
    const sent = await visitor.send("Where is my order?");
    const created = await op.client.waitFor((e) => e.type === "dialog.created");
    expect(created).toMatchObject({ type: "dialog.created", ring: true, message: { seq: sent.seq, text: "Where is my order?" } });
    visitor.client.close();
    op.client.close();
  });
});
