// Shared by the store tests: an API whose every call must be given by the test, a socket the test
// answers, and the root store wired to both.

import type { Attachment, AttachmentLimits, HistoryPage, MessageView, OperatorView, ServerEvent } from "../../../protocol/protocol";
import type { Ack, SocketOptions } from "../../../common/socket";
import type { Api } from "../api";
import { Store } from "../store";
import { ME } from "../state/testing";
import type { Action } from "./connection";

export { ME, dialog } from "../state/testing";

export const me: OperatorView = { id: ME, name: "Mia", email: "mia@parlor.test", role: "operator", status: "online", groups: [], rights: ["see_colleagues_dialogs"], active: true };

export const message = (dialogId: string, seq: number, over: Partial<MessageView> = {}): MessageView => ({
  id: `msg_${dialogId}_${seq}`,
  dialog_id: dialogId,
  seq,
  client_id: `c_${dialogId}_${seq}`,
  kind: "visitor",
  text: `text ${seq}`,
  created_at: seq,
  ...over,
});

/** A page of history holding these messages. */
export const page = (messages: MessageView[], over: Partial<HistoryPage> = {}): HistoryPage => ({
  messages,
  latest_seq: messages.at(-1)?.seq ?? 0,
  ...over,
});

export const file = (id: string, over: Partial<Attachment> = {}): Attachment => ({ id, name: id, content_type: "image/png", size: 10, kind: "image", preview: true, ...over });

export const limits: AttachmentLimits = { image_max_bytes: 1_000_000, file_max_bytes: 1_000_000 };

/** An API with a token and endpoints; a call the test did not give rejects, naming itself. */
export function fakeApi(over: Partial<Api> = {}): Api {
  const base: Record<string, unknown> = { token: "tok", renewal: null, onSessionEnded: null, endpoints: { http: "http://parlor.test/api", ws: "ws://parlor.test/ws" }, ...over };
  return new Proxy(base, {
    get: (t, k) => (k in t || typeof k !== "string" ? t[k as string] : () => Promise.reject(new Error(`unexpected call: ${k}`))),
  }) as unknown as Api;
}

/** A socket that records every frame and answers with `answer` (an empty ack unless set). */
export class FakeSocket {
  options!: SocketOptions;
  sent: Action[] = [];
  started = 0;
  stopped = 0;
  answer: (a: Action) => Promise<Ack> = async () => ({ type: "ack", request_id: "r" });

  start(): void {
    this.started++;
  }
  stop(): void {
    this.stopped++;
  }
  reconnectNow(): void {}
  request(a: Action): Promise<Ack> {
    this.sent.push(a);
    return this.answer(a);
  }
  /** A server push, as the socket hands it over. */
  push(e: ServerEvent): void {
    this.options.onEvent(e);
  }
}

/** The root store on a fake API and socket, signed in as `me` with the socket started. */
export function signedIn(over: Partial<Api> = {}, who: OperatorView = me): { store: Store; socket: FakeSocket; api: Api } {
  const socket = new FakeSocket();
  const api = fakeApi(over);
  const store = new Store(api, (o) => ((socket.options = o), socket));
  store.session.me.value = who;
  store.connection.start();
  return { store, socket, api };
}

/** Lets pending promise callbacks run (fake timers or not). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
