// The console's one WebSocket (web/common/socket.ts), opened with a one-time ticket once someone
// is signed in, and its state for the offline banner. What arrives goes to the event map (events.ts).

import { signal } from "@preact/signals";
import type { ServerEvent } from "../../../protocol/protocol";
import { FatalConnectError, RequestError, type ConnectionState, type Socket, type SocketOptions } from "../../../common/socket";
import { ApiError, type Api } from "../api";
import { PROTOCOL_VERSION } from "../../../protocol/protocol";

/** One command frame as the socket takes it. */
export type Action = Parameters<Socket["request"]>[0];

/** What the store uses of a socket (a test hands in its own). */
export type SocketLike = Pick<Socket, "start" | "stop" | "request" | "reconnectNow">;

export interface ConnectionDeps {
  onEvent(e: ServerEvent): void;
  /** After every open, the first and each reconnect. */
  onOpen(): void;
  /** The socket stopped for good while a session was held: the ticket was refused. */
  onSignedOut(reason: string): void;
}

export class ConnectionStore {
  readonly state = signal<ConnectionState>("offline");
  private socket: SocketLike | null = null;

  constructor(
    private readonly api: Pick<Api, "ticket" | "endpoints" | "token" | "renewal">,
    private readonly deps: ConnectionDeps,
    private readonly makeSocket: (o: SocketOptions) => SocketLike,
  ) {
    // Once per page: the listener finds whichever socket is current.
    if (typeof addEventListener === "function") addEventListener("online", () => this.socket?.reconnectNow());
  }

  start(): void {
    const socket = this.makeSocket({
      url: async () => {
        // A password change ends this session and closes the socket: the next ticket is the new session's.
        if (this.api.renewal) await this.api.renewal.catch(() => {});
        try {
          const { ticket } = await this.api.ticket();
          const sep = this.api.endpoints.ws.includes("?") ? "&" : "?";
          return `${this.api.endpoints.ws}${sep}v=${PROTOCOL_VERSION}&ticket=${encodeURIComponent(ticket)}`;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) throw new FatalConnectError("signed out");
          throw e;
        }
      },
      onEvent: (e) => this.deps.onEvent(e),
      onState: (s, detail) => {
        this.state.value = s;
        if (s === "stopped" && this.api.token) this.deps.onSignedOut(detail ?? "signed out");
      },
      onOpen: () => this.deps.onOpen(),
    });
    this.socket = socket;
    socket.start();
  }

  stop(): void {
    this.socket?.stop();
    this.socket = null;
  }

  request(action: Action) {
    if (!this.socket) return Promise.reject(new RequestError("offline", "not connected"));
    return this.socket.request(action);
  }
}
