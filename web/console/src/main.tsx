// The operator console: sign in, then the live sidebar and the open dialog.
import { render } from "preact";
import { loadEndpoints } from "../../common/config";
import { localOrMemory } from "../../common/storage";
import { Api } from "./api";
import { Store } from "./store";
import { parseTheme, THEME_KEY } from "./state/theme";
import { App } from "./ui/App";
import { startNotifications } from "./stores/notifications";
import "./console.css";

// The kept theme before anything draws, so a dark choice never flashes light while the page loads.
document.documentElement.dataset.theme = parseTheme(localOrMemory().getItem(THEME_KEY));

async function boot(): Promise<void> {
  const store = new Store(new Api(await loadEndpoints(location.origin)));
  // On a phone the visitor card would cover the dialog: it starts folded there.
  if (matchMedia("(max-width: 640px)").matches) store.visitor.panel.value = false;
  await store.session.resume();
  render(<App store={store} />, document.getElementById("app")!);
  startNotifications(store);
}

void boot();
