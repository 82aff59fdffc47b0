// Nobody available, in real Chromium against the real gateway: with no operator online and a
// console open, the widget says so and offers to leave a message (name, email, the message). It is
// stored as a dialog that needs an answer; the operator who comes answers it, and the visitor sees
// the answer when they come back.
import { describe, expect, it } from "vitest";
import type { DialogPage } from "../protocol/protocol";
import { addOperator, api, gatewayAndBrowser, scriptedOperator } from "./harness";

const scene = gatewayAndBrowser();

describe("leaving a message when nobody is available", () => {
  it("is stored as a dialog that needs an answer, and the visitor sees the answer when back", async () => {
    const parlor = scene.parlor;
    const anna = await addOperator(parlor, "Anna");
    const context = await scene.browser.newContext();
    const page = await context.newPage();
    await page.goto(parlor.demo);
    await page.locator("[data-parlor] button").click();
    const chat = page.frameLocator("[data-parlor] iframe");
    await chat.locator('form.prechat[data-nobody="true"]').waitFor();
    expect(await chat.locator("form.prechat p").first().textContent()).toContain("Nobody is available right now");
    await chat.getByLabel("Name").fill("Lena");
    await chat.getByLabel("Email").fill("lena@example.com");
    await chat.getByLabel("Message", { exact: true }).fill("Do you ship to Norway?");
    await chat.getByRole("button", { name: "Leave a message" }).click();
    await chat.locator('[data-testid="left"]', { hasText: "we will answer here as soon as we can" }).waitFor();
    await chat.locator(".m.mine", { hasText: "Do you ship to Norway?" }).waitFor();

    // Anna comes: the dialog waits for an answer, green, with Lena's email on her card.
    const { client, session } = await scriptedOperator(parlor, anna.email, anna.password);
    const list = await api<DialogPage>(parlor, "GET", "/dialogs?status=open", { token: session.token });
    const left = list.dialogs.find((d) => d.visitor_name === "Lena")!;
    expect(left.needs_answer).toBe(true);
    expect(left.last_message?.text).toBe("Do you ship to Norway?");
    const card = await api<{ email?: string }>(parlor, "GET", `/dialogs/${left.id}/visitor`, { token: session.token });
    expect(card.email).toBe("lena@example.com");
    await client.request({ action: "assign", op: "join", dialog_id: left.id });
    await client.request({ action: "message", op: "send", dialog_id: left.id, client_id: crypto.randomUUID(), text: "Yes, in 3 days." });
    await page.close();

    // Lena comes back later: the answer is there, and no longer the notice.
    const again = await context.newPage();
    // The chat was open when she left: the loader opens it again by itself.
    await again.goto(parlor.demo);
    const back = again.frameLocator("[data-parlor] iframe");
    await back.locator(".m.operator", { hasText: "Yes, in 3 days." }).waitFor();
    expect(await back.locator('[data-testid="left"]').count()).toBe(0);
    client.close();
    await context.close();
  });

  it("offers a chat as soon as an operator is available", async () => {
    const parlor = scene.parlor;
    const boris = await addOperator(parlor, "Boris");
    const { client } = await scriptedOperator(parlor, boris.email, boris.password);
    const context = await scene.browser.newContext();
    const page = await context.newPage();
    await page.goto(parlor.demo);
    await page.locator("[data-parlor] button").click();
    const chat = page.frameLocator("[data-parlor] iframe");
    await chat.locator('form.prechat[data-nobody="false"]').waitFor();
    expect(await chat.getByRole("button", { name: "Start chat" }).isEnabled()).toBe(true);
    expect(await chat.getByLabel("Message", { exact: true }).count()).toBe(0);
    client.close();
    await context.close();
  });
});
