// One picture, the whole way, in real Chromium against the real gateway and its storage: a visitor
// drops it on the widget on the demo page; the operator sees its preview in the console, opens it
// large, finds it under "Show attachments" and sends it again; the visitor's widget shows the copy.
// The same journey runs in AWS's shape in aws-shape.e2e.ts.
import { describe, it } from "vitest";
import { pictureBothWays } from "./flows";
import { gatewayAndBrowser } from "./harness";

const scene = gatewayAndBrowser();

describe("a picture from the widget to the console and back", () => {
  it("is dropped in the widget, previewed and enlarged in the console, listed, and sent again", async () => {
    await pictureBothWays(scene.parlor, scene.browser);
  });
});
