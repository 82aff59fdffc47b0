import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServerEvent } from "../protocol/protocol";
import { RETRYABLE_ERROR_CODES } from "../protocol/protocol";
import { FatalConnectError, RequestError, Socket, type ConnectionState } from "./socket";

/** A WebSocket stand-in for the unit tests; the browser tests use real sockets. */
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((c: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {}
  open() {
    this.onopen?.();
  }
  push(e: ServerEvent) {
    this.onmessage?.({ data: JSON.stringify(e) });
  }
  drop(code = 1001, reason = "Going away") {
    this.onclose?.({ code, reason });
  }
}

function setup(url: () => Promise<string> = async () => `ws://x/ws?ticket=${FakeSocket.all.length}`) {
  FakeSocket.all = [];
  const events: ServerEvent[] = [];
  const states: ConnectionState[] = [];
  let opens = 0;
  const socket = new Socket({
    url,
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onOpen: () => opens++,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    requestTimeoutMs: 1000,
  });
  return { socket, events, states, opens: () => opens };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RequestError", () => {
  it("is worth a retry when no answer came, or for the codes the server says a retry may cure", () => {
    expect(new RequestError("offline", "").retryable).toBe(true);
    expect(new RequestError("timeout", "").retryable).toBe(true);
    expect(new RequestError("conflict", "").retryable).toBe(true);
    expect(new RequestError("internal", "").retryable).toBe(true);
    expect(new RequestError("already_open", "").retryable).toBe(false);
    expect(new RequestError("text_too_long", "").retryable).toBe(false);
    expect(new RequestError("attachment_type_not_allowed", "").retryable).toBe(false);
    // The list is ErrorCode::retryable's, generated into protocol.ts: the two sides cannot differ.
    for (const code of RETRYABLE_ERROR_CODES) expect(new RequestError(code, "").retryable, code).toBe(true);
  });
});

describe("Socket", () => {
  it("answers each request with its own ack or typed error, and passes other events on", async () => {
    const { socket, events } = setup();
    socket.start();
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    const ws = FakeSocket.all[0];
    ws.open();
    const a = socket.request({ action: "close", op: "close", dialog_id: "d1" });
    const b = socket.request({ action: "close", op: "reopen", dialog_id: "d1" });
    const [ra, rb] = ws.sent.map((f) => f.request_id);
    expect(ra).not.toBe(rb);
    const c = socket.request({ action: "message", op: "send", client_id: "c1", text: "hi" });
    const rc = ws.sent[2].request_id;
    ws.push({ type: "error", request_id: rb, code: "already_open", message: "it is open" });
    ws.push({ type: "typing", dialog_id: "d1", side: "visitor", typing: true });
    ws.push({ type: "ack", request_id: ra });
    ws.push({ type: "error", request_id: rc, code: "rate_limited", message: "too fast", retry_after_ms: 420 });
    await expect(a).resolves.toMatchObject({ type: "ack", request_id: ra });
    await expect(b).rejects.toMatchObject({ code: "already_open" });
    await expect(c).rejects.toMatchObject({ code: "rate_limited", retryAfterMs: 420, retryable: true });
    expect(events).toEqual([{ type: "typing", dialog_id: "d1", side: "visitor", typing: true }]);
  });

  it("refuses requests while offline, fails them when the socket drops, and reconnects with a fresh URL", async () => {
    vi.useFakeTimers();
    const { socket, states, opens } = setup();
    await expect(socket.request({ action: "message", op: "ping" })).rejects.toBeInstanceOf(RequestError);
    socket.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSocket.all[0].open();
    const pending = socket.request({ action: "message", op: "ping" });
    FakeSocket.all[0].drop(1001, "Going away");
    await expect(pending).rejects.toMatchObject({ code: "offline", retryable: true });
    expect(socket.connectionState).toBe("offline");
    await vi.advanceTimersByTimeAsync(20_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1].url).not.toBe(FakeSocket.all[0].url);
    FakeSocket.all[1].open();
    expect(opens()).toBe(2);
    expect(states).toEqual(["connecting", "online", "offline", "connecting", "online"]);
  });

  it("times a request out when no answer comes", async () => {
    vi.useFakeTimers();
    const { socket } = setup();
    socket.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSocket.all[0].open();
    const p = socket.request({ action: "message", op: "ping" });
    const check = expect(p).rejects.toMatchObject({ code: "timeout" });
    await vi.advanceTimersByTimeAsync(1500);
    await check;
  });

  it("stops for good when the URL cannot be had (signed out)", async () => {
    const { socket, states } = setup(async () => {
      throw new FatalConnectError("signed out");
    });
    socket.start();
    await vi.waitFor(() => expect(states).toContain("stopped"));
    expect(FakeSocket.all).toHaveLength(0);
  });
});
