// Where the HTTP API and the WebSocket API are. Deployed to AWS, the publish step writes
// `/config.json` beside the console ({"http": "https://…/api", "ws": "wss://…/prod"}); locally there
// is none and both are on the page's own origin (`/api`, `/ws`), as the local gateway serves them.

export interface Endpoints {
  /** The HTTP API's base, without a trailing slash: `${http}/login`. */
  http: string;
  /** The WebSocket API's URL, before the query string. */
  ws: string;
}

export function sameOrigin(origin: string): Endpoints {
  const u = new URL(origin);
  const ws = u.protocol === "https:" ? "wss:" : "ws:";
  return { http: `${u.origin}/api`, ws: `${ws}//${u.host}/ws` };
}

/** Reads `/config.json` from `origin` if it is there, else the same-origin endpoints. */
export async function loadEndpoints(origin: string, fetchImpl: typeof fetch = fetch): Promise<Endpoints> {
  const fallback = sameOrigin(origin);
  try {
    const res = await fetchImpl(`${new URL(origin).origin}/config.json`, { cache: "no-store" });
    if (!res.ok) return fallback;
    const body = (await res.json()) as Partial<Endpoints>;
    return {
      http: typeof body.http === "string" ? body.http.replace(/\/+$/, "") : fallback.http,
      ws: typeof body.ws === "string" ? body.ws : fallback.ws,
    };
  } catch {
    return fallback;
  }
}
