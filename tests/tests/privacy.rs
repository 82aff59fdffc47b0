//! A contact's export (`POST /api/contacts/{id}/export`) and erasure (`DELETE /api/contacts/{id}`)
//! through the running local gateway: the ZIP's `contact.json` and file bytes, the export's
//! expiry in storage, and an erase that takes the dialogs, their files, their search entries,
//! the visitors and the contact's keys, after which a newcomer may take the same e-mail.

use std::io::Read;

use parlor_core::domain::{ContactKey, identity_hash};
use parlor_core::ids::{AttachmentId, ContactId, VisitorId};
use parlor_core::ports::{Blobs, Clock, SystemClock};
use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::storage::{fetch, png, send_files, stored_objects, upload};
use parlor_e2e::{TestApp, Visitor, eventually, frame, identity_secret, start_dialog, unique};

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

/// A visitor of the demo site vouched for as `user`, who says their e-mail.
async fn signed_in(app: &TestApp, user: &str, secret: &str, email: &str) -> Visitor {
    app.visitor_with(json!({
        "name": "Vera",
        "email": email,
        "user_id": user,
        "user_hash": identity_hash(secret, user),
    }))
    .await
}

fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("its bytes");
            (file.name().expect("a name").to_string(), bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_contact_is_exported_whole_then_erased_whole() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let mut anna_ws = app.connect_operator(&anna).await;
    let secret = identity_secret(&app, &admin).await;

    // Vera, one contact on two devices: two dialogs, one with a picture, a reply and a whisper.
    let user = unique("user-");
    let email = format!("{}@example.com", unique("vera-"));
    let word = unique("zebra");
    let mut phone = signed_in(&app, &user, &secret, &email).await;
    let mut laptop = signed_in(&app, &user, &secret, &email).await;
    let first = start_dialog(&mut phone, &format!("about {word}")).await;
    let picture = png(8, 8);
    let file = upload(&app, &phone.token, "scan.png", &picture, "image/png").await;
    let sent = phone.ws.ok(send_files(Some(&first), "", &[&file])).await;
    let attachment = sent["message"]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    anna_ws.ok(frame::join(&first)).await;
    anna_ws
        .ok(frame::send(Some(&first), &unique("c"), "On it"))
        .await;
    anna_ws
        .ok(frame::whisper(&first, &unique("c"), "regular customer"))
        .await;
    let second = start_dialog(&mut laptop, "and from my laptop").await;
    let dialog = app.get(&format!("/api/dialogs/{second}"), &admin).await;
    let contact = dialog["contact_id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/api/dialogs/{first}"), &admin).await["contact_id"],
        contact.as_str(),
        "one contact"
    );
    assert_eq!(stored_objects(&app, &attachment).await, [true, true, true]);

    // Without the right to delete dialogs: refused, both ways, and nothing changes.
    let export = format!("/api/contacts/{contact}/export");
    let card = format!("/api/contacts/{contact}");
    let (status, refused) = app.request("POST", &export, Some(&anna.token), None).await;
    assert_eq!((status, code(&refused)), (403, "forbidden"), "{refused}");
    let (status, refused) = app.request("DELETE", &card, Some(&anna.token), None).await;
    assert_eq!((status, code(&refused)), (403, "forbidden"), "{refused}");
    assert_eq!(
        app.get(&card, &anna.token).await["contact"]["id"],
        contact.as_str()
    );

    // The export: one ZIP behind a link, contact.json and the picture's bytes.
    let (status, exported) = app.request("POST", &export, Some(&admin), None).await;
    assert_eq!(status, 200, "{exported}");
    assert_eq!(
        (exported["dialogs"].as_u64(), exported["files"].as_u64()),
        (Some(2), Some(1))
    );
    let url = exported["url"].as_str().unwrap().to_owned();
    let zip = fetch(&url).await;
    assert_eq!(zip.status, 200);
    assert_eq!(exported["size"].as_u64(), Some(zip.body.len() as u64));
    let entries = entries(&zip.body);
    assert_eq!(entries[0].0, "contact.json");
    let doc: Value = parlor_e2e::serde_json::from_slice(&entries[0].1).expect("JSON");
    assert_eq!(doc["format"], "parlor.contact-export.v1");
    assert_eq!(doc["contact"]["id"], contact.as_str());
    assert_eq!(doc["contact"]["email"], email.as_str());
    let visitors: Vec<&Value> = doc["visitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    assert_eq!(visitors.len(), 2, "{doc}");
    assert!(visitors.contains(&&json!(phone.id)) && visitors.contains(&&json!(laptop.id)));
    let dialogs = doc["dialogs"].as_array().unwrap();
    let ids: Vec<&Value> = dialogs.iter().map(|d| &d["dialog"]["id"]).collect();
    assert_eq!(ids, vec![&json!(first), &json!(second)], "oldest first");
    let messages = dialogs[0]["messages"].as_array().unwrap();
    let seqs: Vec<u64> = messages
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] + 1 == w[1]),
        "every message, in order: {seqs:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m["text"] == format!("about {word}"))
    );
    let whisper = messages
        .iter()
        .find(|m| m["text"] == "regular customer")
        .expect("the whisper");
    assert_eq!(
        (&whisper["whisper"], &whisper["kind"]),
        (&json!(true), &json!("whisper"))
    );
    let reply = messages.iter().find(|m| m["text"] == "On it").unwrap();
    assert_eq!(reply["whisper"], false);
    let with_file = messages
        .iter()
        .find(|m| m["attachments"][0]["id"] == attachment.as_str())
        .expect("the picture's message");
    let path = with_file["files"][0]
        .as_str()
        .expect("where the file is")
        .to_owned();
    assert_eq!(path, format!("files/{first}/{attachment}-scan.png"));
    let (_, bytes) = entries
        .iter()
        .find(|(name, _)| *name == path)
        .expect("the file");
    assert_eq!(bytes, &picture, "the file as it was sent");
    assert_eq!(entries.len(), 2, "contact.json and the one file");

    // Storage forgets an export after a day, locally as the lifecycle rule does in AWS: this one,
    // made two days old, is deleted by the gateway's sweep.
    let key = url
        .split_once("/exports/")
        .map(|(_, rest)| format!("exports/{}", rest.split('?').next().unwrap()))
        .unwrap();
    let on_disk = parlor_local::storage::root(&app.running.data_dir)
        .join(parlor_local::storage::BUCKET)
        .join(&key);
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&on_disk)
        .and_then(|f| f.set_modified(two_days_ago))
        .expect("the export is on disk");
    eventually("the export expires", || async {
        app.running.blobs.head(&key).await.unwrap().is_none()
    })
    .await;
    assert_eq!(fetch(&url).await.status, 404);

    // The erase: both dialogs, the picture, the search entries, the visitors, the keys.
    let (status, erased) = app.request("DELETE", &card, Some(&admin), None).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["contact_id"], contact.as_str());
    let mut gone: Vec<&str> = erased["dialogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    gone.sort();
    let mut both = vec![first.as_str(), second.as_str()];
    both.sort();
    assert_eq!(gone, both);
    let told = anna_ws.event("contact.deleted").await;
    assert_eq!(told["contact_id"], contact.as_str());
    phone.ws.event("dialog.deleted").await;
    // Then the erased visitors' sockets are closed: the widget reconnects as a new visitor.
    phone.ws.closed().await;
    laptop.ws.closed().await;

    for d in [&first, &second] {
        let (status, v) = app
            .request("GET", &format!("/api/dialogs/{d}"), Some(&admin), None)
            .await;
        assert_eq!((status, code(&v)), (404, "dialog_not_found"), "{v}");
    }
    assert_eq!(
        stored_objects(&app, &attachment).await,
        [false, false, false]
    );
    let hits = app.get(&format!("/api/search?q={word}"), &admin).await;
    assert_eq!(hits["hits"], json!([]), "{hits}");
    let (status, v) = app.request("GET", &card, Some(&admin), None).await;
    assert_eq!((status, code(&v)), (404, "contact_not_found"), "{v}");
    let ws = &app.running.admin.workspace;
    let stores = &app.running.stores;
    let contact_id = ContactId::parse(&contact).unwrap();
    assert_eq!(
        stores.contacts.get_contact(ws, &contact_id).await.unwrap(),
        None
    );
    let email_key = ContactKey::Email(email.clone());
    assert_eq!(
        stores
            .contacts
            .contact_by_key(ws, &email_key)
            .await
            .unwrap(),
        None
    );
    let user_key = ContactKey::User(app.running.site.key.clone(), user.clone());
    assert_eq!(
        stores.contacts.contact_by_key(ws, &user_key).await.unwrap(),
        None
    );
    for v in [&phone.id, &laptop.id] {
        let id = VisitorId::parse(v).unwrap();
        assert_eq!(stores.directory.get_visitor(ws, &id).await.unwrap(), None);
    }

    // Again: the id names nothing.
    let (status, v) = app.request("DELETE", &card, Some(&admin), None).await;
    assert_eq!((status, code(&v)), (404, "contact_not_found"), "{v}");

    // The phone's widget starts afresh: its old token makes a new visitor. And a newcomer takes
    // the same e-mail, as a contact of their own.
    let (status, session) = app
        .request(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({ "site_key": app.running.site.key, "token": phone.token })),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_ne!(session["visitor_id"], phone.id.as_str(), "{session}");
    let mut newcomer = app
        .visitor_with(json!({ "name": "Vera again", "email": email }))
        .await;
    let fresh = start_dialog(&mut newcomer, "hello again").await;
    let theirs = app.get(&format!("/api/dialogs/{fresh}"), &admin).await["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(theirs, contact);
    assert_eq!(
        stores
            .contacts
            .contact_by_key(ws, &email_key)
            .await
            .unwrap(),
        Some(ContactId::parse(&theirs).unwrap())
    );
}

/// An erase cut short (here: its visitors and one dialog deleted, as its first steps do, and then
/// nothing) is finished by the same request, which takes the contacts merged into it too; a merged
/// id names the contact it went into.
#[tokio::test]
async fn an_erase_cut_short_is_finished_by_asking_again_merged_contacts_included() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let secret = identity_secret(&app, &admin).await;
    let user = unique("user-");
    let email = format!("{}@example.com", unique("vera-"));
    let mut phone = signed_in(&app, &user, &secret, &email).await;
    let mut laptop = signed_in(&app, &user, &secret, &email).await;
    let first = start_dialog(&mut phone, "from my phone").await;
    let second = start_dialog(&mut laptop, "from my laptop").await;
    let file = upload(&app, &laptop.token, "scan.png", &png(4, 4), "image/png").await;
    let sent = laptop.ws.ok(send_files(Some(&second), "", &[&file])).await;
    let attachment = sent["message"]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = app.get(&format!("/api/dialogs/{first}"), &admin).await["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ws = &app.running.admin.workspace;
    let stores = &app.running.stores;
    let contact_id = ContactId::parse(&contact).unwrap();

    // A contact merged into Vera's earlier, holding a phone.
    let mut alias = parlor_core::domain::Contact::new(ContactId::generate(), ws.clone(), 1);
    alias.phone = parlor_core::domain::Phone::parse("+7 912 000-11-22");
    alias.merged_into = Some(contact_id.clone());
    alias.version = 1;
    stores.contacts.put_contact(&alias, None).await.unwrap();
    let before = stores
        .contacts
        .get_contact(ws, &contact_id)
        .await
        .unwrap()
        .unwrap();
    let mut vera = before.clone();
    vera.merged.push(alias.id.clone());
    vera.version += 1;
    stores
        .contacts
        .put_contact(&vera, Some(&before))
        .await
        .unwrap();

    // Cut short: the visitors and the first dialog gone, the rest still there.
    for v in [&phone.id, &laptop.id] {
        let id = VisitorId::parse(v).unwrap();
        stores.directory.delete_visitor(ws, &id).await.unwrap();
    }
    let first_id = parlor_core::ids::DialogId::parse(&first).unwrap();
    stores
        .dialogs
        .delete_dialog(ws, &first_id, None)
        .await
        .unwrap();
    assert_eq!(stored_objects(&app, &attachment).await, [true, true, true]);

    // Asked again, through the merged contact's id: it finishes.
    let (status, erased) = app
        .request(
            "DELETE",
            &format!("/api/contacts/{}", alias.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(
        erased,
        json!({ "contact_id": contact, "merged": [alias.id], "dialogs": [second] })
    );
    assert_eq!(
        stored_objects(&app, &attachment).await,
        [false, false, false]
    );
    for id in [&contact_id, &alias.id] {
        assert_eq!(stores.contacts.get_contact(ws, id).await.unwrap(), None);
    }
    let phone_key = ContactKey::Phone("79120001122".into());
    assert_eq!(
        stores
            .contacts
            .contact_by_key(ws, &phone_key)
            .await
            .unwrap(),
        None
    );
    let email_key = ContactKey::Email(email.clone());
    assert_eq!(
        stores
            .contacts
            .contact_by_key(ws, &email_key)
            .await
            .unwrap(),
        None
    );
    for id in [&contact, &alias.id.to_string()] {
        let (status, v) = app
            .request("DELETE", &format!("/api/contacts/{id}"), Some(&admin), None)
            .await;
        assert_eq!((status, code(&v)), (404, "contact_not_found"), "{v}");
    }
}

/// The files an export would gather are counted from their messages first: over the cap, the
/// export is refused in words and nothing is read or written.
#[tokio::test]
async fn an_export_over_the_cap_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "a huge file follows").await;
    let ws = &app.running.admin.workspace;
    let stores = &app.running.stores;
    let dialog_id = parlor_core::ids::DialogId::parse(&dialog).unwrap();
    let visitor = stores
        .directory
        .get_visitor(ws, &VisitorId::parse(&vera.id).unwrap())
        .await
        .unwrap()
        .unwrap();
    // A message whose file, as recorded, is larger than one export holds.
    let mut stored = stores
        .dialogs
        .get_dialog(ws, &dialog_id)
        .await
        .unwrap()
        .unwrap();
    let huge = parlor_core::domain::Attachment {
        id: AttachmentId::generate(),
        name: "backup.bin".into(),
        content_type: "application/octet-stream".into(),
        size: parlor_core::domain::MAX_EXPORT_BYTES + 1,
        kind: parlor_core::domain::AttachmentKind::File,
        width: None,
        height: None,
        preview: false,
        sealed: true,
    };
    let content = parlor_core::domain::Content {
        text: String::new(),
        attachments: vec![huge],
    };
    let client_id = parlor_core::ids::ClientMessageId::parse("huge-file").unwrap();
    let messages = stored
        .visitor_message(&visitor, client_id, content, None, SystemClock.now())
        .unwrap();
    stored.version += 1;
    stores
        .dialogs
        .commit(&stored, &messages, &Default::default())
        .await
        .unwrap();

    let contact = app.get(&format!("/api/dialogs/{dialog}"), &admin).await["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, refused) = app
        .request(
            "POST",
            &format!("/api/contacts/{contact}/export"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (413, "export_too_large"),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than the 50 MB one export holds"),
        "{refused}"
    );
    let exports = parlor_local::storage::root(&app.running.data_dir)
        .join(parlor_local::storage::BUCKET)
        .join("exports");
    assert!(!exports.exists(), "nothing written under exports/");
}
