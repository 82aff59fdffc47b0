// The admins' Settings as plain data: the new-operator form's checks, a site's form and the
// update it sends, the allowed origins typed one per line, and the embed snippet. The server
// checks all of it again; these checks only answer sooner and in place.

import type { Role, SiteSettings, SiteUpdate, SiteView, WidgetPosition } from "../../../protocol/protocol";
import { MAX_ALLOWED_ORIGINS, MAX_EMAIL_CHARS, MAX_GREETING_CHARS, MIN_PASSWORD_CHARS, ORIGIN_SCHEMES } from "../../../protocol/protocol";

export { MIN_PASSWORD_CHARS };

export interface NewOperatorForm {
  name: string;
  email: string;
  password: string;
  role: Role;
}

export const emptyOperatorForm: NewOperatorForm = { name: "", email: "", password: "", role: "operator" };

/** What is wrong with the form, per field; empty when it may be sent. */
export function operatorFormErrors(form: NewOperatorForm): Partial<Record<keyof NewOperatorForm, string>> {
  const errors: Partial<Record<keyof NewOperatorForm, string>> = {};
  if (!form.name.trim()) errors.name = "Give a name.";
  const email = form.email.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > MAX_EMAIL_CHARS) errors.email = "Give an email address, like boris@example.com.";
  if ([...form.password].length < MIN_PASSWORD_CHARS) errors.password = `At least ${MIN_PASSWORD_CHARS} characters.`;
  return errors;
}

/** A site's form as the admin edits it: the origins as one text, one per line. */
export interface SiteForm {
  color: string;
  position: WidgetPosition;
  greeting: string;
  showOperatorNames: boolean;
  origins: string;
}

export function siteForm(site: SiteView): SiteForm {
  return {
    color: site.settings.color,
    position: site.settings.position,
    greeting: site.settings.greeting,
    showOperatorNames: site.settings.show_operator_names,
    origins: site.allowed_origins.join("\n"),
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Origins one per line, in the form a browser sends as `Origin`: `https://shop.example`,
 * lower-case, without a default port or a trailing slash, each once. Blank lines are skipped.
 *
 * The server decides (`parse_allowed_origins`); this parser only answers sooner, in the admin's
 * words, from the server's own data (schemes, default ports, the most origins, all generated into
 * protocol.ts). It is tested against the server's verdicts on `protocol/origin-examples.ts`.
 */
export function parseOrigins(text: string): Parsed<string[]> {
  const kept: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const origin = parseOrigin(line);
    if (!origin.ok) return origin;
    if (!kept.includes(origin.value)) kept.push(origin.value);
  }
  if (kept.length > MAX_ALLOWED_ORIGINS) return { ok: false, error: `At most ${MAX_ALLOWED_ORIGINS} allowed origins.` };
  return { ok: true, value: kept };
}

const LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const HOST = new RegExp(`^(?:\\[[0-9a-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)$`);
/** The server's schemes, each with the port it leaves out (`ORIGIN_SCHEMES`, generated). */
const DEFAULT_PORTS = new Map(Object.entries(ORIGIN_SCHEMES));
const SCHEMES_IN_WORDS = [...DEFAULT_PORTS.keys()].map((s) => `${s}://`).join(" or ");

function parseOrigin(line: string): Parsed<string> {
  const raw = line.trim();
  const bad = (why: string): Parsed<string> => ({ ok: false, error: `“${raw}” ${why}` });
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(raw.toLowerCase());
  if (!m) return bad("is not scheme://host, like https://shop.example.");
  const [, scheme, rest] = m;
  const defaultPort = DEFAULT_PORTS.get(scheme);
  if (defaultPort === undefined) return bad(`must start with ${SCHEMES_IN_WORDS}.`);
  const authority = rest.endsWith("/") ? rest.slice(0, -1) : rest;
  if (/[/?#]/.test(authority)) return bad("has a path, query or fragment: give only scheme://host[:port].");
  if (authority.includes("@")) return bad("has a user name in it.");
  // An IPv6 host is in brackets, colons and all; any other host ends at the first colon.
  const [, host, portText] = /^(\[[^\]]*\])(?::(.*))?$/.exec(authority) ?? /^([^:]*)(?::(.*))?$/.exec(authority)!;
  if (!HOST.test(host)) return bad("has no valid host name.");
  if (portText === undefined || portText === String(defaultPort)) return { ok: true, value: `${scheme}://${host}` };
  const n = Number(portText);
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || n > 65535) return bad("has a port that is not 1 to 65535.");
  return { ok: true, value: `${scheme}://${host}:${portText}` };
}

/** The form as `PUT /api/sites/{key}` takes it, or the first thing wrong with it. */
export function siteUpdate(form: SiteForm): Parsed<SiteUpdate> {
  const color = form.color.trim().toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(color)) return { ok: false, error: "The colour must be #rrggbb, like #0a7d3b." };
  const greeting = form.greeting.trim();
  if ([...greeting].length > MAX_GREETING_CHARS) return { ok: false, error: `The greeting is over ${MAX_GREETING_CHARS} characters.` };
  const origins = parseOrigins(form.origins);
  if (!origins.ok) return origins;
  const settings: SiteSettings = { color, position: form.position, greeting, show_operator_names: form.showOperatorNames };
  return { ok: true, value: { ...settings, allowed_origins: origins.value } };
}

/** The one script tag a site's pages carry (docs/widget.md), served from the widget's host. */
export function embedSnippet(widgetOrigin: string, siteKey: string): string {
  const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<script src="${attr(widgetOrigin.replace(/\/+$/, ""))}/widget/widget.js" data-site="${attr(siteKey)}" async></script>`;
}
