import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api";
import { FatalConnectError } from "../../../common/socket";
import { ENDED_KEY, SESSION_KEY } from "./session";
import { FakeSocket, fakeApi, me } from "./testing";
import { Store } from "../store";

afterEach(() => vi.unstubAllGlobals());

function tab(kept: string | null = null) {
  const storage = new Map<string, string>(kept ? [[SESSION_KEY, kept]] : []);
  const reload = vi.fn();
  vi.stubGlobal("sessionStorage", {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  });
  vi.stubGlobal("location", { reload });
  return { storage, reload };
}

function console(over: Parameters<typeof fakeApi>[0] = {}) {
  const socket = new FakeSocket();
  const api = fakeApi({ token: null, ...over });
  return { store: new Store(api, (o) => ((socket.options = o), socket)), socket, api };
}

describe("the session and the connection", () => {
  it("signs in, keeps the token in this tab and opens the socket with a one-time ticket", async () => {
    const { storage } = tab();
    const { store, socket, api } = console({ login: async () => ({ token: "t1", expires_at: 1, operator: me }), ticket: async () => ({ ticket: "tk 1", expires_at: 1 }) });
    expect(await store.connection.request({ action: "message", op: "ping" }).catch((e) => e.code)).toBe("offline");
    await store.session.login("mia@parlor.test", "secret");
    expect(api.token).toBe("t1");
    expect(storage.get(SESSION_KEY)).toBe("t1");
    expect(store.session.me.value).toEqual(me);
    expect(socket.started).toBe(1);
    expect(await socket.options.url()).toBe("ws://parlor.test/ws?v=1&ticket=tk%201");
    socket.options.onState?.("online");
    expect(store.connection.state.value).toBe("online");
  });

  it("resumes from the kept token, or forgets a dead one", async () => {
    tab("t1");
    const good = console({ me: async () => me });
    expect(await good.store.session.resume()).toBe(true);
    expect(good.socket.started).toBe(1);
    const { storage } = tab("t2");
    const dead = console({ me: async () => Promise.reject(new ApiError(401, "unauthorized", "no")) });
    expect(await dead.store.session.resume()).toBe(false);
    expect(dead.api.token).toBeNull();
    expect(storage.has(SESSION_KEY)).toBe(false);
    expect(dead.socket.started).toBe(0);
  });

  it("a refused ticket stops the socket for good, which signs out and says why", async () => {
    const { storage, reload } = tab("t1");
    const { store, socket, api } = console({ me: async () => me, ticket: async () => Promise.reject(new ApiError(401, "unauthorized", "expired")) });
    await store.session.resume();
    await expect(socket.options.url()).rejects.toBeInstanceOf(FatalConnectError);
    socket.options.onState?.("stopped", "this operator is deactivated");
    expect(store.connection.state.value).toBe("stopped");
    expect(socket.stopped).toBe(1);
    expect(api.token).toBeNull();
    expect(storage.has(SESSION_KEY)).toBe(false);
    expect(reload).toHaveBeenCalledOnce();
    expect(storage.get(ENDED_KEY)).toContain("deactivated");
    expect(store.session.takeEndedMessage()).toContain("deactivated");
    expect(store.session.takeEndedMessage(), "said once").toBeNull();
  });

  it("any call the server refuses for the session held ends it, once", async () => {
    const { storage, reload } = tab("t1");
    const { store, api } = console({ me: async () => me });
    await store.session.resume();
    api.onSessionEnded?.("this session was signed out; sign in again");
    api.onSessionEnded?.("this session was signed out; sign in again");
    expect(reload).toHaveBeenCalledOnce();
    expect(storage.get(ENDED_KEY)).toContain("You were signed out");
    expect(storage.has(SESSION_KEY)).toBe(false);
  });

  it("signs out on the server, and here even when the server cannot be reached", async () => {
    const { storage, reload } = tab("t1");
    const signOut = vi.fn(async () => Promise.reject(new Error("offline")));
    const { store, api } = console({ me: async () => me, signOut });
    await store.session.resume();
    await store.session.signOut();
    expect(signOut).toHaveBeenCalledOnce();
    expect(reload).toHaveBeenCalledOnce();
    expect(api.token).toBeNull();
    expect(storage.has(SESSION_KEY)).toBe(false);
    expect(storage.has(ENDED_KEY), "signing out oneself is no surprise").toBe(false);
  });

  it("a password change keeps the new session, and the socket's next ticket waits for it", async () => {
    const { storage } = tab("t1");
    let answer!: (v: { token: string; expires_at: number; operator: typeof me }) => void;
    const tickets: (string | null)[] = [];
    const { store, socket, api } = console({
      me: async () => me,
      changePassword: () => new Promise((resolve) => (answer = resolve)),
      ticket: async () => (tickets.push(api.token), { ticket: "tk", expires_at: 1 }),
    });
    await store.session.resume();
    const changing = store.session.changePassword("old-password", "new-password-1");
    const url = socket.options.url();
    answer({ token: "t2", expires_at: 1, operator: { ...me, name: "Mia" } });
    await changing;
    await url;
    expect(tickets).toEqual(["t2"]);
    expect(api.token).toBe("t2");
    expect(storage.get(SESSION_KEY)).toBe("t2");
    expect(api.renewal).toBeNull();
  });

  it("my status, or why it could not change", async () => {
    let fail = false;
    const { store } = console({ setStatus: async (status) => (fail ? Promise.reject(new Error("nope")) : { ...me, status }) });
    await store.session.setStatus("away");
    expect(store.session.me.value?.status).toBe("away");
    fail = true;
    await store.session.setStatus("online");
    expect(store.notice.value).toBe("nope");
  });
});
