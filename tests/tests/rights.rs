//! Groups and rights through the running local gateway: admins manage groups, the rights a group
//! carries reach its members at once (their next request and their open sockets), and every
//! use-case that needs a right checks it on the server. The console's side is tested in Chromium
//! (`web/e2e/console-groups.e2e.ts`).

use parlor_e2e::serde_json::{Value, json};
use parlor_e2e::{TestApp, frame, start_dialog};

async fn create_group(app: &TestApp, admin: &str, name: &str, rights: Value) -> String {
    let (status, group) = app
        .request(
            "POST",
            "/api/groups",
            Some(admin),
            Some(json!({ "name": name, "rights": rights })),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    group["id"].as_str().unwrap().to_owned()
}

async fn set_groups(app: &TestApp, admin: &str, operator: &str, groups: Value) -> (u16, Value) {
    app.request(
        "PUT",
        &format!("/api/operators/{operator}/groups"),
        Some(admin),
        Some(json!({ "groups": groups })),
    )
    .await
}

fn code(v: &Value) -> Option<&str> {
    v["error"]["code"].as_str()
}

#[tokio::test]
async fn only_admins_manage_groups_and_everyone_comes_first_with_its_default() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;

    let listed = app.get("/api/groups", &admin).await;
    assert_eq!(
        listed["groups"],
        json!([{
            "id": "grp_everyone", "name": "Everyone", "rights": ["see_colleagues_dialogs"],
            "everyone": true, "members": listed["groups"][0]["members"],
        }]),
        "{listed}"
    );
    assert_eq!(
        listed["groups"][0]["members"].as_array().unwrap().len(),
        2,
        "the admin and Anna"
    );
    let me = app.get("/api/me", &anna.token).await;
    assert_eq!(me["rights"], json!(["see_colleagues_dialogs"]), "{me}");
    assert_eq!(me["groups"], json!([]));
    let boss = app.get("/api/me", &admin).await;
    assert_eq!(
        boss["rights"],
        json!([
            "see_colleagues_dialogs",
            "reassign_dialogs",
            "delete_dialogs",
            "view_reports",
            "manage_settings"
        ]),
        "an admin holds every right"
    );

    for (method, path, body) in [
        ("GET", "/api/groups".to_owned(), None),
        (
            "POST",
            "/api/groups".to_owned(),
            Some(json!({ "name": "Mine", "rights": ["manage_settings"] })),
        ),
        (
            "PATCH",
            "/api/groups/grp_everyone".to_owned(),
            Some(json!({ "rights": ["manage_settings"] })),
        ),
        ("DELETE", "/api/groups/grp_everyone".to_owned(), None),
        (
            "PUT",
            format!("/api/operators/{}/groups", anna.id),
            Some(json!({ "groups": [] })),
        ),
    ] {
        let (status, refused) = app
            .request(method, &path, Some(&anna.token), body.clone())
            .await;
        assert_eq!(
            (status, code(&refused)),
            (403, Some("forbidden")),
            "{method} {path}"
        );
        let (status, _) = app.request(method, &path, None, body).await;
        assert_eq!(status, 401, "{method} {path} without a token");
    }
    assert_eq!(
        app.get("/api/groups", &admin).await["groups"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was created"
    );
    assert_eq!(
        app.get("/api/me", &anna.token).await["rights"],
        json!(["see_colleagues_dialogs"]),
        "nothing changed"
    );
}

#[tokio::test]
async fn bad_group_changes_are_refused_in_words_and_store_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let supervisors = create_group(&app, &admin, "Supervisors", json!([])).await;

    for (method, path, body, want) in [
        (
            "POST",
            "/api/groups",
            json!({ "name": "  " }),
            (400, "invalid_request"),
        ),
        (
            "POST",
            "/api/groups",
            json!({ "name": "x".repeat(61) }),
            (400, "invalid_request"),
        ),
        (
            "POST",
            "/api/groups",
            json!({ "name": "supervisors" }),
            (400, "invalid_request"),
        ),
        (
            "POST",
            "/api/groups",
            json!({ "name": "Fly", "rights": ["fly"] }),
            (400, "invalid_request"),
        ),
        (
            "PATCH",
            "/api/groups/grp_everyone",
            json!({ "name": "All" }),
            (400, "invalid_request"),
        ),
        (
            "DELETE",
            "/api/groups/grp_everyone",
            json!(null),
            (400, "invalid_request"),
        ),
        (
            "PATCH",
            "/api/groups/grp_nothing",
            json!({ "name": "X" }),
            (404, "group_not_found"),
        ),
        (
            "DELETE",
            "/api/groups/grp_nothing",
            json!(null),
            (404, "group_not_found"),
        ),
        (
            "PATCH",
            "/api/groups/not an id",
            json!({ "name": "X" }),
            (400, "invalid_request"),
        ),
    ] {
        let body = (!body.is_null()).then_some(body);
        let path = path.replace(' ', "%20");
        let (status, refused) = app.request(method, &path, Some(&admin), body).await;
        assert_eq!(
            (status, code(&refused)),
            (want.0, Some(want.1)),
            "{method} {path}: {refused}"
        );
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{refused}"
        );
    }
    for (groups, want) in [
        (json!(["grp_everyone"]), (400, "invalid_request")),
        (json!(["grp_nothing"]), (404, "group_not_found")),
        (
            json!([supervisors, "grp_nothing"]),
            (404, "group_not_found"),
        ),
    ] {
        let (status, refused) = set_groups(&app, &admin, &anna.id, groups.clone()).await;
        assert_eq!(
            (status, code(&refused)),
            (want.0, Some(want.1)),
            "{groups}: {refused}"
        );
    }
    let (status, refused) = set_groups(&app, &admin, "op_nobody", json!([])).await;
    assert_eq!(
        (status, code(&refused)),
        (404, Some("operator_not_found")),
        "{refused}"
    );

    let listed = app.get("/api/groups", &admin).await;
    let names: Vec<_> = listed["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Everyone", "Supervisors"]);
    assert_eq!(listed["groups"][1]["members"], json!([]));

    // Another workspace's admin sees neither the group nor Anna.
    let other = other_workspace_admin(&app).await;
    let (status, refused) = app
        .request(
            "PATCH",
            &format!("/api/groups/{supervisors}"),
            Some(&other),
            Some(json!({ "rights": ["manage_settings"] })),
        )
        .await;
    assert_eq!((status, code(&refused)), (404, Some("group_not_found")));
    let (status, refused) = set_groups(&app, &other, &anna.id, json!([])).await;
    assert_eq!((status, code(&refused)), (404, Some("operator_not_found")));
    assert_eq!(app.get("/api/groups", &admin).await, listed);
}

/// An admin of a workspace of their own, made through the store the gateway runs on.
async fn other_workspace_admin(app: &TestApp) -> String {
    let sessions = &app.running.app.sessions;
    let (_, admin, _) = sessions
        .bootstrap("boss@elsewhere.example", "another-workspace-pw", Vec::new())
        .await
        .expect("a second workspace");
    assert_ne!(admin.workspace, app.running.admin.workspace);
    app.login("boss@elsewhere.example", "another-workspace-pw")
        .await
}

#[tokio::test]
async fn a_group_that_may_reassign_lets_its_member_transfer_a_colleagues_dialog_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    let carl = app.operator("Carl").await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "Hello").await;
    a.ok(frame::join(&dialog)).await;

    let refused = b
        .refused(frame::transfer(&dialog, &carl.id, None), "forbidden")
        .await;
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("reassign"),
        "says what would allow it: {message}"
    );

    let supervisors = create_group(&app, &admin, "Supervisors", json!(["reassign_dialogs"])).await;
    let (status, boris_now) = set_groups(&app, &admin, &boris.id, json!([supervisors])).await;
    assert_eq!(status, 200, "{boris_now}");
    assert_eq!(
        boris_now["rights"],
        json!(["see_colleagues_dialogs", "reassign_dialogs"])
    );
    // Boris's console hears of it, on the socket it already has.
    let updated = b
        .next_where(|e| e["type"] == "operator.updated" && e["operator"]["id"] == boris.id)
        .await;
    assert_eq!(updated["operator"]["groups"], json!([supervisors]));

    b.ok(frame::transfer(
        &dialog,
        &carl.id,
        Some("Carl knows billing"),
    ))
    .await;
    assert_eq!(
        app.get("/api/me", &boris.token).await["rights"],
        boris_now["rights"]
    );
    let groups = app.get("/api/groups", &admin).await;
    assert_eq!(groups["groups"][1]["members"], json!([boris.id]));

    // Deleting the group takes the right away again.
    let (status, _) = app
        .request(
            "DELETE",
            &format!("/api/groups/{supervisors}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let me = app.get("/api/me", &boris.token).await;
    assert_eq!(me["rights"], json!(["see_colleagues_dialogs"]));
    assert_eq!(me["groups"], json!([]));
    b.refused(frame::transfer(&dialog, &anna.id, None), "forbidden")
        .await;
}

#[tokio::test]
async fn without_seeing_colleagues_dialogs_an_operator_keeps_the_queue_and_their_own() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let carl = app.operator("Carl").await;
    let (status, everyone) = app
        .request(
            "PATCH",
            "/api/groups/grp_everyone",
            Some(&admin),
            Some(json!({ "rights": [] })),
        )
        .await;
    assert_eq!(status, 200, "{everyone}");
    assert_eq!(app.get("/api/me", &carl.token).await["rights"], json!([]));

    let mut a = app.connect_operator(&anna).await;
    let mut c = app.connect_operator(&carl).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "Hello").await;
    // In the queue, everyone sees it.
    c.next_where(|e| e["type"] == "dialog.created" && e["dialog"]["id"] == dialog)
        .await;
    let open = app.get("/api/dialogs?status=open", &carl.token).await;
    assert!(listed(&open, &dialog), "{open}");

    a.ok(frame::join(&dialog)).await;
    // Once Anna is in charge, Carl's list drops it and he may not read or join it.
    c.next_where(|e| e["type"] == "dialog.removed" && e["dialog_id"] == dialog)
        .await;
    let open = app.get("/api/dialogs?status=open", &carl.token).await;
    assert!(!listed(&open, &dialog), "{open}");
    let (status, refused) = app
        .request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages"),
            Some(&carl.token),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (403, Some("forbidden")),
        "{refused}"
    );
    c.refused(frame::join(&dialog), "forbidden").await;
    vera.ws
        .ok(frame::send(
            Some(&dialog),
            &parlor_e2e::unique("c"),
            "Are you there?",
        ))
        .await;
    c.assert_no("message.created").await;

    // Giving the right back through a group shows it again.
    let all = create_group(
        &app,
        &admin,
        "Team leads",
        json!(["see_colleagues_dialogs"]),
    )
    .await;
    let (status, _) = set_groups(&app, &admin, &carl.id, json!([all])).await;
    assert_eq!(status, 200);
    let open = app.get("/api/dialogs?status=open", &carl.token).await;
    assert!(listed(&open, &dialog), "{open}");
    assert_eq!(
        app.history(&carl, &dialog, "").await["messages"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "Hello, Anna's join and Are you there?"
    )
}

fn listed(page: &Value, dialog: &str) -> bool {
    page["dialogs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == dialog)
}

#[tokio::test]
async fn managing_settings_is_a_right_a_group_can_give() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let anna = app.operator("Anna").await;
    let key = app.running.site.key.to_string();
    let change = json!({ "greeting": "Welcome!" });
    let limits = json!({ "image_max_bytes": 1_000_000, "file_max_bytes": 2_000_000 });
    for (method, path, body) in [
        ("GET", "/api/sites".to_owned(), None),
        ("PUT", format!("/api/sites/{key}"), Some(change.clone())),
        (
            "PUT",
            "/api/attachments/limits".to_owned(),
            Some(limits.clone()),
        ),
    ] {
        let (status, refused) = app.request(method, &path, Some(&anna.token), body).await;
        assert_eq!(
            (status, code(&refused)),
            (403, Some("forbidden")),
            "{method} {path}"
        );
    }
    let settings = create_group(&app, &admin, "Site editors", json!(["manage_settings"])).await;
    set_groups(&app, &admin, &anna.id, json!([settings])).await;
    assert_eq!(
        app.get("/api/sites", &anna.token).await["sites"][0]["key"],
        key
    );
    let (status, changed) = app
        .request(
            "PUT",
            &format!("/api/sites/{key}"),
            Some(&anna.token),
            Some(change),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["settings"]["greeting"], "Welcome!");
    // Managing the team stays the admins'.
    let (status, _) = app
        .request(
            "POST",
            "/api/operators",
            Some(&anna.token),
            Some(json!({ "email": "new@example.com", "name": "New", "password": "password-123" })),
        )
        .await;
    assert_eq!(status, 403);
}
