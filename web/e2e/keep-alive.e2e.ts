// The console and the widget keep their sockets through the gateway's idle cut by pinging, in real
// Chromium against the real gateway. The cut is 10 minutes in AWS and the clients ping every few
// minutes; here the gateway cuts after 4 seconds, and each page's clock runs 150 times as fast as
// the real one, so 4 real seconds are the pages' 10 minutes. A silent socket opened beside them
// shows the cut is live: it is cut, the pages' older sockets are not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import {
  addOperator,
  chatFrame,
  consoleSignIn,
  launchBrowser,
  logSockets,
  scriptedOperator,
  socketLives,
  startParlor,
  startWidgetChat,
  type Parlor,
} from "./harness";

/** The gateway's idle cut here, and in AWS (API Gateway's, which the clients are built for). */
const IDLE_SECONDS = 4;
const AWS_IDLE_SECONDS = 600;
const SPEEDUP = AWS_IDLE_SECONDS / IDLE_SECONDS;

let parlor: Parlor;
let browser: Browser;

beforeAll(async () => {
  parlor = await startParlor({ env: { PARLOR_IDLE_TIMEOUT_SECS: String(IDLE_SECONDS) } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await parlor?.dispose();
});

/** A browser context whose pages log their sockets and run on a clock the test drives. */
async function clockedContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  await logSockets(context);
  await context.clock.install();
  return context;
}

const pings = (sent: string[]) => sent.filter((f) => (JSON.parse(f) as { op?: string }).op === "ping").length;

describe("the clients' keep-alive under the idle cut", () => {
  it("the console and the widget ping often enough that the idle cut never comes, and nothing but the pings keeps them", async () => {
    const operator = await addOperator(parlor, "Anna");
    const consoleContext = await clockedContext();
    const console_: Page = await consoleContext.newPage();
    await consoleSignIn(console_, parlor, operator);
    const widgetContext = await clockedContext();
    const visitor = await widgetContext.newPage();
    const chat = await startWidgetChat(visitor, parlor, "Vera", "Anyone there?");
    await chat.locator('.mine .mark[data-status="sent"], .mine .mark[data-status="delivered"]').first().waitFor();
    const widget: Frame = chatFrame(visitor);
    const before = { console: await socketLives(console_), widget: await socketLives(widget) };
    expect([before.console.length, before.widget.length]).toEqual([1, 1]);

    // Opened after both pages' sockets, and silent: the idle cut must come to it first.
    const silent = (await scriptedOperator(parlor, operator.email, operator.password)).client;
    const cutBy = Date.now() + 30_000;
    let last = Date.now();
    while (silent.closed === null) {
      expect(Date.now() < cutBy, "the silent socket was never cut for idleness").toBe(true);
      // Pacing for the pages' clocks, not a wait for an event: each step moves them by the real
      // time it took, sped up.
      await new Promise((r) => setTimeout(r, 50));
      const now = Date.now();
      await Promise.all([consoleContext.clock.runFor((now - last) * SPEEDUP), widgetContext.clock.runFor((now - last) * SPEEDUP)]);
      last = now;
    }
    expect(silent.closed).toBe(1001);

    for (const [name, target, earlier] of [
      ["console", console_, before.console],
      ["widget", widget, before.widget],
    ] as const) {
      const lives = await socketLives(target);
      expect(lives.length, `the ${name} kept its one socket`).toBe(1);
      expect(lives[0].closed, `the ${name}'s socket was not cut`).toBeNull();
      // Since the silent socket opened the page said nothing but pings, at least one per cut's
      // length of its own time (the clock ran the idle cut's AWS length at least once).
      const since = lives[0].sent.slice(earlier[0].sent.length);
      expect(since.length, `the ${name} sent frames`).toBeGreaterThanOrEqual(2);
      expect(pings(since), `the ${name} sent only pings: ${since.join(" ")}`).toBe(since.length);
    }
    await consoleContext.close();
    await widgetContext.close();
  });
});
