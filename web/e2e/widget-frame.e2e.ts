// The widget's frame trusts only the page it was opened for, in real Chromium: the loader names the
// page's origin in the frame's address, and the frame checks it against the origin the browser says
// framed it before it does anything. The site here allows any origin (so the server's own checks
// and the frame's `frame-ancestors` let every page through): what refuses is the frame itself.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { gatewayAndBrowser, standBy } from "./harness";

const scene = gatewayAndBrowser();

const REFUSED = "The chat is not available on this site.";

describe("the widget's frame checks who framed it", () => {
  it("runs for the page it names, and refuses a page that names another origin, none, or no page at all", async () => {
    const { parlor, browser } = scene;
    const frameUrl = (origin: string | null) =>
      `${parlor.url}/widget/frame.html?site=${encodeURIComponent(parlor.siteKey)}${origin === null ? "" : `&origin=${encodeURIComponent(origin)}`}`;
    // The shop frames the chat three times: naming itself (as the loader does), naming the
    // gateway's own origin (a page pretending to be another site), and naming nothing. It answers
    // the frames' "ready" with "init", as the loader does. Its page comes from a server of its own
    // on the loopback: an origin of its own that Chromium lets frame a page on 127.0.0.1.
    let shop = "";
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body>
<iframe id="honest" src="${frameUrl(shop)}"></iframe>
<iframe id="liar" src="${frameUrl(parlor.url)}"></iframe>
<iframe id="unnamed" src="${frameUrl(null)}"></iframe>
<script>
  addEventListener("message", (e) => {
    if (e.data && e.data.parlor === "ready") {
      e.source.postMessage({ parlor: "init", lang: "en", page: { url: location.href, title: "Shop" }, source: {}, open: true }, e.origin);
    }
  });
</script></body></html>`);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    shop = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    onTestFinished(() => new Promise<void>((ok) => server.close(() => ok())));
    const context = await browser.newContext();
    const page = await context.newPage();
    await standBy(parlor);
    await page.goto(`${shop}/`);

    // The frame the shop names itself in runs: its pre-chat step is there.
    await page.frameLocator("#honest").getByRole("button", { name: "Start chat" }).waitFor();
    // The frame told another origin refuses, and so does one told none: they say so and show
    // nothing of the chat.
    for (const id of ["#liar", "#unnamed"]) {
      const frame = page.frameLocator(id);
      await frame.getByText(REFUSED).waitFor();
      expect(await frame.getByRole("button", { name: "Start chat" }).count(), id).toBe(0);
      expect(await frame.getByRole("textbox").count(), id).toBe(0);
    }

    // Not framed at all, even with the right origin named: refused.
    const alone = await context.newPage();
    await alone.goto(frameUrl(parlor.url));
    await alone.getByText(REFUSED).waitFor();
    expect(await alone.getByRole("button", { name: "Start chat" }).count()).toBe(0);
    await context.close();
  });
});
