import { useEffect, useState } from "preact/hooks";
import type { Store } from "../store";
import { safeHref } from "../state/links";
import { ago, telHref, utmLines } from "../state/visitor";
import { ContactCard } from "./ContactCard";

/** An address as a safe link (http(s) only, a new tab, no opener) or, failing that, as text. */
function Address({ url, label, testid }: { url: string; label?: string; testid?: string }) {
  const href = safeHref(url);
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" data-testid={testid} title={url}>
      {label ?? url}
    </a>
  ) : (
    <span data-testid={testid}>{label ?? url}</span>
  );
}

/** Who the visitor is, where they came from and the page they have open now (seed 002's contact card). */
export function VisitorPanel({ store, dialogId }: { store: Store; dialogId: string }) {
  const entry = store.visitor.cards.value.get(dialogId);
  const [now, setNow] = useState(Date.now());
  // "x min ago" moves on by itself.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const card = entry?.card;
  const contactId = store.sidebar.rows.value.get(dialogId)?.dialog.contact_id;
  const contact = contactId && <ContactCard store={store} contactId={contactId} dialogId={dialogId} />;
  if (!card) {
    return (
      <aside class="visitor-panel" id="visitor-panel" aria-label="Visitor" data-testid="visitor-panel">
        {contact}
        <p class="muted">{entry?.failed ? "Could not load the visitor." : "Loading the visitor…"}</p>
      </aside>
    );
  }
  const page = card.current_page;
  const utm = utmLines(card.source.utm);
  const none = !card.source.referrer && !card.source.landing_page && utm.length === 0;
  return (
    <aside class="visitor-panel" id="visitor-panel" aria-label="Visitor" data-testid="visitor-panel" data-visitor={card.id}>
      {contact}
      <h3>Visitor</h3>
      <dl>
        <dt>Name</dt>
        <dd data-testid="visitor-name">{card.name}</dd>
        <dt>Email</dt>
        <dd data-testid="visitor-email">{card.email ?? "—"}</dd>
        {card.phone && (
          <>
            <dt>Phone</dt>
            <dd data-testid="visitor-phone">{telHref(card.phone) ? <a href={telHref(card.phone)!}>{card.phone}</a> : card.phone}</dd>
          </>
        )}
        <dt>First seen</dt>
        <dd>
          <time dateTime={new Date(card.created_at).toISOString()}>{ago(card.created_at, now)}</time>
        </dd>
      </dl>
      <h3>Page open now</h3>
      {page ? (
        <p class="visitor-page" data-testid="visitor-page" data-at={page.at}>
          <Address url={page.url} label={page.title ?? page.url} testid="visitor-page-link" />
          <span class="visitor-url">{page.url}</span>
          <time class="muted" dateTime={new Date(page.at).toISOString()} data-testid="visitor-page-ago">
            {ago(page.at, now)}
          </time>
        </p>
      ) : (
        <p class="muted" data-testid="visitor-page">Not reported yet.</p>
      )}
      <h3>Came from</h3>
      {none ? (
        <p class="muted">Nothing known.</p>
      ) : (
        <dl data-testid="visitor-source">
          {card.source.referrer && (
            <>
              <dt>Referrer</dt>
              <dd data-testid="visitor-referrer">
                <Address url={card.source.referrer} />
              </dd>
            </>
          )}
          {card.source.landing_page && (
            <>
              <dt>Landing page</dt>
              <dd data-testid="visitor-landing">
                <Address url={card.source.landing_page} />
              </dd>
            </>
          )}
          {utm.length > 0 && (
            <>
              <dt>UTM</dt>
              <dd>
                <ul class="utm">
                  {utm.map((u) => (
                    <li key={u.key} data-testid="visitor-utm">
                      {u.key}: {u.value}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
    </aside>
  );
}
