// What the loader (on the customer's page) and the chat app (in the iframe) tell each other.
// Always posted to one exact origin and accepted only from it.

import type { VisitorSource } from "../../protocol/protocol";

export interface PageView {
  url: string;
  title: string;
}

export type ToFrame =
  /** `reopened`: open because it was open on the last page, not by a click (focus stays on the page). */
  | { parlor: "init"; lang: string; page: PageView; source: VisitorSource; open: boolean; reopened?: boolean; user?: SiteUserProof }
  | { parlor: "open" }
  | { parlor: "hide" };

/** The site's own user id and its HMAC (`data-user-id`, `data-user-hash`): see docs/widget.md. */
export interface SiteUserProof {
  user_id: string;
  user_hash: string;
}

export type FromFrame =
  | { parlor: "ready" }
  | { parlor: "unread"; count: number }
  /** Load the iframe at once on the next pages (the dialog is live), or no longer (see docs/widget.md). */
  | { parlor: "active"; on: boolean }
  | { parlor: "close" }
  /** The image viewer is open (true) or closed: the frame covers the whole page while it is. */
  | { parlor: "full"; on: boolean };

/** Referrer, landing page and UTM parameters of a page. */
export function pageSource(href: string, referrer: string): VisitorSource {
  const url = new URL(href);
  const utm: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    if (k.startsWith("utm_")) utm[k] = v.slice(0, 200);
  });
  return {
    ...(referrer ? { referrer: referrer.slice(0, 500) } : {}),
    landing_page: href.slice(0, 500),
    ...(Object.keys(utm).length ? { utm } : {}),
  };
}
