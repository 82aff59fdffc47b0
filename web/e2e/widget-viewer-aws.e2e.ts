// The widget's full-page image viewer in AWS's shape, in real Chromium: the customer's page, the
// widget's frame and storage each on an origin of their own, with the deployed CSP. The frame asks
// the loader across origins to cover the page, and saves a picture from storage's origin.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../protocol/protocol";
import { chatFrame, gatewayAndBrowser, png, screenshot, scriptedOperator, startWidgetChat } from "./harness";
import { operatorSendsPictures } from "./pictures";

const scene = gatewayAndBrowser({ shape: "aws" });

describe("the widget's image viewer on a customer's site of another origin", () => {
  it("covers the customer's page, saves the picture under its name, and goes back to its corner", async () => {
    const { parlor, browser } = scene;
    const operator = await scriptedOperator(parlor, parlor.admin.email, parlor.admin.password);
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const chat = await startWidgetChat(page, parlor, "Rosa", "Can I see the colour?");
    expect(new URL(page.url()).origin).not.toBe(new URL(chatFrame(page).url()).origin);
    const created = await operator.client.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
      (e) => e.type === "dialog.created" && e.dialog.visitor_name === "Rosa",
    );
    await operator.client.request({ action: "assign", op: "join", dialog_id: created.dialog.id });
    const picture = png(900, 600);
    await operatorSendsPictures(parlor, operator.session.token, operator.client, created.dialog.id, "This colour", [{ name: "colour.png", bytes: picture }]);

    await chat.getByRole("button", { name: "Open image colour.png" }).click();
    await chat.getByRole("dialog", { name: "colour.png" }).waitFor();
    const frame = page.locator("[data-parlor] iframe");
    await expect.poll(() => frame.boundingBox()).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    await screenshot(page, "widget-viewer-aws-shape");

    const link = chat.getByRole("link", { name: "Download colour.png" });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("colour.png");
    expect((await readFile((await download.path())!)).equals(picture)).toBe(true);

    await page.keyboard.press("Escape");
    await expect.poll(async () => (await frame.boundingBox())?.width).toBe(370);
    expect(errors).toEqual([]);
    operator.client.close();
    await context.close();
  });
});
