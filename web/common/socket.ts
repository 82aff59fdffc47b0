// One WebSocket to Parlor that stays up: it reconnects by itself (after a network loss, API
// Gateway's two-hour or idle cut, or a deploy) with a growing, jittered delay; answers each request
// with its own `ack` or `error` (matched by `request_id`); keeps the socket warm with pings; and
// tells the app when it is online again so the app catches up from history and resends its outbox.

import type { ClientAction, ErrorCode, ServerEvent } from "../protocol/protocol";
import { RETRYABLE_ERROR_CODES } from "../protocol/protocol";
import { newId } from "./ids";

export type Ack = Extract<ServerEvent, { type: "ack" }>;
export type ConnectionState = "connecting" | "online" | "offline" | "stopped";

/** Why a request failed: the server's typed code, or `offline` / `timeout` when no answer came. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode | "offline" | "timeout",
    message: string,
    /** `rate_limited`: how long to wait before sending the same frame again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /**
   * True when sending the same frame again (same client id) may succeed: no answer came, or the
   * server said a retry may cure it (`ErrorCode::retryable`, generated into protocol.ts).
   */
  get retryable(): boolean {
    return this.code === "offline" || this.code === "timeout" || RETRYABLE_ERROR_CODES.includes(this.code);
  }
}

/** Thrown by `url()` when trying again cannot help (signed out, site refused): the socket stops. */
export class FatalConnectError extends Error {}

export interface SocketOptions {
  /** A fresh URL for every attempt: an operator's ticket is good for one connection only. */
  url(): Promise<string>;
  /** Every server event that is not the answer to one of our requests. */
  onEvent(event: ServerEvent): void;
  onState?(state: ConnectionState, detail?: string): void;
  /** After every open, the first and each reconnect: catch up, resend what is queued. */
  onOpen?(): void;
  WebSocket?: typeof WebSocket;
  /** Browsers cannot send WebSocket pings; API Gateway cuts a connection idle for 10 minutes. */
  pingEveryMs?: number;
  requestTimeoutMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

interface Pending {
  resolve(ack: Ack): void;
  reject(err: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Socket {
  private ws: WebSocket | null = null;
  private state: ConnectionState = "offline";
  private pending = new Map<string, Pending>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private readonly o: Required<Omit<SocketOptions, "onState" | "onOpen">> & Pick<SocketOptions, "onState" | "onOpen">;

  constructor(options: SocketOptions) {
    this.o = {
      WebSocket: globalThis.WebSocket,
      pingEveryMs: 4 * 60_000,
      requestTimeoutMs: 20_000,
      minDelayMs: 500,
      maxDelayMs: 15_000,
      ...options,
    };
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    if (!this.ws && !this.retryTimer) void this.open();
  }

  /** Closes for good (sign-out, page hidden for long): pending requests fail as `offline`. */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "bye");
    this.failPending("stopped");
    this.setState("stopped");
  }

  /** Try now instead of waiting out the delay (the browser says it is online again). */
  reconnectNow(): void {
    if (this.stopped || this.state === "online" || this.state === "connecting") return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    void this.open();
  }

  /** Sends one frame; resolves with its `ack`, rejects with a `RequestError`. */
  request(action: ClientAction): Promise<Ack> {
    const ws = this.ws;
    if (!ws || this.state !== "online") {
      return Promise.reject(new RequestError("offline", "not connected"));
    }
    const request_id = newId();
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request_id);
        reject(new RequestError("timeout", "no answer from the server"));
      }, this.o.requestTimeoutMs);
      this.pending.set(request_id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...action, request_id }));
    });
  }

  private async open(): Promise<void> {
    this.retryTimer = null;
    this.setState("connecting");
    let url: string;
    try {
      url = await this.o.url();
    } catch (e) {
      if (e instanceof FatalConnectError) {
        this.stopped = true;
        this.setState("stopped", e.message);
      } else {
        this.scheduleRetry(e instanceof Error ? e.message : String(e));
      }
      return;
    }
    if (this.stopped) return;
    const ws = new this.o.WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setState("online");
      this.pingTimer = setInterval(() => {
        this.request({ action: "message", op: "ping" }).catch(() => {});
      }, this.o.pingEveryMs);
      this.o.onOpen?.();
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      this.receive(String(m.data));
    };
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      this.failPending("connection closed");
      if (!this.stopped) this.scheduleRetry(c.reason || `closed (${c.code})`);
    };
  }

  private receive(data: string): void {
    let event: ServerEvent;
    try {
      event = JSON.parse(data) as ServerEvent;
    } catch {
      return;
    }
    if (event.type === "ack" || (event.type === "error" && event.request_id)) {
      const p = event.request_id ? this.pending.get(event.request_id) : undefined;
      if (p) {
        this.pending.delete(event.request_id!);
        clearTimeout(p.timer);
        if (event.type === "ack") p.resolve(event);
        else p.reject(new RequestError(event.code, event.message, event.retry_after_ms));
        return;
      }
      if (event.type === "ack") return;
    }
    this.o.onEvent(event);
  }

  private scheduleRetry(detail: string): void {
    this.setState("offline", detail);
    const base = Math.min(this.o.maxDelayMs, this.o.minDelayMs * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RequestError("offline", why));
    }
    this.pending.clear();
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pingTimer = null;
    this.retryTimer = null;
  }

  private setState(state: ConnectionState, detail?: string): void {
    if (state === this.state && state !== "offline") return;
    this.state = state;
    this.o.onState?.(state, detail);
  }
}
