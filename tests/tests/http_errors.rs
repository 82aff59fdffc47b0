//! Every refusal of the HTTP API is the documented JSON error (`{"error": {"code", "message"}}`)
//! with the status its code has, the framework's own included: a query string, a path or a body
//! of the wrong shape is `invalid_request`, never a plain-text answer.

use parlor_e2e::TestApp;
use parlor_e2e::serde_json::{Value, json};

fn invalid(what: &str, (status, body): (u16, Value)) -> String {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["error"]["code"], "invalid_request", "{what}: {body}");
    body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: a message: {body}"))
        .to_owned()
}

#[tokio::test]
async fn a_query_path_or_body_of_the_wrong_shape_is_a_json_invalid_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let vera = app.visitor("Vera").await;
    let dialog = app.joined("hello").await.dialog;
    let token = Some(admin.as_str());

    invalid(
        "?before=abc",
        app.request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages?before=abc"),
            token,
            None,
        )
        .await,
    );
    invalid(
        "?limit=ten",
        app.request("GET", "/api/dialogs?limit=ten", token, None)
            .await,
    );
    invalid(
        "?after=-1",
        app.request(
            "GET",
            "/api/visitor/messages?after=-1",
            Some(&vera.token),
            None,
        )
        .await,
    );
    invalid(
        "a seq that is no number",
        app.request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages/abc/attachments"),
            token,
            None,
        )
        .await,
    );
    let message = invalid(
        "an id that is none",
        app.request("GET", "/api/dialogs/%3Cscript%3E", token, None)
            .await,
    );
    assert!(
        message.contains("is not a valid DialogId"),
        "named as the id's parser names it: {message}"
    );
    invalid(
        "a body of the wrong shape",
        app.request("POST", "/api/login", None, Some(json!({ "email": 1 })))
            .await,
    );
    invalid(
        "both cursors",
        app.request(
            "GET",
            &format!("/api/dialogs/{dialog}/messages?before=1&after=1"),
            token,
            None,
        )
        .await,
    );

    // Who asks is checked before what is asked: a stranger learns nothing from the shape.
    let (status, body) = app
        .request("GET", "/api/dialogs?limit=ten", None, None)
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("unauthorized")),
        "{body}"
    );
    let (status, body) = app
        .request(
            "GET",
            "/api/dialogs/dlg_nosuchdialog0000000000000",
            token,
            None,
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("dialog_not_found")),
        "{body}"
    );
}
