// Every request the widget's chat app makes to Parlor's server (docs/protocol.md, "HTTP API"),
// typed with the generated protocol, and what each answer means for the app. The app keeps the
// visitor's token (in web/common/storage.ts's storage) and hands each call the token it needs.
// The loader makes its one request itself: it must stay small and never load the app's code.

import type {
  Attachment,
  AttachmentLimits,
  ErrorCode,
  HistoryPage,
  MessageAttachments,
  SiteView,
  VisitedPage,
  VisitorSession,
  VisitorSessionRequest,
} from "../../protocol/protocol";
import { PROTOCOL_VERSION } from "../../protocol/protocol";
import type { Endpoints } from "../../common/config";
import { FatalConnectError } from "../../common/socket";
import { fetchLimits, uploadFile } from "../../common/upload";
import type { QueuePlace } from "./chat";

/** The server refused a new visitor's pre-chat details (400): which field, by the answer's code. */
export class Refused extends Error {
  constructor(readonly field: "email" | "phone" | undefined) {
    super("refused");
  }
}

/** Too many new visitors from this network (429): the server says when to try again. */
export class Limited extends Error {
  constructor(readonly retryAfterSecs: number) {
    super(`rate limited: try again in ${retryAfterSecs} s`);
  }
}

/** The page the visitor has open, as the widget reports it. */
export type PageReport = Pick<VisitedPage, "url" | "title">;

export type WidgetApi = ReturnType<typeof widgetApi>;

export function widgetApi({ http, ws }: Endpoints, fetchImpl: typeof fetch = fetch) {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const json = async <T>(res: Response): Promise<T> => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as T;
  };

  return {
    /** `GET /api/sites/{key}`: the site's widget settings and origins; null when it is refused. */
    async site(key: string): Promise<SiteView | null> {
      const res = await fetchImpl(`${http}/sites/${encodeURIComponent(key)}`);
      return res.ok ? ((await res.json()) as SiteView) : null;
    },

    /** `GET /api/sites/{key}/availability`: whether an operator can chat now; yes when it cannot tell. */
    async available(key: string): Promise<boolean> {
      try {
        const res = await fetchImpl(`${http}/sites/${encodeURIComponent(key)}/availability`);
        return res.ok ? ((await res.json()) as { available: boolean }).available : true;
      } catch {
        return true;
      }
    },

    /**
     * `POST /api/visitor/session`: a token for a new visitor (with the pre-chat details) or renewed
     * for the one whose token the widget kept. Rejects with `FatalConnectError` when trying again
     * cannot help (401, 403), with `Refused` when a new visitor's details are refused (400), with
     * `Limited` when this network started too many chats lately (429), and with a plain `Error`
     * otherwise (offline, the server down: worth another try).
     */
    async session(body: VisitorSessionRequest): Promise<VisitorSession> {
      const res = await fetchImpl(`${http}/visitor/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status === 401 || res.status === 403) throw new FatalConnectError(`refused: HTTP ${res.status}`);
      if (res.status === 429) {
        const secs = Number((await res.json().catch(() => null))?.error?.retry_after ?? res.headers.get("retry-after"));
        throw new Limited(Number.isFinite(secs) && secs > 0 ? secs : 60);
      }
      if (res.status === 400 && !body.token) {
        const code: ErrorCode | undefined = (await res.json().catch(() => null))?.error?.code;
        throw new Refused(code === "invalid_phone" ? "phone" : code === "invalid_email" ? "email" : undefined);
      }
      return json<VisitorSession>(res);
    },

    /** `POST /api/visitor/page`: where the visitor is now, for the operators. Best effort: a lost report is not an error. */
    pageView(token: string, page: PageReport): void {
      void fetchImpl(`${http}/visitor/page`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(token) },
        body: JSON.stringify(page),
      }).catch(() => {});
    },

    /**
     * `GET /api/visitor/messages`: the visitor's dialog, its newest page without a cursor, older
     * pages `before` a seq (scrolling up), newer ones `after` a seq (catching up).
     */
    async history(token: string, cursor: { before?: number; after?: number }): Promise<HistoryPage> {
      const q = cursor.before !== undefined ? `?before=${cursor.before}` : cursor.after !== undefined ? `?after=${cursor.after}` : "";
      return json<HistoryPage>(await fetchImpl(`${http}/visitor/messages${q}`, { headers: bearer(token) }));
    },

    /** `GET /api/visitor/queue`: the dialog's place in the queue, or null when it does not wait there. */
    async queue(token: string): Promise<QueuePlace | null> {
      const place = await json<Partial<QueuePlace>>(await fetchImpl(`${http}/visitor/queue`, { headers: bearer(token) }));
      return place.type === "queue.position" ? (place as QueuePlace) : null;
    },

    /** `GET /api/visitor/messages/{seq}/attachments`: short-lived links to one message's files. */
    async links(token: string, seq: number): Promise<MessageAttachments> {
      return json<MessageAttachments>(await fetchImpl(`${http}/visitor/messages/${seq}/attachments`, { headers: bearer(token) }));
    },

    /** `GET /api/attachments/limits`: how large images and files may be. */
    limits(token: string): Promise<AttachmentLimits> {
      return fetchLimits(http, token, fetchImpl);
    },

    /** `POST /api/uploads`, then storage: one file on its way, with its progress. */
    upload(token: string, file: File, onProgress: (fraction: number) => void): Promise<{ upload: string; attachment: Attachment }> {
      return uploadFile(http, token, file, onProgress);
    },

    /** The WebSocket's URL for one connection, with the protocol version this widget speaks. */
    socketUrl(token: string): string {
      return `${ws}?v=${PROTOCOL_VERSION}&visitor_token=${encodeURIComponent(token)}`;
    },
  };
}
