// What the browser tests stand on: the real `parlor` binary on a free port with its own data
// folder, Debian's Chromium through playwright-core, and scripted WebSocket clients (the `ws`
// package) that speak the protocol like the console and the widget do.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { crc32, deflateSync } from "node:zlib";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Frame, type FrameLocator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import WebSocket from "ws";
import type {
  ClientAction,
  LoggedIn,
  MessageView,
  OperatorView,
  ServerEvent,
  TicketView,
  VisitorSession,
  VisitorSessionRequest,
} from "../protocol/protocol";
import { newId } from "../common/ids";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const screenshotDir = join(repoRoot, "tests/output/screenshots");

export interface Parlor {
  /** The web origin: the console at `/`, the widget under `/widget/`. */
  url: string;
  /** The HTTP API's base: `${api}/login`. */
  api: string;
  ws: string;
  /** The demo page: on the web origin, or a customer's site of its own in AWS's shape. */
  demo: string;
  siteKey: string;
  admin: { email: string; password: string };
  dataDir: string;
  /** Stops the gateway; its data folder stays until `dispose`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (a restart mid-conversation). */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export interface ParlorOptions {
  /**
   * "aws": each part on an origin of its own with the deployed stack's CORS, CSP and headers
   * (`PARLOR_SHAPE=aws`); the default is the one-origin shape that self-hosting uses.
   */
  shape?: "aws" | "one-origin";
  /** Origins the demo site allows; empty: any. */
  siteOrigins?: string[];
  env?: Record<string, string>;
}

const ADMIN = { email: "admin@parlor.test", password: "admin-password-e2e" };

/**
 * `PARLOR_LIMITS` for a scene that, on purpose, does what no person does: a scripted history
 * written at once, hundreds of dialogs opened from this one address. widget-limits.e2e.ts holds
 * the limits themselves; every other scene meets the defaults.
 */
export const BULK_SCENE = { PARLOR_LIMITS: "messages_per_second=0,messages_per_minute=0,visitor_sessions_per_ip=0" };

/** The gateway binary `cargo build -p parlor-local` made; `PARLOR_BIN` overrides. */
export function parlorBinary(): string {
  return process.env.PARLOR_BIN ?? resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? "target", "debug/parlor");
}

export async function startParlor(options: ParlorOptions = {}): Promise<Parlor> {
  const dataDir = mkdtempSync(join(tmpdir(), "parlor-e2e-"));
  let addr = "127.0.0.1:0";
  let child: ChildProcess | null = null;
  const launch = async () => {
    const env = {
      ...process.env,
      PARLOR_ADDR: addr,
      PARLOR_DATA_DIR: dataDir,
      PARLOR_WEB_DIR: join(repoRoot, "web/dist"),
      PARLOR_ADMIN_EMAIL: ADMIN.email,
      PARLOR_ADMIN_PASSWORD: ADMIN.password,
      PARLOR_SITE_ORIGINS: (options.siteOrigins ?? []).join(","),
      PARLOR_SHAPE: options.shape ?? "one-origin",
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      ...options.env,
    };
    const proc = spawn(parlorBinary(), [], { env, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let out = "";
    let err = "";
    proc.stderr!.on("data", (d) => {
      err += d;
      if (process.env.PARLOR_E2E_LOG) process.stderr.write(d);
    });
    return new Promise<{ url: string; api: string; ws: string; demo: string; siteKey: string }>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`parlor did not start in 30 s:\n${out}\n${err}`)), 30_000);
      proc.on("error", (e) => {
        clearTimeout(timer);
        fail(new Error(`cannot run ${parlorBinary()} (build it: cargo build -p parlor-local): ${e.message}`));
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`parlor exited with ${code}:\n${out}\n${err}`));
      });
      proc.stdout!.on("data", (d) => {
        out += d;
        const line = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(out)?.[1];
        const [url, api, ws, demo, siteKey] = ["Console", "HTTP API", "WebSocket", "Demo page", "Site key"].map(line);
        if (url && api && ws && demo && siteKey) {
          clearTimeout(timer);
          ok({ url: url.replace(/\/$/, ""), api, ws, demo, siteKey });
        }
      });
    });
  };
  const first = await launch();
  addr = new URL(first.url).host;
  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  };
  return {
    url: first.url,
    api: first.api,
    ws: first.ws,
    demo: first.demo,
    siteKey: first.siteKey,
    admin: ADMIN,
    dataDir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A gateway and a browser for the whole test file: started before its first test, stopped after its last. */
export function gatewayAndBrowser(options: ParlorOptions = {}): { parlor: Parlor; browser: Browser } {
  const scene = {} as { parlor: Parlor; browser: Browser };
  beforeAll(async () => {
    scene.parlor = await startParlor(options);
    scene.browser = await launchBrowser();
  });
  afterAll(async () => {
    await scene.browser?.close();
    await scene.parlor?.dispose();
  });
  return scene;
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** Saves a screenshot under tests/output/screenshots/ (CI keeps it as test output). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** Calls the HTTP API like a browser would. */
export async function api<T>(
  parlor: Pick<Parlor, "api">,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; origin?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.origin) headers.origin = options.origin;
  const res = await fetch(`${parlor.api}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new HttpError(res.status, body);
  return body as T;
}

export function login(parlor: Parlor, email: string, password: string): Promise<LoggedIn> {
  return api<LoggedIn>(parlor, "POST", "/login", { body: { email, password } });
}

/** A new operator of the demo workspace (made by the admin); returns their sign-in. */
export async function addOperator(
  parlor: Parlor,
  name: string,
  role: "operator" | "admin" = "operator",
): Promise<{ email: string; password: string; operator: OperatorView }> {
  const admin = await login(parlor, parlor.admin.email, parlor.admin.password);
  const email = `${name.toLowerCase()}-${newId().slice(0, 6)}@parlor.test`;
  const password = `${name}-password-1`;
  const operator = await api<OperatorView>(parlor, "POST", "/operators", {
    token: admin.token,
    body: { email, name, password, role },
  });
  return { email, password, operator };
}

/**
 * A WebSocket client that records every event and answers `request` with the ack. A wait fails as
 * soon as the socket closes: a closed socket is never mistaken for a quiet one.
 */
export class ScriptedClient {
  readonly events: ServerEvent[] = [];
  /** The close code, once the socket has closed. */
  closed: number | null = null;
  private waiters: { pred: (e: ServerEvent) => boolean; ok: (e: ServerEvent) => void; fail: (e: Error) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(event)) return true;
        w.ok(event);
        return false;
      });
    });
    socket.on("close", (code) => {
      this.closed = code;
      for (const w of this.waiters.splice(0)) w.fail(new Error(`the socket closed (${code}) while waiting; got ${JSON.stringify(this.events)}`));
    });
  }

  static async connect(url: string, origin?: string): Promise<ScriptedClient> {
    const socket = new WebSocket(url, origin ? { origin } : {});
    await new Promise<void>((ok, fail) => {
      socket.once("open", () => ok());
      socket.once("error", fail);
      socket.once("unexpected-response", (_req, res) => fail(new Error(`refused: HTTP ${res.statusCode}`)));
    });
    return new ScriptedClient(socket);
  }

  /** The first event, past or future, that matches. */
  waitFor<E extends ServerEvent>(pred: (e: ServerEvent) => boolean, timeoutMs = 10_000): Promise<E> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen as E);
    if (this.closed !== null) return Promise.reject(new Error(`the socket is closed (${this.closed}); got ${JSON.stringify(this.events)}`));
    return new Promise<E>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(this.events)}`)), timeoutMs);
      this.waiters.push({
        pred,
        ok: (e) => {
          clearTimeout(timer);
          ok(e as E);
        },
        fail: (e) => {
          clearTimeout(timer);
          fail(e);
        },
      });
    });
  }

  /**
   * Sends a ping and resolves once its ack is in: the window in which something could still come
   * ends there, with no fixed wait. A function pushes everything an action causes before it acks
   * the action, and a socket's frames leave in order; so once the test holds an action's ack (or
   * has seen the page that made it get its answer), whatever the action sent here is in `events`.
   * Rejects if the socket closes first.
   */
  async caughtUp(): Promise<void> {
    await this.request({ action: "message", op: "ping" });
  }

  /** Sends a frame and resolves with its ack; rejects with the error event. */
  async request(action: ClientAction): Promise<Extract<ServerEvent, { type: "ack" }>> {
    const request_id = newId();
    const answer = this.waitFor((e) => (e.type === "ack" || e.type === "error") && e.request_id === request_id);
    this.socket.send(JSON.stringify({ ...action, request_id }));
    const e = await answer;
    if (e.type === "error") throw new Error(`${e.code}: ${e.message}`);
    return e as Extract<ServerEvent, { type: "ack" }>;
  }

  close(): void {
    this.socket.close();
  }
}

/** A visitor of the demo site, without a browser: a session, then the socket. */
export async function scriptedVisitor(
  parlor: Parlor,
  request: Partial<VisitorSessionRequest> = {},
  origin = parlor.url,
): Promise<{ client: ScriptedClient; session: VisitorSession; send(text: string): Promise<MessageView> }> {
  const session = await api<VisitorSession>(parlor, "POST", "/visitor/session", {
    origin,
    body: { site_key: parlor.siteKey, ...request },
  });
  const client = await ScriptedClient.connect(`${parlor.ws}?v=1&visitor_token=${encodeURIComponent(session.token)}`, origin);
  const send = async (text: string) => {
    const ack = await client.request({ action: "message", op: "send", client_id: newId(), text });
    return ack.message!;
  };
  return { client, session, send };
}

/** An operator without a browser: signed in, with a socket opened by a one-time ticket. */
export async function scriptedOperator(parlor: Parlor, email: string, password: string): Promise<{ client: ScriptedClient; session: LoggedIn }> {
  const session = await login(parlor, email, password);
  const { ticket } = await api<TicketView>(parlor, "POST", "/tickets", { token: session.token });
  const client = await ScriptedClient.connect(`${parlor.ws}?v=1&ticket=${encodeURIComponent(ticket)}`);
  return { client, session };
}

/** A client frame or server event as a page's socket carried it. */
type Frame_ = Record<string, unknown> & { request_id?: string; type?: string };

/**
 * What a page's WebSockets carry, as the browser saw it (every socket the page opens, reconnects
 * included): to wait for the server's answer to a frame the page sent.
 */
export class PageSockets {
  readonly sent: Frame_[] = [];
  readonly received: Frame_[] = [];

  constructor(page: Page) {
    const parse = (payload: string | Buffer): Frame_ => {
      try {
        return JSON.parse(String(payload)) as Frame_;
      } catch {
        return {};
      }
    };
    page.on("websocket", (ws) => {
      ws.on("framesent", (f) => this.sent.push(parse(f.payload)));
      ws.on("framereceived", (f) => this.received.push(parse(f.payload)));
    });
  }

  /** The server's answer (ack or error) to the first frame the page sent that matches, once it has arrived. */
  async answerTo(pred: (frame: Frame_) => boolean, timeoutMs = 10_000): Promise<Frame_> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const asked = this.sent.find(pred);
      const answer = asked && this.received.find((e) => (e.type === "ack" || e.type === "error") && e.request_id === asked.request_id);
      if (answer) return answer;
      if (Date.now() > deadline) {
        throw new Error(`no answer in ${timeoutMs} ms; sent ${JSON.stringify(this.sent)}; received ${JSON.stringify(this.received)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** One WebSocket of a page or frame, as the page's own WebSocket object saw it (see `logSockets`). */
export interface SocketLife {
  url: string;
  /** Page time (`Date.now()`) of `open` and of `close`, and the close's code. */
  openedAt: number | null;
  closed: { code: number; at: number } | null;
  /** Every frame sent, as text. */
  sent: string[];
}

/**
 * Has every page and frame of `context` keep a log of its WebSockets in `window.__parlorSockets`:
 * when each opened, what it sent, and the code it closed with (the browser's events for tests do
 * not give the code). The sockets themselves stay the browser's own.
 */
export async function logSockets(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Real = window.WebSocket;
    const lives: SocketLife[] = [];
    (window as unknown as { __parlorSockets: SocketLife[] }).__parlorSockets = lives;
    class Logged extends Real {
      private readonly life: SocketLife;
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const life: SocketLife = { url: String(url), openedAt: null, closed: null, sent: [] };
        this.life = life;
        lives.push(life);
        this.addEventListener("open", () => (life.openedAt = Date.now()));
        this.addEventListener("close", (e) => (life.closed = { code: e.code, at: Date.now() }));
      }
      send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        this.life.sent.push(String(data));
        super.send(data);
      }
    }
    window.WebSocket = Logged;
  });
}

/** The WebSockets a page or frame has opened so far, oldest first (after `logSockets`). */
export function socketLives(target: Page | Frame): Promise<SocketLife[]> {
  return target.evaluate(() => (window as unknown as { __parlorSockets?: SocketLife[] }).__parlorSockets ?? []);
}

/**
 * A console signed in as `who`, in a browser context of its own (1280×900). The context goes to
 * `track.contexts` for the suite to close, and the page's uncaught errors to `track.errors`.
 * `bypassCSP` lets axe-core be injected.
 */
export async function signedInConsole(
  browser: Browser,
  parlor: Pick<Parlor, "url">,
  who: { email: string; password: string },
  track: { contexts: BrowserContext[]; errors: string[] },
  options: { bypassCSP?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  track.contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => track.errors.push(e.message));
  await consoleSignIn(page, parlor, who);
  return page;
}

/**
 * A test file's gateway and browser (`gatewayAndBrowser`) with consoles signed in on it: each in a
 * context of its own, closed after the file's last test, which then fails if any page threw.
 */
export function consoleScene(options: ParlorOptions = {}): {
  scene: { parlor: Parlor; browser: Browser };
  signIn(who: { email: string; password: string }): Promise<Page>;
  contexts: BrowserContext[];
  errors: string[];
} {
  const scene = gatewayAndBrowser(options);
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  // Registered after the browser's own: it runs first, while the browser is still open.
  afterAll(async () => {
    for (const c of contexts) await c.close();
    expect(errors).toEqual([]);
  });
  return { scene, contexts, errors, signIn: (who) => signedInConsole(scene.browser, scene.parlor, who, { contexts, errors }) };
}

/** Has `page` count the chimes it plays (each note is an oscillator), for `rang`. */
export async function countRings(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { rang: number }).rang = 0;
    const play = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      (window as unknown as { rang: number }).rang++;
      return play.call(this);
    };
  });
}

/** Waits until `page` (after `countRings`) has played a chime. */
export async function rang(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { rang: number }).rang > 0);
}

/** Signs in to the console on `page` and waits until its socket is up. */
export async function consoleSignIn(page: Page, parlor: Pick<Parlor, "url">, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${parlor.url}/`);
  await page.fill('input[name="email"]', who.email);
  await page.fill('input[name="password"]', who.password);
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="console"][data-connection="online"]');
}

/** Writes in the console's composer and sends it with Enter. */
export async function consoleWrite(page: Page, text: string): Promise<void> {
  await page.fill('[data-testid="composer"]', text);
  await page.press('[data-testid="composer"]', "Enter");
}

/** A dialog's row in the console's sidebar, found by the visitor's name. */
export function dialogRow(page: Page, name: string) {
  return page.locator('[data-testid="dialog-row"]', { hasText: name });
}

export interface AxeViolation {
  id: string;
  impact: string;
  nodes: number;
}

/**
 * Runs axe-core on a page or frame and returns its serious and critical violations. The page's CSP
 * forbids the inline script this adds: open the page in a context with `bypassCSP: true`.
 */
export async function seriousAxeViolations(target: Page | Frame): Promise<AxeViolation[]> {
  await target.addScriptTag({ path: createRequire(import.meta.url).resolve("axe-core/axe.min.js") });
  const all = await target.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return all.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** A real PNG, `w`×`h`, a colour gradient: what the server's image check and preview decode. */
export function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 128], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A visitor on the demo page opens the widget, gives `name` and writes `first`: the chat frame,
 * once its composer (with the attach button) is there.
 */
export async function startWidgetChat(page: Page, parlor: Pick<Parlor, "demo">, name: string, first: string): Promise<FrameLocator> {
  await page.goto(parlor.demo);
  await page.locator("[data-parlor] button").click();
  const chat = page.frameLocator("[data-parlor] iframe");
  await chat.getByLabel("Name").fill(name);
  // With no operator available the widget offers to leave a message: the first one goes with it.
  const form = chat.locator("form.prechat[data-nobody]");
  if ((await form.getAttribute("data-nobody")) === "true") {
    await chat.getByLabel("Message", { exact: true }).fill(first);
    await chat.getByRole("button", { name: "Leave a message" }).click();
    await chat.getByRole("textbox", { name: "Write a message…" }).waitFor();
    return chat;
  }
  await chat.getByRole("button", { name: "Start chat" }).click();
  const box = chat.getByRole("textbox", { name: "Write a message…" });
  await box.fill(first);
  await box.press("Enter");
  return chat;
}

/**
 * An operator with a console open (a scripted socket) for the scene: the widget offers a chat, not
 * to leave a message, once it asks whether anybody is available.
 */
export async function standBy(parlor: Parlor): Promise<ScriptedClient> {
  const sam = await addOperator(parlor, "Sam");
  return (await scriptedOperator(parlor, sam.email, sam.password)).client;
}

/** The widget's pre-chat form's button, once the widget knows whether anybody is available. */
export async function prechatButton(chat: FrameLocator) {
  const form = chat.locator("form.prechat[data-nobody]");
  await form.waitFor();
  return form.locator('button[type="submit"]');
}

/** The widget's chat iframe on a page that embeds it. */
export const chatFrame = (page: Page): Frame => page.frames().find((f) => f.url().includes("/widget/frame.html"))!;

/**
 * Drags files (made inside the frame, as a drop from the desktop gives them) over `selector` and
 * drops them; `check` runs while they hover.
 */
export async function dropFiles(
  frame: Frame,
  selector: string,
  files: { name: string; type: string; bytes: Buffer }[],
  check?: () => Promise<void>,
): Promise<void> {
  await frame.evaluate(
    ({ list, selector }) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      (window as unknown as { __dt: DataTransfer }).__dt = dt;
      const on = document.querySelector(selector)!;
      for (const type of ["dragenter", "dragover"]) on.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { list: files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString("base64") })), selector },
  );
  await check?.();
  await frame.evaluate((selector) => {
    const dt = (window as unknown as { __dt: DataTransfer }).__dt;
    document.querySelector(selector)!.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, selector);
}

/**
 * A test file's browser, and a gateway for each test alone: what a test starts goes in `started`
 * and is stopped after it, newest first; the browser closes after the file.
 */
export function gatewayPerTest(): { browser(): Browser; started: (() => Promise<void> | void)[]; gateway(options?: ParlorOptions): Promise<Parlor> } {
  let browser: Browser | undefined;
  const started: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    browser: () => browser!,
    started,
    async gateway(options: ParlorOptions = {}) {
      const parlor = await startParlor(options);
      started.push(() => parlor.dispose());
      return parlor;
    },
  };
}
