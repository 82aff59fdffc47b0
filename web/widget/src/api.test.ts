import { describe, expect, it } from "vitest";
import type { VisitorSession } from "../../protocol/protocol";
import { PROTOCOL_VERSION } from "../../protocol/protocol";
import { FatalConnectError } from "../../common/socket";
import { Limited, Refused, widgetApi } from "./api";

const endpoints = { http: "https://chat.example/api", ws: "wss://chat.example/ws" };
const session: VisitorSession = { token: "tok", expires_at: 1, visitor_id: "vis_1" };

/** A fetch that answers each request with the next response, and keeps what was asked. */
function fake(...answers: (Response | Error)[]) {
  const asked: { url: string; init?: RequestInit }[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    asked.push({ url, init });
    const next = answers.shift();
    if (!next || next instanceof Error) throw next ?? new Error("no answer left");
    return next;
  }) as typeof fetch;
  return { asked, api: widgetApi(endpoints, fetchImpl) };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const refusal = (code: string) => json(400, { error: { code, message: "no" } });

describe("the widget's HTTP API", () => {
  it("reads the site's settings, or null when the site is refused", async () => {
    const view = { key: "site_1", name: "Shop", allowed_origins: [], settings: {} };
    const { asked, api } = fake(json(200, view), json(404, { error: { code: "forbidden", message: "no" } }));
    expect(await api.site("site 1")).toEqual(view);
    expect(await api.site("site_1")).toBeNull();
    expect(asked[0].url).toBe("https://chat.example/api/sites/site%201");
  });

  it("starts a session with the pre-chat details and says which one the server refused", async () => {
    const { asked, api } = fake(json(200, session), refusal("invalid_phone"), refusal("invalid_email"), refusal("invalid_request"));
    expect(await api.session({ site_key: "site_1", name: "Anna" })).toEqual(session);
    expect(asked[0].url).toBe("https://chat.example/api/visitor/session");
    expect(asked[0].init).toMatchObject({ method: "POST", headers: { "content-type": "application/json" } });
    expect(JSON.parse(String(asked[0].init?.body))).toEqual({ site_key: "site_1", name: "Anna" });
    await expect(api.session({ site_key: "site_1", phone: "x" })).rejects.toEqual(new Refused("phone"));
    await expect(api.session({ site_key: "site_1", email: "x" })).rejects.toMatchObject({ field: "email" });
    await expect(api.session({ site_key: "site_1" })).rejects.toMatchObject({ field: undefined });
  });

  it("stops for good on 401 and 403; anything else is worth another try", async () => {
    const { api } = fake(json(401, {}), json(403, {}), refusal("invalid_request"), json(500, {}), new TypeError("offline"));
    await expect(api.session({ site_key: "site_1", token: "old" })).rejects.toBeInstanceOf(FatalConnectError);
    await expect(api.session({ site_key: "site_1", token: "old" })).rejects.toBeInstanceOf(FatalConnectError);
    // A kept token refused with 400 is not about the pre-chat form.
    const renewed = api.session({ site_key: "site_1", token: "old" });
    await expect(renewed).rejects.not.toBeInstanceOf(Refused);
    await expect(renewed).rejects.toThrow("HTTP 400");
    await expect(api.session({ site_key: "site_1", token: "old" })).rejects.toThrow("HTTP 500");
    await expect(api.session({ site_key: "site_1", token: "old" })).rejects.toThrow("offline");
  });

  it("says when a network that started too many chats may start another", async () => {
    const limited = json(429, { error: { code: "rate_limited", message: "too many new chats", retry_after: 540 } });
    const { api } = fake(limited);
    const refused = api.session({ site_key: "site_1", name: "Anna" });
    await expect(refused).rejects.toBeInstanceOf(Limited);
    await expect(refused).rejects.toMatchObject({ retryAfterSecs: 540 });
  });

  it("reports the page with the visitor's token, and never fails for it", async () => {
    const { asked, api } = fake(new TypeError("offline"));
    api.pageView("tok", { url: "https://shop.example/cart", title: "Cart" });
    await new Promise((r) => setTimeout(r, 0));
    expect(asked[0].url).toBe("https://chat.example/api/visitor/page");
    expect(asked[0].init?.headers).toEqual({ "content-type": "application/json", authorization: "Bearer tok" });
    expect(JSON.parse(String(asked[0].init?.body))).toEqual({ url: "https://shop.example/cart", title: "Cart" });
  });

  it("reads history and a message's links with the token, and fails on a refusal", async () => {
    const page = { messages: [] };
    const links = { attachments: [] };
    const { asked, api } = fake(json(200, page), json(200, page), json(200, page), json(200, links), json(401, {}));
    expect(await api.history("tok", { after: 7 })).toEqual(page);
    expect(asked[0]).toEqual({ url: "https://chat.example/api/visitor/messages?after=7", init: { headers: { authorization: "Bearer tok" } } });
    await api.history("tok", {});
    await api.history("tok", { before: 51 });
    expect(asked.slice(1).map((a) => a.url)).toEqual(["https://chat.example/api/visitor/messages", "https://chat.example/api/visitor/messages?before=51"]);
    expect(await api.links("tok", 3)).toEqual(links);
    expect(asked[3].url).toBe("https://chat.example/api/visitor/messages/3/attachments");
    await expect(api.history("tok", { after: 0 })).rejects.toThrow("HTTP 401");
  });

  it("asks for the workspace's limits with the token", async () => {
    const limits = { image_max_bytes: 1, file_max_bytes: 2 };
    const { asked, api } = fake(json(200, limits));
    expect(await api.limits("tok")).toEqual(limits);
    expect(asked[0]).toEqual({ url: "https://chat.example/api/attachments/limits", init: { headers: { authorization: "Bearer tok" } } });
  });

  it("opens the socket with the protocol version and the visitor's token", () => {
    const { api } = fake();
    expect(api.socketUrl("a b")).toBe(`wss://chat.example/ws?v=${PROTOCOL_VERSION}&visitor_token=a%20b`);
    expect(PROTOCOL_VERSION).toBe(1);
  });
});
