//! Tags through the running local gateway: an admin defines them; an operator puts them on a
//! contact and pins one; every dialog of the contact carries the copy, a dialog that starts for
//! the tagged contact starts with it; each tag's count follows tagging, untagging, a new dialog,
//! an unpin and a delete; refusals are typed and change nothing.

use parlor_core::domain::identity_hash;
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, Ws, start_dialog, unique};

async fn create_tag(app: &TestApp, admin: &str, name: &str, colour: &str) -> String {
    let body = json!({ "name": name, "colour": colour });
    let (status, tag) = app
        .request("POST", "/api/tags", Some(admin), Some(body))
        .await;
    assert_eq!(status, 201, "{tag}");
    assert_eq!(tag["dialogs"], 0);
    tag["id"].as_str().unwrap().to_owned()
}

/// Each tag's name and count, as `GET /api/tags` lists them (the most used first).
async fn counts(app: &TestApp, token: &str) -> Vec<(String, u64)> {
    app.get("/api/tags", token).await["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["dialogs"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn set_tags(app: &TestApp, token: &str, contact: &str, tags: Value) -> (u16, Value) {
    app.request(
        "PUT",
        &format!("/api/contacts/{contact}/tags"),
        Some(token),
        Some(json!({ "tags": tags })),
    )
    .await
}

/// The next `dialog.updated` of this dialog on the socket.
async fn updated(ws: &mut Ws, dialog: &str) -> Value {
    ws.next_where(|e| e["type"] == "dialog.updated" && e["dialog"]["id"] == dialog)
        .await
}

#[tokio::test]
async fn tag_counts_follow_tagging_new_dialogs_unpins_and_deletes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut a = app.connect_operator(&anna).await;

    // Tags are the admin's to define, each name once whatever its case.
    let vip = create_tag(&app, &admin, "VIP", "#E0A000").await;
    let lead = create_tag(&app, &admin, "Lead", "#2a7ae2").await;
    let body = json!({ "name": " vip ", "colour": "#000000" });
    let (status, taken) = app
        .request("POST", "/api/tags", Some(&admin), Some(body))
        .await;
    assert_eq!(
        (status, taken["error"]["code"].as_str()),
        (409, Some("tag_name_taken")),
        "{taken}"
    );
    let body = json!({ "name": "Hot", "colour": "red" });
    let (status, bad) = app
        .request("POST", "/api/tags", Some(&admin), Some(body))
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let body = json!({ "name": "Hot", "colour": "#ff0000" });
    let (status, _) = app
        .request("POST", "/api/tags", Some(&anna.token), Some(body))
        .await;
    assert_eq!(status, 403, "operators may not define tags");
    let listed = app.get("/api/tags", &anna.token).await;
    assert_eq!(listed["tags"].as_array().unwrap().len(), 2, "{listed}");
    assert!(
        listed["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "VIP" && t["colour"] == "#e0a000"),
        "{listed}"
    );

    // A verified customer writes from their phone.
    let secret = parlor_e2e::identity_secret(&app, &admin).await;
    let user = unique("user-");
    let hash = identity_hash(&secret, &user);
    let profile = json!({ "name": "Vera", "user_id": user, "user_hash": hash });
    let mut phone = app.visitor_with(profile.clone()).await;
    let first = start_dialog(&mut phone, "From my phone").await;
    let contact = parlor_e2e::contact_of(&app, &anna.token, &first).await;

    // Anna tags the contact, VIP pinned: the dialog carries the copy and both counts move.
    let tags = json!([{ "tag": vip, "pinned": true }, { "tag": lead }]);
    let (status, card) = set_tags(&app, &anna.token, &contact, tags).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["contact"]["tags"][0]["tag"], vip.as_str(), "{card}");
    assert_eq!(card["contact"]["tags"][0]["pinned"], true, "{card}");
    assert_eq!(card["contact"]["tags"][1]["pinned"], false, "{card}");
    assert_eq!(
        card["dialogs"][0]["tags"], card["contact"]["tags"],
        "{card}"
    );
    let event = a.event("contact.updated").await;
    assert_eq!(event["contact"]["tags"], card["contact"]["tags"], "{event}");
    let event = updated(&mut a, &first).await;
    assert_eq!(event["dialog"]["tags"], card["contact"]["tags"], "{event}");
    assert!(event.get("event").is_none(), "{event}");
    assert_eq!(
        counts(&app, &anna.token).await,
        [("Lead".into(), 1), ("VIP".into(), 1)]
    );
    // The same tags again move nothing.
    let tags = json!([{ "tag": vip, "pinned": true }, { "tag": lead }]);
    let (status, _) = set_tags(&app, &anna.token, &contact, tags).await;
    assert_eq!(status, 200);
    assert_eq!(
        counts(&app, &anna.token).await,
        [("Lead".into(), 1), ("VIP".into(), 1)]
    );

    // The customer on a laptop: the new dialog starts with the contact's tags, counted.
    let mut laptop = app.visitor_with(profile).await;
    let second = start_dialog(&mut laptop, "From my laptop").await;
    let dialog = app
        .get(&format!("/api/dialogs/{second}"), &anna.token)
        .await;
    assert_eq!(dialog["contact_id"], contact.as_str(), "{dialog}");
    assert_eq!(dialog["tags"], card["contact"]["tags"], "{dialog}");
    assert_eq!(
        counts(&app, &anna.token).await,
        [("Lead".into(), 2), ("VIP".into(), 2)]
    );

    // Lead comes off, VIP stays pinned: both dialogs lose Lead.
    let (status, card) = set_tags(
        &app,
        &anna.token,
        &contact,
        json!([{ "tag": vip, "pinned": true }]),
    )
    .await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["dialogs"].as_array().unwrap().len(), 2, "{card}");
    for d in card["dialogs"].as_array().unwrap() {
        assert_eq!(d["tags"], json!([{ "tag": vip, "pinned": true }]), "{card}");
    }
    assert_eq!(
        counts(&app, &anna.token).await,
        [("VIP".into(), 2), ("Lead".into(), 0)]
    );
    // Unpinning the tag moves no count.
    let (status, _) = set_tags(
        &app,
        &anna.token,
        &contact,
        json!([{ "tag": vip, "pinned": false }]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        counts(&app, &anna.token).await,
        [("VIP".into(), 2), ("Lead".into(), 0)]
    );

    // The laptop's dialog is unpinned from the contact: it carries no tag, and leaves the count.
    let path = format!("/api/contacts/{contact}/dialogs/{second}");
    let (status, unpinned) = app.request("DELETE", &path, Some(&anna.token), None).await;
    assert_eq!(status, 200, "{unpinned}");
    assert!(unpinned["dialog"].get("tags").is_none(), "{unpinned}");
    assert_eq!(
        counts(&app, &anna.token).await,
        [("VIP".into(), 1), ("Lead".into(), 0)]
    );

    // The phone's dialog is deleted: VIP counts none.
    let body = json!({ "dialog_ids": [first] });
    let (status, deleted) = app
        .request("POST", "/api/dialogs/delete", Some(&admin), Some(body))
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(
        counts(&app, &anna.token).await,
        [("Lead".into(), 0), ("VIP".into(), 0)]
    );

    // Refusals name what is wrong and change nothing.
    let unknown = "tag_0000000000000000000000000";
    let (status, refused) =
        set_tags(&app, &anna.token, &contact, json!([{ "tag": unknown }])).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (404, Some("tag_not_found"))
    );
    let (status, refused) = set_tags(
        &app,
        &anna.token,
        &contact,
        json!([{ "tag": vip }, { "tag": vip, "pinned": true }]),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let card = app
        .get(&format!("/api/contacts/{contact}"), &anna.token)
        .await;
    assert_eq!(
        card["contact"]["tags"],
        json!([{ "tag": vip, "pinned": false }])
    );

    // Renamed and recoloured; then deleted: gone from the list, its id refused.
    let body = json!({ "name": "Gold", "colour": "#FFD700" });
    let (status, gold) = app
        .request("PUT", &format!("/api/tags/{vip}"), Some(&admin), Some(body))
        .await;
    assert_eq!(status, 200, "{gold}");
    assert_eq!(
        (gold["name"].as_str(), gold["colour"].as_str()),
        (Some("Gold"), Some("#ffd700"))
    );
    let body = json!({ "name": "lead" });
    let (status, taken) = app
        .request("PUT", &format!("/api/tags/{vip}"), Some(&admin), Some(body))
        .await;
    assert_eq!(
        (status, taken["error"]["code"].as_str()),
        (409, Some("tag_name_taken"))
    );
    let (status, _) = app
        .request("DELETE", &format!("/api/tags/{lead}"), Some(&admin), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(counts(&app, &anna.token).await, [("Gold".into(), 0)]);
    let (status, gone) = app
        .request("DELETE", &format!("/api/tags/{lead}"), Some(&admin), None)
        .await;
    assert_eq!(
        (status, gone["error"]["code"].as_str()),
        (404, Some("tag_not_found"))
    );
    let (status, refused) = set_tags(&app, &anna.token, &contact, json!([{ "tag": lead }])).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (404, Some("tag_not_found"))
    );
}

#[tokio::test]
async fn a_merge_unites_the_tags_and_their_counts_follow() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let vip = create_tag(&app, &admin, "VIP", "#E0A000").await;
    let lead = create_tag(&app, &admin, "Lead", "#2a7ae2").await;
    let mut vera = app.visitor("Vera").await;
    let veras_dialog = start_dialog(&mut vera, "Hello").await;
    let veras = parlor_e2e::contact_of(&app, &admin, &veras_dialog).await;
    let mut again = app.visitor("Vera again").await;
    let agains_dialog = start_dialog(&mut again, "Hello again").await;
    let agains = parlor_e2e::contact_of(&app, &admin, &agains_dialog).await;
    let (status, _) = set_tags(
        &app,
        &admin,
        &veras,
        json!([{ "tag": vip, "pinned": false }]),
    )
    .await;
    assert_eq!(status, 200);
    let tags = json!([{ "tag": vip, "pinned": true }, { "tag": lead, "pinned": false }]);
    let (status, _) = set_tags(&app, &admin, &agains, tags).await;
    assert_eq!(status, 200);
    assert_eq!(
        counts(&app, &admin).await,
        [("VIP".to_owned(), 2), ("Lead".to_owned(), 1)]
    );

    let (status, card) = parlor_e2e::merge_contacts(&app, &admin, &veras, &agains).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        card["contact"]["tags"],
        json!([{ "tag": vip, "pinned": true }, { "tag": lead, "pinned": false }]),
        "both contacts' tags, a pin kept"
    );
    // Both dialogs carry both tags now: each count is what the copies hold.
    let mut after = counts(&app, &admin).await;
    after.sort();
    assert_eq!(after, [("Lead".to_owned(), 2), ("VIP".to_owned(), 2)]);
    for dialog in [&veras_dialog, &agains_dialog] {
        let d = app.get(&format!("/api/dialogs/{dialog}"), &admin).await;
        assert_eq!(d["tags"], card["contact"]["tags"], "{d}");
    }
}
