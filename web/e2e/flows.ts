// Journeys that more than one test file runs: the same steps in each shape of the gateway.
import type { Browser } from "playwright-core";
import { expect } from "vitest";
import { chatFrame, consoleSignIn, dialogRow, dropFiles, png, startWidgetChat, type Parlor } from "./harness";

/** Whether every image `selector` finds in `target` has loaded. */
const allLoaded = (target: { evaluate: import("playwright-core").Page["evaluate"] }, selector: string) =>
  target.evaluate(
    (s) => [...document.querySelectorAll<HTMLImageElement>(s)].map((i) => i.complete && i.naturalWidth > 0),
    selector,
  );

/**
 * A visitor drops a picture on the widget on the demo page; the operator sees its preview in the
 * console, opens it large, finds it under "Show attachments" and sends it again; the visitor's
 * widget shows both. Uploads and downloads from both apps.
 */
export async function pictureBothWays(parlor: Parlor, browser: Browser): Promise<void> {
  const picture = png(96, 64);

  // The visitor, on the demo page, starts a chat and drops the picture on it.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const chat = await startWidgetChat(visitor, parlor, "Lena", "The box arrived crushed, see the photo");
  await chat.getByRole("button", { name: "Attach files" }).waitFor();
  await dropFiles(chatFrame(visitor), ".log", [{ name: "crushed.png", type: "image/png", bytes: picture }]);
  await chat.getByRole("button", { name: "Open image crushed.png" }).waitFor({ timeout: 20_000 });

  // The operator opens the dialog: the preview inline, boxed to the picture's shape.
  const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const console_ = await operatorContext.newPage();
  await consoleSignIn(console_, parlor, parlor.admin);
  await dialogRow(console_, "Lena").locator(".row-main").click();
  const inline = console_.locator('[data-testid="message"] [data-testid="picture"]');
  await inline.locator("img").waitFor();
  expect(await inline.locator("img").getAttribute("alt")).toBe("crushed.png");
  expect([await inline.locator("img").getAttribute("width"), await inline.locator("img").getAttribute("height")]).toEqual(["96", "64"]);
  await expect.poll(() => allLoaded(console_, '[data-testid="message"] [data-testid="picture"] img'), { timeout: 10_000 }).toEqual([true]);

  // Enlarged: the original, at its own size.
  await inline.click();
  const lightbox = console_.getByRole("dialog", { name: "crushed.png" });
  await lightbox.waitFor();
  await expect.poll(() => allLoaded(console_, '[data-testid="lightbox-image"]'), { timeout: 10_000 }).toEqual([true]);
  expect(await console_.evaluate(() => document.querySelector<HTMLImageElement>('[data-testid="lightbox-image"]')!.naturalWidth)).toBe(96);
  await console_.keyboard.press("Escape");
  await lightbox.waitFor({ state: "detached" });

  // Show attachments lists it under Images; Send again puts it in the dialog once more.
  await console_.click('[data-testid="attachments-toggle"]');
  const images = console_.locator('[data-testid="attachments-panel"]').getByRole("tabpanel", { name: /Images/ });
  const item = images.locator('[data-testid="attachment-item"]');
  await item.first().waitFor();
  expect(await item.count()).toBe(1);
  expect(await item.locator("img").getAttribute("alt")).toBe("crushed.png");
  await item.locator('[data-testid="resend"]').click();

  // The visitor's widget shows both: the one sent and the one sent back.
  await expect
    .poll(() => chat.getByRole("button", { name: "Open image crushed.png" }).count(), { timeout: 15_000 })
    .toBe(2);
  await expect.poll(() => allLoaded(chatFrame(visitor), ".thumb img"), { timeout: 10_000 }).toEqual([true, true]);
  await operatorContext.close();
  await visitorContext.close();
}
