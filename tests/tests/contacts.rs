//! Contacts through the running local gateway: a visitor's first dialog makes their contact, the
//! card lists the contact's dialogs and channels and is edited (typed refusals, an event to open
//! consoles), a site's verified user id joins two visitors to one contact, a bad hash is refused
//! with the socket left working, and an e-mail another contact holds is only claimed.

use parlor_core::domain::identity_hash;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, Visitor, contact_of, frame, merge_contacts, start_dialog, unique};

/// `GET /api/contacts?q=`: the ids of the contacts found.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let found = app.get(&format!("/api/contacts?q={q}"), token).await;
    found["contacts"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {found}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn put_contact(app: &TestApp, token: &str, contact: &str, body: Value) -> (u16, Value) {
    app.request(
        "PUT",
        &format!("/api/contacts/{contact}"),
        Some(token),
        Some(body),
    )
    .await
}

fn dialog_ids(card: &Value) -> Vec<&str> {
    card["dialogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_first_dialog_makes_a_contact_whose_card_is_read_and_edited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "email": "Vera@Example.com" }))
        .await;
    let dialog = start_dialog(&mut vera, "Where is my order?").await;
    let created = a.event("dialog.created").await;
    let contact = created["dialog"]["contact_id"].as_str().unwrap().to_owned();
    assert!(contact.starts_with("ct_"), "{created}");
    assert_eq!(contact_of(&app, &anna.token, &dialog).await, contact);

    let card = app
        .get(&format!("/api/contacts/{contact}"), &anna.token)
        .await;
    assert_eq!(card["contact"]["name"], "Vera");
    assert_eq!(card["contact"]["email"], "Vera@Example.com");
    assert_eq!(dialog_ids(&card), [dialog.as_str()]);
    assert_eq!(card["dialogs"][0]["unread"], 1);
    assert_eq!(
        card["channels"],
        json!([{ "site": app.running.site.key.to_string(), "kind": "web", "name": "Demo site", "active": true }])
    );
    let channels = app.get("/api/channels", &anna.token).await;
    assert_eq!(channels["channels"][0]["name"], "Demo site");

    // An admin defines a field; Anna fills it in with the rest.
    let (status, fields) = app
        .request(
            "PUT",
            "/api/contact-fields",
            Some(&admin),
            Some(json!({ "fields": [{ "key": "plan", "label": "Plan" }] })),
        )
        .await;
    assert_eq!(status, 200, "{fields}");
    let (status, refused) = app
        .request(
            "PUT",
            "/api/contact-fields",
            Some(&anna.token),
            Some(json!({ "fields": [] })),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    let edit = json!({
        "name": "Vera Petrova",
        "phone": "+7 912 345 67 89",
        "notes": "Prefers e-mail.",
        "fields": { "plan": "gold" }
    });
    let (status, card) = put_contact(&app, &anna.token, &contact, edit).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["contact"]["name"], "Vera Petrova");
    assert_eq!(card["contact"]["phone"], "+7 912 345 67 89");
    assert_eq!(card["contact"]["notes"], "Prefers e-mail.");
    assert_eq!(card["contact"]["fields"], json!({ "plan": "gold" }));
    assert_eq!(card["fields"], json!([{ "key": "plan", "label": "Plan" }]));
    let updated = a.event("contact.updated").await;
    assert_eq!(updated["contact"]["id"], contact.as_str());
    assert_eq!(updated["contact"]["name"], "Vera Petrova");
    // The sidebar reads the new name too.
    let list = app.get("/api/dialogs", &anna.token).await;
    let row = list["dialogs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == dialog.as_str())
        .unwrap();
    assert_eq!(row["visitor_name"], "Vera Petrova");

    // Bad edits are refused with their codes, and change nothing.
    let version = card["contact"]["version"].clone();
    for (body, status, code) in [
        (json!({ "email": "not an address" }), 400, "invalid_email"),
        (json!({ "phone": "12" }), 400, "invalid_phone"),
        (json!({ "fields": { "tier": "x" } }), 400, "invalid_request"),
        (json!({ "notes": "x".repeat(5001) }), 400, "invalid_request"),
        (json!({ "name": 7 }), 400, "invalid_request"),
    ] {
        let (got, answer) = put_contact(&app, &anna.token, &contact, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    let unknown = "ct_0000000000000000000000000";
    let (status, answer) = app
        .request(
            "GET",
            &format!("/api/contacts/{unknown}"),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("contact_not_found"))
    );

    // Another contact may not take Vera's address: a merge unites contacts, not an edit.
    let mut vlad = app
        .visitor_with(json!({ "name": "Vlad", "email": "vlad@example.com" }))
        .await;
    let vlads_dialog = start_dialog(&mut vlad, "Hello").await;
    let vlads = contact_of(&app, &anna.token, &vlads_dialog).await;
    assert_ne!(vlads, contact);
    let (status, answer) = put_contact(
        &app,
        &anna.token,
        &vlads,
        json!({ "email": " vera@EXAMPLE.com" }),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("contact_key_taken")),
        "{answer}"
    );
    let card = app
        .get(&format!("/api/contacts/{contact}"), &anna.token)
        .await;
    assert_eq!(card["contact"]["version"], version, "nothing changed");
    let vlad_card = app
        .get(&format!("/api/contacts/{vlads}"), &anna.token)
        .await;
    assert_eq!(vlad_card["contact"]["email"], "vlad@example.com");
}

/// A new visitor session of the demo site vouched for as `user_id`, connected.
async fn signed_in(app: &TestApp, user_id: &str, hash: &str) -> Visitor {
    app.visitor_with(json!({ "name": "Signed in", "user_id": user_id, "user_hash": hash }))
        .await
}

#[tokio::test]
async fn a_verified_user_is_one_contact_on_every_device_and_a_bad_hash_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let site = app.running.site.key.to_string();
    let anna = app.operator("Anna").await;

    // Without a secret the site vouches for no one.
    let body = json!({ "site_key": site, "user_id": "42", "user_hash": "00".repeat(32) });
    let (status, answer) = app
        .request("POST", "/api/visitor/session", None, Some(body))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("identity_refused"))
    );

    let path = format!("/api/sites/{site}/identity-secret");
    let none = app.get(&path, &admin).await;
    assert!(none["secret"].is_null(), "{none}");
    let (status, made) = app.request("POST", &path, Some(&admin), None).await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&path, &admin).await["secret"], secret.as_str());
    // It is shown there only: not with the sites, never to the widget.
    let sites = app.get("/api/sites", &admin).await;
    assert!(!sites.to_string().contains(&secret), "{sites}");
    let (_, widget) = app
        .request("GET", &format!("/api/sites/{site}"), None, None)
        .await;
    assert!(!widget.to_string().contains(&secret), "{widget}");
    let (status, _) = app.request("GET", &path, Some(&anna.token), None).await;
    assert_eq!(
        status, 403,
        "operators without manage_settings do not see it"
    );

    let user = unique("user-");
    let hash = identity_hash(&secret, &user);
    let mut phone = signed_in(&app, &user, &hash).await;
    let mut laptop = signed_in(&app, &user, &hash.to_uppercase()).await;
    assert_ne!(phone.id, laptop.id, "two browsers, two visitors");
    let first = start_dialog(&mut phone, "From my phone").await;
    let second = start_dialog(&mut laptop, "From my laptop").await;
    let contact = contact_of(&app, &anna.token, &first).await;
    assert_eq!(
        contact_of(&app, &anna.token, &second).await,
        contact,
        "one contact"
    );
    let card = app
        .get(&format!("/api/contacts/{contact}"), &anna.token)
        .await;
    assert_eq!(
        dialog_ids(&card),
        [second.as_str(), first.as_str()],
        "newest first"
    );
    assert_eq!(
        card["contact"]["verified"],
        json!([{ "site": site, "user_id": user }])
    );

    // Two new devices of a third user verifying at the same moment end with one contact.
    let third = unique("user-");
    let third_hash = identity_hash(&secret, &third);
    let (mut tablet, mut desktop) = futures_util::future::join(
        signed_in(&app, &third, &third_hash),
        signed_in(&app, &third, &third_hash),
    )
    .await;
    let (on_tablet, on_desktop) = (
        start_dialog(&mut tablet, "Tablet").await,
        start_dialog(&mut desktop, "Desktop").await,
    );
    assert_eq!(
        contact_of(&app, &anna.token, &on_tablet).await,
        contact_of(&app, &anna.token, &on_desktop).await,
        "one contact for both"
    );

    // Another user is another contact.
    let other = unique("user-");
    let mut someone = signed_in(&app, &other, &identity_hash(&secret, &other)).await;
    let theirs = start_dialog(&mut someone, "Hi").await;
    assert_ne!(contact_of(&app, &anna.token, &theirs).await, contact);

    // A wrong hash (here: another user's) is refused; the laptop's token and socket go on.
    for bad in [
        identity_hash(&secret, &other),
        "not hex".to_owned(),
        identity_hash("another secret", &user),
    ] {
        let body =
            json!({ "site_key": site, "token": laptop.token, "user_id": user, "user_hash": bad });
        let (status, answer) = app
            .request("POST", "/api/visitor/session", None, Some(body))
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (403, Some("identity_refused")),
            "{answer}"
        );
    }
    let body = json!({ "site_key": site, "user_id": user });
    let (status, answer) = app
        .request("POST", "/api/visitor/session", None, Some(body))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let ack = laptop
        .ws
        .ok(frame::send(Some(&second), &unique("c"), "still here"))
        .await;
    assert_eq!(ack["message"]["text"], "still here");
    let (status, _) = app
        .request("GET", "/api/visitor/messages", Some(&laptop.token), None)
        .await;
    assert_eq!(status, 200, "the visitor's token still works");

    // A new secret: hashes made with the old one stop verifying.
    let (_, rotated) = app.request("POST", &path, Some(&admin), None).await;
    assert_ne!(rotated["secret"], secret.as_str());
    let body = json!({ "site_key": site, "user_id": user, "user_hash": hash });
    let (status, _) = app
        .request("POST", "/api/visitor/session", None, Some(body))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_unverified_email_of_another_contact_is_only_claimed() {
    let app = TestApp::spawn().await;
    let anna = app.operator("Anna").await;
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "email": "vera@example.com" }))
        .await;
    let veras_dialog = start_dialog(&mut vera, "Hello").await;
    let veras = contact_of(&app, &anna.token, &veras_dialog).await;

    // Someone else types Vera's address (written otherwise).
    let mut mallory = app
        .visitor_with(json!({ "name": "Not Vera", "email": " VERA@example.com" }))
        .await;
    let malloys_dialog = start_dialog(&mut mallory, "It's me, Vera").await;
    let mallorys = contact_of(&app, &anna.token, &malloys_dialog).await;
    assert_ne!(mallorys, veras, "an unverified claim attaches nothing");

    let card = app
        .get(&format!("/api/contacts/{mallorys}"), &anna.token)
        .await;
    assert!(card["contact"]["email"].is_null(), "{card}");
    assert_eq!(
        card["contact"]["claims"],
        json!([{ "key": "email:vera@example.com", "value": "VERA@example.com", "owner": veras }])
    );
    assert_eq!(dialog_ids(&card), [malloys_dialog.as_str()]);
    let veras_card = app
        .get(&format!("/api/contacts/{veras}"), &anna.token)
        .await;
    assert_eq!(
        dialog_ids(&veras_card),
        [veras_dialog.as_str()],
        "Vera's card is hers"
    );
    assert_eq!(veras_card["contact"]["email"], "vera@example.com");
}

async fn unpin(app: &TestApp, token: &str, contact: &str, dialog: &str) -> (u16, Value) {
    app.request(
        "DELETE",
        &format!("/api/contacts/{contact}/dialogs/{dialog}"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn an_unpinned_dialog_keeps_its_history_and_leaves_the_contacts_card() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    // Operators see only the queue and their own dialogs.
    let (status, group) = app
        .request(
            "PATCH",
            "/api/groups/grp_everyone",
            Some(&admin),
            Some(json!({ "rights": [] })),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app
        .visitor_with(json!({ "name": "Vera", "email": "vera@example.com" }))
        .await;
    let dialog = start_dialog(&mut vera, "Where is my order?").await;
    a.ok(frame::join(&dialog)).await;
    let contact = contact_of(&app, &anna.token, &dialog).await;
    a.drain().await;

    // Refusals, typed; none changes anything.
    let unknown_contact = "ct_0000000000000000000000000";
    let unknown_dialog = "dlg_0000000000000000000000000";
    for (token, contact, dialog, status, code) in [
        (
            &boris.token,
            contact.as_str(),
            dialog.as_str(),
            403,
            "forbidden",
        ),
        (
            &anna.token,
            unknown_contact,
            dialog.as_str(),
            404,
            "contact_not_found",
        ),
        (
            &anna.token,
            contact.as_str(),
            unknown_dialog,
            404,
            "dialog_not_found",
        ),
        (
            &anna.token,
            contact.as_str(),
            "not%20a%20dialog",
            400,
            "invalid_request",
        ),
    ] {
        let (got, answer) = unpin(&app, token, contact, dialog).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{contact} {dialog}: {answer}"
        );
    }
    let (status, _) = unpin(&app, "not-a-token", &contact, &dialog).await;
    assert_eq!(status, 401);
    let card = app.get(&format!("/api/contacts/{contact}"), &admin).await;
    assert_eq!(
        dialog_ids(&card),
        [dialog.as_str()],
        "refusals change nothing"
    );

    // Anna, in charge, unpins it.
    let (status, answer) = unpin(&app, &anna.token, &contact, &dialog).await;
    assert_eq!(status, 200, "{answer}");
    let fresh = answer["dialog"]["contact_id"].as_str().unwrap().to_owned();
    assert!(fresh.starts_with("ct_") && fresh != contact, "{answer}");
    assert_eq!(answer["dialog"]["id"], dialog.as_str());
    assert_ne!(
        answer["dialog"]["visitor_name"], "Vera",
        "her name leaves it too"
    );
    let updated = a.event("dialog.updated").await;
    assert_eq!(updated["dialog"]["contact_id"], fresh.as_str());
    assert_eq!(updated["ring"], false);
    assert!(updated.get("event").is_none(), "{updated}");
    let left = a.event("contact.updated").await;
    assert_eq!(left["contact"]["id"], contact.as_str());

    // Vera stays, without the dialog, its channel or its activity.
    let card = app.get(&format!("/api/contacts/{contact}"), &admin).await;
    assert_eq!(card["contact"]["name"], "Vera");
    assert_eq!(card["contact"]["email"], "vera@example.com");
    assert!(dialog_ids(&card).is_empty(), "{card}");
    assert_eq!(card["channels"], json!([]));
    // The dialog is on a card of its own, anonymous, history and all.
    let card = app
        .get(&format!("/api/contacts/{fresh}"), &anna.token)
        .await;
    assert_eq!(dialog_ids(&card), [dialog.as_str()]);
    assert_eq!(card["contact"]["named"], false, "{card}");
    assert_eq!(card["contact"]["email"], Value::Null);
    assert_eq!(card["channels"].as_array().unwrap().len(), 1);
    assert_eq!(contact_of(&app, &anna.token, &dialog).await, fresh);
    let history = app.history(&anna, &dialog, "").await;
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&"Where is my order?"), "{history}");

    // Twice: nothing more happens, and no other contact is made.
    let (status, again) = unpin(&app, &anna.token, &contact, &dialog).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["dialog"]["contact_id"], fresh.as_str());
    assert_eq!(contact_of(&app, &anna.token, &dialog).await, fresh);

    // Vera writes on: the message goes into the dialog, which stays unpinned.
    vera.ws
        .ok(frame::send(Some(&dialog), &unique("c"), "Still there?"))
        .await;
    assert_eq!(contact_of(&app, &anna.token, &dialog).await, fresh);
    let card = app.get(&format!("/api/contacts/{contact}"), &admin).await;
    assert!(dialog_ids(&card).is_empty(), "{card}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merges_at_once_while_the_visitor_writes_end_in_one_contact() {
    parlor_e2e::merges_at_once_while_the_visitor_writes(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn contacts_are_found_by_name_email_or_phone_and_merged_into_the_left_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;
    let mut vera = app
        .visitor_with(json!({ "name": "Vera Ivanova", "phone": "+7 912 345-67-89" }))
        .await;
    let veras_dialog = start_dialog(&mut vera, "Hello").await;
    let veras = contact_of(&app, &admin, &veras_dialog).await;
    let mut other = app
        .visitor_with(json!({ "name": "Ivan Petrov", "email": "ivan@example.com" }))
        .await;
    let others_dialog = start_dialog(&mut other, "Hi").await;
    let others = contact_of(&app, &admin, &others_dialog).await;
    // Notes and a custom field on each, to see what a merge keeps.
    let (status, _) = app
        .request(
            "PUT",
            "/api/contact-fields",
            Some(&admin),
            Some(json!({ "fields": [{ "key": "plan", "label": "Plan" }] })),
        )
        .await;
    assert_eq!(status, 200);
    for (contact, notes, plan) in [
        (&veras, "Prefers e-mail", "gold"),
        (&others, "VIP", "silver"),
    ] {
        let body = json!({ "notes": notes, "fields": { "plan": plan } });
        let (status, card) = put_contact(&app, &admin, contact, body).await;
        assert_eq!(status, 200, "{card}");
    }

    let mut ivan = found(&app, &anna.token, "ivan").await;
    ivan.sort();
    let mut both = vec![veras.clone(), others.clone()];
    both.sort();
    assert_eq!(ivan, both, "first and last names");
    assert_eq!(
        found(&app, &anna.token, "Ivanova%20ve").await,
        [veras.as_str()],
        "every word"
    );
    assert_eq!(found(&app, &anna.token, "petr").await, [others.as_str()]);
    assert_eq!(
        found(&app, &anna.token, "IVAN%40example.com").await,
        [others.as_str()],
        "an e-mail"
    );
    assert_eq!(
        found(&app, &anna.token, "8%20912%20345%2067%2089")
            .await
            .len(),
        0,
        "another number"
    );
    assert_eq!(
        found(&app, &anna.token, "7912-345-67-89").await,
        [veras.as_str()],
        "a phone"
    );
    assert!(found(&app, &anna.token, "nobody").await.is_empty());
    let (status, body) = app
        .request(
            "GET",
            &format!("/api/contacts?q={}", "x".repeat(101)),
            Some(&anna.token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );

    // Refusals change nothing.
    let (status, body) = merge_contacts(&app, &anna.token, &veras, &veras).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) =
        merge_contacts(&app, &anna.token, &veras, "ct_0000000000000000000000000").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("contact_not_found"))
    );
    let (status, _) = app
        .request(
            "POST",
            &format!("/api/contacts/{veras}/merge"),
            None,
            Some(json!({ "contact_id": others })),
        )
        .await;
    assert_eq!(status, 401);
    a.drain().await;

    // Ivan (right) is pulled into Vera (left).
    let (status, card) = merge_contacts(&app, &anna.token, &veras, &others).await;
    assert_eq!(status, 200, "{card}");
    let contact = &card["contact"];
    assert_eq!(contact["id"], veras.as_str());
    assert_eq!(contact["name"], "Vera Ivanova", "the left one's name");
    assert_eq!(contact["phone"], "+7 912 345-67-89");
    assert_eq!(
        contact["email"], "ivan@example.com",
        "the right one's, the left had none"
    );
    assert_eq!(contact["fields"]["plan"], "gold", "the left one's value");
    assert_eq!(
        contact["notes"], "Prefers e-mail\n\nVIP\n\nplan: silver",
        "nothing lost"
    );
    assert_eq!(card["dialogs"].as_array().unwrap().len(), 2);
    let event = a.event("contact.merged").await;
    assert_eq!(event["merged_id"], others.as_str());
    assert_eq!(event["contact"]["id"], veras.as_str());
    // The moved dialog carries its new contact and name.
    let moved = app
        .get(&format!("/api/dialogs/{others_dialog}"), &anna.token)
        .await;
    assert_eq!(moved["contact_id"], veras.as_str());
    assert_eq!(moved["visitor_name"], "Vera Ivanova");
    // Found by what it is now: the right one's e-mail finds the united contact, its name no more.
    assert_eq!(
        found(&app, &anna.token, "ivan%40example.com").await,
        [veras.as_str()]
    );
    assert_eq!(
        found(&app, &anna.token, "petrov").await,
        Vec::<String>::new()
    );
    // The merged dialog is found by the united contact's name in the dialog search.
    let hits = app.get("/api/search?q=vera%20ivanova", &anna.token).await;
    let found: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["dialog"]["id"].as_str().unwrap())
        .collect();
    assert!(found.contains(&others_dialog.as_str()), "{hits}");
    // The merged id keeps resolving.
    let old = app
        .get(&format!("/api/contacts/{others}"), &anna.token)
        .await;
    assert_eq!(old["contact"]["id"], veras.as_str());
    // Merging again is answered the same, nothing moves twice.
    let (status, again) = merge_contacts(&app, &anna.token, &veras, &others).await;
    assert_eq!(status, 200);
    assert_eq!(again["contact"], card["contact"]);
}
