// The operator console: sign in, then the live sidebar and the open dialog.
import { render } from "preact";
import { loadEndpoints } from "../../common/config";
import { Api } from "./api";
import { Store } from "./store";
import { App } from "./ui/App";
import { startNotifications } from "./stores/notifications";
import "./console.css";

async function boot(): Promise<void> {
  const store = new Store(new Api(await loadEndpoints(location.origin)));
  await store.session.resume();
  render(<App store={store} />, document.getElementById("app")!);
  startNotifications(store);
}

void boot();
