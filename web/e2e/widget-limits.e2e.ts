// Limits as people meet them, in real Chromium against a gateway whose limits are set low
// (`PARLOR_LIMITS`): a visitor who writes faster than the server takes messages sees a plain notice
// and loses nothing (every message reaches the operator once, in the order written), and the
// console's sign-in form says plainly when a locked account may try again.
import { beforeAll, describe, expect, it } from "vitest";
import type { HistoryPage, MessageView, ServerEvent } from "../protocol/protocol";
import { addOperator, api, gatewayAndBrowser, login, scriptedOperator, startWidgetChat } from "./harness";

const scene = gatewayAndBrowser({
  env: { PARLOR_LIMITS: "messages_per_second=1,sign_in_free=1,sign_in_lockout=2,sign_in_delay=5s" },
});
let anna: Awaited<ReturnType<typeof addOperator>>;

beforeAll(async () => {
  anna = await addOperator(scene.parlor, "Anna");
});

describe("limits in the browser", () => {
  it("a visitor writing faster than the limit is told so, and every message arrives once, in order", async () => {
    const { client: op } = await scriptedOperator(scene.parlor, anna.email, anna.password);
    const context = await scene.browser.newContext();
    const page = await context.newPage();
    const chat = await startWidgetChat(page, scene.parlor, "Quick Quentin", "line 0");
    const created = await op.waitFor<Extract<ServerEvent, { type: "dialog.created" }>>(
      (e) => e.type === "dialog.created" && e.dialog.visitor_name === "Quick Quentin",
    );
    const dialogId = created.dialog.id;

    // Eight more lines, as fast as the keyboard goes: one a second gets through.
    const lines = Array.from({ length: 9 }, (_, i) => `line ${i}`);
    const box = chat.getByRole("textbox", { name: "Write a message…" });
    for (const line of lines.slice(1)) {
      await box.fill(line);
      await box.press("Enter");
    }
    const notice = chat.getByRole("status").filter({ hasText: "Sending too fast" });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^Sending too fast: your messages will go in \d+ s\.$/);

    // The operator hears each line once, in the order written.
    const heard = (): string[] =>
      op.events
        .filter((e): e is Extract<ServerEvent, { type: "message.created" }> => e.type === "message.created" && e.message.dialog_id === dialogId)
        .map((e) => e.message.text);
    await op.waitFor((e) => e.type === "message.created" && e.message.text === lines.at(-1), 30_000);
    await op.caughtUp();
    expect([created.message.text, ...heard()]).toEqual(lines);

    // Stored once each, in order; the widget shows them all as sent and the notice is gone.
    const { token } = await login(scene.parlor, anna.email, anna.password);
    const stored: MessageView[] = (await api<HistoryPage>(scene.parlor, "GET", `/dialogs/${dialogId}/messages?after=0&limit=100`, { token })).messages;
    expect(stored.filter((m) => m.kind === "visitor").map((m) => m.text)).toEqual(lines);
    await chat.locator("li.pending").first().waitFor({ state: "detached" });
    expect(await chat.locator("li.m.mine[data-seq]").count()).toBe(lines.length);
    await notice.waitFor({ state: "detached" });
    op.close();
    await context.close();
  });

  it("the sign-in form says when a locked account may try again, and holds the button until then", async () => {
    const context = await scene.browser.newContext();
    const page = await context.newPage();
    await page.goto(scene.parlor.url);
    const form = page.getByTestId("login");
    await form.getByLabel("Email").fill(anna.email);
    await form.getByLabel("Password").fill("not her password");
    await form.getByRole("button", { name: "Sign in" }).click();
    const error = page.getByTestId("login-error");
    await error.filter({ hasText: "wrong email or password" }).waitFor();
    // At once again: too soon after a failure, and this second attempt locks the account.
    await form.getByRole("button", { name: "Sign in" }).click();
    await error.filter({ hasText: "Too many sign-in attempts" }).waitFor();
    expect(await error.textContent()).toMatch(/^Too many sign-in attempts\. Try again in \d+ minutes \(at .+\)\.$/);
    expect(await form.getByRole("button", { name: "Sign in" }).isDisabled()).toBe(true);
    // Her right password is refused too while the lock lasts.
    const refused = await fetch(`${scene.parlor.api}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: anna.email, password: anna.password }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    await context.close();
  });
});
