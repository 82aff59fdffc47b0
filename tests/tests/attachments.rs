//! Attachments end to end through the running local gateway and its S3-compatible storage: a grant,
//! the browser's upload straight to storage, the message that names it, the check before it is
//! stored, previews, links for whoever may read it, the dialog's files and sending one again.

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::storage::{fetch, grant, png, send_files, upload, upload_granted};
use parlor_e2e::{TestApp, frame, start_dialog, unique};

/// The next `message.created` that carries files (the timeline's system events pass by).
async fn with_files(ws: &mut parlor_e2e::Ws) -> Value {
    ws.next_where(|e| e["type"] == "message.created" && e["message"]["attachments"].is_array())
        .await
}

#[tokio::test]
async fn a_visitors_image_reaches_the_operator_with_a_preview_and_links_only_the_dialogs_readers_get()
 {
    let app = TestApp::spawn().await;
    let mut j = app.joined("Hello").await;
    let picture = png(1200, 600);
    let token = upload(&app, &j.vera.token, "receipt.png", &picture, "image/png").await;

    let ack = j.vera.ws.ok(send_files(None, "", &[&token])).await;
    let stored = &ack["message"];
    assert_eq!(stored["text"], "");
    let a = &stored["attachments"][0];
    assert_eq!(
        (a["name"].as_str(), a["kind"].as_str(), a["size"].as_u64()),
        (
            Some("receipt.png"),
            Some("image"),
            Some(picture.len() as u64)
        )
    );
    assert_eq!(
        (
            a["width"].as_u64(),
            a["height"].as_u64(),
            a["preview"].as_bool()
        ),
        (Some(1200), Some(600), Some(true))
    );

    let pushed = with_files(&mut j.a).await;
    assert_eq!(
        pushed["message"]["attachments"], stored["attachments"],
        "the operator gets the same files"
    );
    assert_eq!(
        pushed["dialog"]["last_message"]["text"], "📎 receipt.png",
        "the list names the file"
    );

    // Links, for Anna: the original as uploaded, and a small JPEG preview.
    let seq = stored["seq"].as_u64().unwrap();
    let links = app
        .get(
            &format!("/api/dialogs/{}/messages/{seq}/attachments", j.dialog),
            &j.anna.token,
        )
        .await;
    let link = &links["attachments"][0];
    assert_eq!(link["id"], a["id"]);
    let got = fetch(link["url"].as_str().unwrap()).await;
    assert_eq!(
        (got.status, got.header("content-type")),
        (200, Some("image/png"))
    );
    assert_eq!(got.body, picture, "the file comes back byte for byte");
    let got = fetch(link["preview_url"].as_str().unwrap()).await;
    assert_eq!(
        (got.status, got.header("content-type")),
        (200, Some("image/jpeg"))
    );
    let preview = image::load_from_memory(&got.body).unwrap();
    assert_eq!((preview.width(), preview.height()), (480, 240));

    // The visitor gets links to their own message too.
    let own = app
        .get(
            &format!("/api/visitor/messages/{seq}/attachments"),
            &j.vera.token,
        )
        .await;
    assert_eq!(own["attachments"][0]["id"], a["id"]);
    assert_eq!(
        fetch(own["attachments"][0]["url"].as_str().unwrap())
            .await
            .body,
        picture
    );

    // Anna hands the dialog to Boris: she may no longer fetch its files; Boris may.
    let boris = app.operator("Boris").await;
    j.a.ok(frame::transfer(&j.dialog, &boris.id, None)).await;
    let path = format!("/api/dialogs/{}/messages/{seq}/attachments", j.dialog);
    let (status, body) = app.request("GET", &path, Some(&j.anna.token), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert_eq!(
        app.get(&path, &boris.token).await["attachments"][0]["id"],
        a["id"]
    );
    let (status, _) = app
        .request(
            "GET",
            &format!("/api/dialogs/{}/attachments", j.dialog),
            Some(&j.anna.token),
            None,
        )
        .await;
    assert_eq!(status, 403, "nor list them");

    // A changed link is refused by storage.
    let url = link["url"].as_str().unwrap();
    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &url[at..at + 1] == "0" { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &url[..at], &url[at + 1..]);
    assert_eq!(fetch(&tampered).await.status, 403);
}

#[tokio::test]
async fn files_go_both_ways_several_at_once_and_the_dialogs_files_can_be_sent_again() {
    let app = TestApp::spawn().await;
    let mut j = app.joined("I need the invoice").await;
    let pdf = b"%PDF-1.4 Parlor test invoice".to_vec();
    let one = upload(&app, &j.anna.token, "invoice.pdf", &pdf, "application/pdf").await;
    let two = upload(&app, &j.anna.token, "photo.png", &png(40, 30), "image/png").await;
    let ack =
        j.a.ok(send_files(Some(&j.dialog), "Here you are", &[&one, &two]))
            .await;
    let files = ack["message"]["attachments"].as_array().unwrap().clone();
    assert_eq!(
        files
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["invoice.pdf", "photo.png"]
    );
    assert_eq!(
        (files[0]["kind"].as_str(), files[0]["preview"].as_bool()),
        (Some("file"), Some(false))
    );
    let got = with_files(&mut j.vera.ws).await;
    assert_eq!(got["message"]["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(got["message"]["text"], "Here you are");

    // A file downloads under its own name.
    let seq = ack["message"]["seq"].as_u64().unwrap();
    let links = app
        .get(
            &format!("/api/visitor/messages/{seq}/attachments"),
            &j.vera.token,
        )
        .await;
    let got = fetch(links["attachments"][0]["url"].as_str().unwrap()).await;
    assert_eq!(
        (got.status, got.header("content-type"), got.body.to_vec()),
        (200, Some("application/pdf"), pdf)
    );
    assert!(
        got.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"invoice.pdf\"")
    );

    // The dialog's files, newest first, with a token to send each again.
    let listed = app
        .get(
            &format!("/api/dialogs/{}/attachments", j.dialog),
            &j.anna.token,
        )
        .await;
    let listed = listed["attachments"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["seq"], seq);
    assert_eq!(listed[0]["kind"], "operator");
    let resend = listed[1]["resend"].as_str().unwrap();
    let again = j.a.ok(send_files(Some(&j.dialog), "", &[resend])).await;
    assert_eq!(
        again["message"]["attachments"][0]["id"], listed[1]["attachment"]["id"],
        "the same stored file"
    );
    assert_eq!(
        with_files(&mut j.vera.ws).await["message"]["attachments"][0]["name"],
        "photo.png"
    );
    let listed = app
        .get(
            &format!("/api/dialogs/{}/attachments", j.dialog),
            &j.anna.token,
        )
        .await;
    assert_eq!(
        listed["attachments"].as_array().unwrap().len(),
        2,
        "each file once, at its newest"
    );
    assert_eq!(listed["attachments"][0]["seq"], again["message"]["seq"]);

    // The token is Anna's: the visitor cannot send it.
    j.vera
        .ws
        .refused(send_files(None, "", &[resend]), "attachment_invalid")
        .await;

    // Nor may Anna carry it into another dialog: a file is sent again where it was sent.
    let mut lev = app.visitor("Lev").await;
    let other = start_dialog(&mut lev, "another dialog").await;
    j.a.ok(frame::join(&other)).await;
    assert_eq!(
        lev.ws.event("message.created").await["message"]["text"],
        "Anna joined the dialog"
    );
    let refused =
        j.a.refused(
            send_files(Some(&other), "", &[resend]),
            "attachment_invalid",
        )
        .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("only in the dialog it was sent in"),
        "{refused}"
    );
    lev.ws.assert_quiet().await;
}

/// Nothing of a refused message is stored or pushed: the history and the operator's socket say so.
async fn nothing_stored(app: &TestApp, j: &mut parlor_e2e::Joined, seq_before: u64) {
    let history = app.history(&j.anna, &j.dialog, "").await;
    assert_eq!(
        history["latest_seq"].as_u64(),
        Some(seq_before),
        "nothing was stored: {history}"
    );
    j.a.assert_no("message.created").await;
}

#[tokio::test]
async fn messages_naming_another_workspaces_file_or_one_never_uploaded_are_refused_and_nothing_is_stored()
 {
    // Refusal after refusal at once, faster than anyone sends.
    let app = TestApp::spawn_with_limits("messages_per_second=0,messages_per_minute=0").await;
    let mut j = app.joined("Hello").await;
    let seq0 = app.history(&j.anna, &j.dialog, "").await["latest_seq"]
        .as_u64()
        .unwrap();

    // Granted, never uploaded.
    let (_, g) = grant(&app, &j.vera.token, "ghost.png", 100, "image/png").await;
    let e = j
        .vera
        .ws
        .refused(
            send_files(None, "see this", &[g["upload"].as_str().unwrap()]),
            "attachment_invalid",
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().contains("upload it again"),
        "{e}"
    );
    nothing_stored(&app, &mut j, seq0).await;

    // Another workspace's file, uploaded by its own visitor.
    let (site, _, _) = app
        .running
        .app
        .sessions
        .bootstrap("boss@elsewhere.test", "password-123", vec![])
        .await
        .unwrap();
    let (_, other) = app
        .request(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({ "site_key": site.key, "name": "Eve" })),
        )
        .await;
    let theirs = upload(
        &app,
        other["token"].as_str().unwrap(),
        "theirs.png",
        &png(8, 8),
        "image/png",
    )
    .await;
    j.vera
        .ws
        .refused(send_files(None, "", &[&theirs]), "attachment_invalid")
        .await;
    // ... nor can an operator of this workspace send it.
    j.a.refused(
        send_files(Some(&j.dialog), "", &[&theirs]),
        "attachment_invalid",
    )
    .await;
    nothing_stored(&app, &mut j, seq0).await;

    // A forged or altered token.
    let mine = upload(&app, &j.vera.token, "mine.png", &png(8, 8), "image/png").await;
    let (payload, sig) = mine.split_once('.').unwrap();
    for forged in [
        format!("{payload}.{}", sig.chars().rev().collect::<String>()),
        "not-a-token".into(),
    ] {
        j.vera
            .ws
            .refused(send_files(None, "", &[&forged]), "attachment_invalid")
            .await;
    }
    // The same file twice, and one file too many.
    j.vera
        .ws
        .refused(send_files(None, "", &[&mine, &mine]), "attachment_invalid")
        .await;
    let eleven: Vec<&str> = std::iter::repeat_n(mine.as_str(), 11).collect();
    j.vera
        .ws
        .refused(send_files(None, "", &eleven), "too_many_attachments")
        .await;
    nothing_stored(&app, &mut j, seq0).await;

    // Bytes that are not the image they claim to be: stored by the upload, refused by the message.
    let fake = upload(
        &app,
        &j.vera.token,
        "cat.png",
        b"<html><script>alert(1)</script></html>",
        "image/png",
    )
    .await;
    j.vera
        .ws
        .refused(
            send_files(None, "", &[&fake]),
            "attachment_type_not_allowed",
        )
        .await;
    // A whisper takes no files.
    let anna_file = upload(&app, &j.anna.token, "note.txt", b"internal", "text/plain").await;
    let mut whisper = frame::whisper(&j.dialog, &unique("w"), "see attached");
    whisper["uploads"] = json!([anna_file]);
    j.a.refused(whisper, "whisper_attachment").await;
    nothing_stored(&app, &mut j, seq0).await;

    // The real one still goes through.
    j.vera.ws.ok(send_files(None, "", &[&mine])).await;
    assert_eq!(
        with_files(&mut j.a).await["message"]["attachments"][0]["name"],
        "mine.png"
    );
}

#[tokio::test]
async fn grants_hold_files_to_the_workspaces_limits_which_only_admins_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut vera = app.visitor("Vera").await;
    start_dialog(&mut vera, "Hi").await;

    let limits = app.get("/api/attachments/limits", &vera.token).await;
    assert_eq!(
        limits,
        json!({ "image_max_bytes": 10 * 1024 * 1024, "file_max_bytes": 25 * 1024 * 1024 })
    );
    let (status, body) = grant(
        &app,
        &vera.token,
        "huge.jpg",
        10 * 1024 * 1024 + 1,
        "image/jpeg",
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("attachment_too_large")),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("10 MB"),
        "{body}"
    );
    let (status, _) = grant(
        &app,
        &vera.token,
        "video.mp4",
        20 * 1024 * 1024,
        "video/mp4",
    )
    .await;
    assert_eq!(status, 201, "other files may be larger");
    for (name, t) in [
        ("setup.exe", "application/octet-stream"),
        ("page.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
    ] {
        let (status, body) = grant(&app, &vera.token, name, 100, t).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("attachment_type_not_allowed")),
            "{name}"
        );
    }
    let (status, body) = grant(&app, &vera.token, "empty.txt", 0, "text/plain").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) = app
        .request(
            "POST",
            "/api/uploads",
            None,
            Some(json!({ "name": "a", "size": 1 })),
        )
        .await;
    assert_eq!(status, 401);

    // Admins change the limits; an operator may not; out-of-range values are refused.
    let smaller = json!({ "image_max_bytes": 1024, "file_max_bytes": 2048 });
    let anna = app.operator("Anna").await;
    let (status, _) = app
        .request(
            "PUT",
            "/api/attachments/limits",
            Some(&anna.token),
            Some(smaller.clone()),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .request(
            "PUT",
            "/api/attachments/limits",
            Some(&admin),
            Some(json!({ "image_max_bytes": 0, "file_max_bytes": 1 })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = app
        .request(
            "PUT",
            "/api/attachments/limits",
            Some(&admin),
            Some(smaller.clone()),
        )
        .await;
    assert_eq!((status, &body), (200, &smaller));
    assert_eq!(
        app.get("/api/attachments/limits", &anna.token).await,
        smaller
    );
    let (status, _) = grant(&app, &vera.token, "small.png", 1025, "image/png").await;
    assert_eq!(status, 413);

    // Storage itself holds an upload to its grant: a larger file than granted is not stored.
    let (_, g) = grant(&app, &vera.token, "tiny.png", 100, "image/png").await;
    let status = upload_granted(&g, &png(64, 64)).await.status;
    assert!((400..500).contains(&status), "storage refused it: {status}");
    vera.ws
        .refused(
            send_files(None, "", &[g["upload"].as_str().unwrap()]),
            "attachment_invalid",
        )
        .await;
}

#[tokio::test]
async fn a_checked_file_stays_what_was_checked_whatever_is_put_at_its_upload_afterwards() {
    let app = TestApp::spawn().await;
    let mut j = app.joined("Hello").await;
    let picture = png(64, 32);
    let (status, g) = grant(
        &app,
        &j.vera.token,
        "receipt.png",
        picture.len(),
        "image/png",
    )
    .await;
    assert_eq!(status, 201, "{g}");
    assert!((200..300).contains(&upload_granted(&g, &picture).await.status));
    let token = g["upload"].as_str().unwrap();
    let first = send_files(None, "", &[token]);
    let ack = j.vera.ws.ok(first.clone()).await;
    let seq = ack["message"]["seq"].as_u64().unwrap();
    with_files(&mut j.a).await;

    // Other bytes of the same size and type under the same grant: the local storage refuses a
    // second upload to the key...
    let mut swapped = png(32, 64);
    swapped.resize(picture.len(), 0);
    assert_ne!(swapped, picture);
    let again = upload_granted(&g, &swapped).await;
    assert_eq!(
        again.status,
        412,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    // ... which S3 takes for the grant's whole window (a browser's POST cannot be conditional).
    let key = g["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f[0] == "key")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned();
    use parlor_core::ports::Blobs;
    app.running
        .blobs
        .put(&key, swapped.clone(), "image/png")
        .await
        .expect("the upload's key overwritten");
    // The message's frame sent again (a retry) checks the file again, and changes nothing.
    let retried = j.vera.ws.ok(first).await;
    assert_eq!(retried["message"]["seq"], seq);

    // The message's links serve what was checked, not what came after.
    let links = app
        .get(
            &format!("/api/dialogs/{}/messages/{seq}/attachments", j.dialog),
            &j.anna.token,
        )
        .await;
    let got = fetch(links["attachments"][0]["url"].as_str().unwrap()).await;
    assert_eq!(
        (got.status, got.header("content-type")),
        (200, Some("image/png"))
    );
    assert_eq!(got.body, picture, "the checked bytes");
    let preview = fetch(links["attachments"][0]["preview_url"].as_str().unwrap()).await;
    let preview = image::load_from_memory(&preview.body).unwrap();
    assert_eq!(
        (preview.width(), preview.height()),
        (64, 32),
        "the checked image's preview"
    );
}

#[tokio::test]
async fn an_upload_goes_in_one_message_only_and_a_retried_frame_is_answered_with_that_message() {
    // Frame after frame at once, faster than anyone sends: the message limits stay out of it.
    let app = TestApp::spawn_with_limits("messages_per_second=0,messages_per_minute=0").await;
    let mut j = app.joined("Hello").await;
    let picture = png(48, 24);
    let token = upload(&app, &j.vera.token, "receipt.png", &picture, "image/png").await;
    let first = send_files(None, "here it is", &[&token]);
    let ack = j.vera.ws.ok(first.clone()).await;
    let seq = ack["message"]["seq"].as_u64().unwrap();
    with_files(&mut j.a).await;

    // The same frame again, as after a lost ack: the same message, stored and pushed once.
    let again = j.vera.ws.ok(first.clone()).await;
    assert_eq!(again["message"]["id"], ack["message"]["id"]);
    assert_eq!(again["message"]["seq"], seq);
    j.a.assert_no("message.created").await;

    // Another message naming the same upload is refused, and nothing is stored.
    let refused = j
        .vera
        .ws
        .refused(
            send_files(None, "and again", &[&token]),
            "upload_already_used",
        )
        .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("receipt.png"),
        "{refused}"
    );
    nothing_stored(&app, &mut j, seq).await;

    // With a fresh file beside it: neither goes, and the fresh one stays free for the next message.
    let fresh = upload(
        &app,
        &j.vera.token,
        "notes.txt",
        b"fresh notes",
        "text/plain",
    )
    .await;
    j.vera
        .ws
        .refused(
            send_files(None, "", &[&fresh, &token]),
            "upload_already_used",
        )
        .await;
    nothing_stored(&app, &mut j, seq).await;
    // A message refused for its text leaves its file free too.
    j.vera
        .ws
        .refused(
            send_files(None, &"x".repeat(2001), &[&fresh]),
            "text_too_long",
        )
        .await;
    nothing_stored(&app, &mut j, seq).await;
    let sent = j.vera.ws.ok(send_files(None, "", &[&fresh])).await;
    assert_eq!(sent["message"]["attachments"][0]["name"], "notes.txt");
    with_files(&mut j.a).await;

    // Operators' uploads the same way; a refusal before the message is stored frees the file.
    let boris = app.operator("Boris").await;
    let mut b = app.connect_operator(&boris).await;
    let pdf = b"%PDF-1.4 once".to_vec();
    let theirs = upload(&app, &boris.token, "terms.pdf", &pdf, "application/pdf").await;
    b.refused(send_files(Some(&j.dialog), "", &[&theirs]), "not_connected")
        .await;
    b.ok(frame::join(&j.dialog)).await;
    let sent = b.ok(send_files(Some(&j.dialog), "", &[&theirs])).await;
    assert_eq!(sent["message"]["attachments"][0]["name"], "terms.pdf");
    let latest = sent["message"]["seq"].as_u64().unwrap();
    b.refused(
        send_files(Some(&j.dialog), "once more", &[&theirs]),
        "upload_already_used",
    )
    .await;
    let history = app.history(&j.anna, &j.dialog, "").await;
    assert_eq!(history["latest_seq"].as_u64(), Some(latest), "{history}");
}
