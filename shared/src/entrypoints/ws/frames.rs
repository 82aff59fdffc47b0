//! One WebSocket frame in, one ack or error frame out to its sender: the typed edge of the
//! protocol. Parsing, dispatch to the use-case and the answer live here; the use-cases take typed
//! commands and say what they did (`app::Done`), and know nothing of frames or request ids.

use crate::app::{App, AppError, AppResult, Caller, Done, Draft, Post};
use crate::domain::Dialog;
use crate::ids::ConnectionId;
use crate::protocol::{
    AssignOp, ClientAction, ClientFrame, CloseOp, DialogView, MessageOp, MessageView, Route,
    ServerEvent,
};

const MAX_REQUEST_ID_CHARS: usize = 128;

/// Parses a frame into its request id and action, or the typed error that answers it.
pub fn parse_frame(body: &str) -> Result<ClientFrame, (Option<String>, AppError)> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        (
            None,
            AppError::Malformed(format!("the frame is not JSON: {e}")),
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err((
            None,
            AppError::Malformed("the frame is not a JSON object".into()),
        ));
    };
    let request_id = match object.get("request_id") {
        Some(serde_json::Value::String(id))
            if !id.is_empty() && id.chars().count() <= MAX_REQUEST_ID_CHARS =>
        {
            id.clone()
        }
        _ => {
            let msg =
                format!("request_id must be a string of 1 to {MAX_REQUEST_ID_CHARS} characters");
            return Err((None, AppError::Invalid(msg)));
        }
    };
    let fail = |e: AppError| Err((Some(request_id.clone()), e));
    let action = object
        .get("action")
        .and_then(|a| a.as_str())
        .unwrap_or_default()
        .to_owned();
    let action = action.as_str();
    // An unknown op is told apart from a malformed one.
    let Some(ops) = Route::of_action(action).and_then(Route::ops) else {
        return fail(AppError::UnknownAction(format!(
            "unknown action {}",
            crate::domain::quote(action)
        )));
    };
    let op = object
        .get("op")
        .and_then(|o| o.as_str())
        .unwrap_or_default()
        .to_owned();
    let op = op.as_str();
    if !ops.contains(&op) {
        return fail(AppError::UnknownAction(format!(
            "unknown op {} for action {action}",
            crate::domain::quote(op)
        )));
    }
    match serde_json::from_value::<ClientFrame>(value) {
        Ok(frame) => Ok(frame),
        Err(e) => fail(AppError::Invalid(format!("invalid {action}.{op}: {e}"))),
    }
}

/// Handles one frame that API Gateway routed to `route` and answers its sender. Only an
/// infrastructure failure comes back as `Err` (after the client was told `internal`).
pub async fn handle_frame(
    app: &App,
    connection: &ConnectionId,
    route: Route,
    body: &str,
) -> AppResult<()> {
    let (request_id, outcome) = match parse_frame(body) {
        Err((request_id, e)) => (request_id, Err(e)),
        Ok(frame) if frame.action.route() != route => {
            let e = AppError::UnknownAction("this route does not take that action".into());
            (Some(frame.request_id), Err(e))
        }
        Ok(frame) => {
            let outcome = dispatch(app, connection, &frame.action).await;
            (Some(frame.request_id), outcome)
        }
    };
    let reply = match (&outcome, request_id) {
        (Ok(done), Some(request_id)) => ack(request_id, done),
        (Err(e), request_id) => refusal(request_id, e),
        (Ok(_), None) => unreachable!("a frame that was dispatched had a request id"),
    };
    app.delivery.deliver(&[Post::new(connection, &reply)]).await;
    match outcome {
        Err(e) if e.is_internal() => Err(e),
        _ => Ok(()),
    }
}

/// Answers a frame that matched no route (`$default`).
pub async fn handle_unroutable(app: &App, connection: &ConnectionId, body: &str) -> AppResult<()> {
    let (request_id, e) = match parse_frame(body) {
        Err(refused) => refused,
        Ok(frame) => (
            Some(frame.request_id),
            AppError::UnknownAction("no route takes this action".into()),
        ),
    };
    refuse_frame(app, connection, request_id, &e).await;
    Ok(())
}

/// Answers a frame that is refused before anything is done with it.
pub async fn refuse_frame(
    app: &App,
    connection: &ConnectionId,
    request_id: Option<String>,
    e: &AppError,
) {
    let reply = refusal(request_id, e);
    app.delivery.deliver(&[Post::new(connection, &reply)]).await;
}

/// The `error` frame that answers a refused request: with the wait, for a limit.
fn refusal(request_id: Option<String>, e: &AppError) -> ServerEvent {
    ServerEvent::error(request_id, e.code(), e.public_message()).error_after(e.retry_after_ms())
}

/// The ack: what the command did, as the sender sees it.
fn ack(request_id: String, done: &Done) -> ServerEvent {
    let message = done
        .message
        .as_ref()
        .map(|(m, receipts)| MessageView::new(m.clone(), receipts));
    let dialog = done.dialog.as_ref().map(|d| DialogView {
        unread: done.unread,
        ..DialogView::from(d)
    });
    ServerEvent::Ack {
        request_id,
        message,
        dialog,
    }
}

/// The use-case a frame asks for, as its caller (from the connection record, never the frame).
async fn dispatch(app: &App, connection: &ConnectionId, action: &ClientAction) -> AppResult<Done> {
    let caller = app.sessions.caller_of(connection).await?;
    if let ClientAction::Message(MessageOp::Send { .. } | MessageOp::Whisper { .. }) = action {
        app.limits.message(&caller).await?;
    }
    match (action, caller) {
        (ClientAction::Message(MessageOp::Ping {}), Caller::Operator(op)) => {
            app.presence.console_heard(connection, &op).await?;
            Ok(Done::default())
        }
        (ClientAction::Message(MessageOp::Ping {}), _) => Ok(Done::default()),
        (
            ClientAction::Message(MessageOp::Send {
                dialog_id,
                client_id,
                text,
                reply_to,
                uploads,
            }),
            Caller::Visitor(v),
        ) => {
            let draft = Draft {
                client_id,
                text,
                reply_to: *reply_to,
                uploads,
            };
            app.dialogs
                .visitor_send(&v, connection, dialog_id.as_ref(), draft)
                .await
        }
        (
            ClientAction::Message(MessageOp::Send {
                dialog_id,
                client_id,
                text,
                reply_to,
                uploads,
            }),
            Caller::Operator(op),
        ) => {
            let dialog_id = dialog_id.as_ref().ok_or_else(|| missing("dialog_id"))?;
            let draft = Draft {
                client_id,
                text,
                reply_to: *reply_to,
                uploads,
            };
            app.dialogs
                .operator_send(&op, connection, dialog_id, draft, false)
                .await
        }
        (
            ClientAction::Message(MessageOp::Whisper {
                dialog_id,
                client_id,
                text,
                reply_to,
                uploads,
            }),
            Caller::Operator(op),
        ) => {
            if !uploads.is_empty() {
                return Err(crate::domain::DomainError::WhisperAttachment.into());
            }
            let draft = Draft {
                client_id,
                text,
                reply_to: *reply_to,
                uploads,
            };
            app.dialogs
                .operator_send(&op, connection, dialog_id, draft, true)
                .await
        }
        (ClientAction::Message(MessageOp::Typing { dialog_id, typing }), caller) => {
            app.dialogs
                .typing(&caller, connection, dialog_id.as_ref(), *typing)
                .await
        }
        (ClientAction::Message(MessageOp::Read { dialog_id, up_to }), caller) => {
            app.dialogs
                .read(&caller, connection, dialog_id.as_ref(), *up_to)
                .await
        }
        (ClientAction::Message(MessageOp::MarkUnread { dialog_id }), Caller::Operator(op)) => {
            app.dialogs.mark_unread(&op, connection, dialog_id).await
        }
        (ClientAction::Assign(AssignOp::Join { dialog_id }), Caller::Operator(op)) => {
            app.dialogs
                .change(&op, connection, dialog_id, Dialog::join)
                .await
        }
        (ClientAction::Assign(AssignOp::Leave { dialog_id }), Caller::Operator(op)) => {
            app.dialogs
                .change(&op, connection, dialog_id, Dialog::leave)
                .await
        }
        (
            ClientAction::Assign(AssignOp::Transfer {
                dialog_id,
                to,
                comment,
            }),
            Caller::Operator(op),
        ) => {
            app.dialogs
                .transfer(&op, connection, dialog_id, to, comment.clone())
                .await
        }
        (ClientAction::Assign(AssignOp::Hold { dialog_id }), Caller::Operator(op)) => {
            app.dialogs
                .change(&op, connection, dialog_id, Dialog::hold)
                .await
        }
        (ClientAction::Assign(AssignOp::Resume { dialog_id }), Caller::Operator(op)) => {
            app.dialogs
                .change(&op, connection, dialog_id, Dialog::resume)
                .await
        }
        (ClientAction::Close(CloseOp::Close { dialog_id }), Caller::Operator(op)) => {
            app.dialogs.close(&op, connection, dialog_id).await
        }
        (ClientAction::Close(CloseOp::Reopen { dialog_id }), Caller::Operator(op)) => {
            app.dialogs
                .change(&op, connection, dialog_id, Dialog::reopen)
                .await
        }
        (_, Caller::Visitor(_)) => {
            Err(crate::domain::DomainError::Forbidden("only operators may do this").into())
        }
    }
}

fn missing(field: &str) -> AppError {
    AppError::Invalid(format!("{field} is required"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    fn code_of(body: &str) -> (Option<String>, ErrorCode) {
        let (rid, e) = parse_frame(body).unwrap_err();
        (rid, e.code())
    }

    #[test]
    fn every_bad_frame_gets_a_typed_error_with_its_request_id() {
        assert_eq!(code_of("{nope"), (None, ErrorCode::MalformedFrame));
        assert_eq!(code_of("[1,2]"), (None, ErrorCode::MalformedFrame));
        assert_eq!(
            code_of(r#"{"action":"message","op":"send"}"#),
            (None, ErrorCode::InvalidRequest)
        );
        let rid = Some("r1".to_owned());
        assert_eq!(
            code_of(r#"{"request_id":"r1","action":"dance"}"#),
            (rid.clone(), ErrorCode::UnknownAction)
        );
        assert_eq!(
            code_of(r#"{"request_id":"r1","action":"message","op":"shout"}"#),
            (rid.clone(), ErrorCode::UnknownAction)
        );
        assert_eq!(
            code_of(r#"{"request_id":"r1","action":"message","op":"send","text":"hi"}"#),
            (rid.clone(), ErrorCode::InvalidRequest),
            "client_id is missing"
        );
        assert_eq!(
            code_of(r#"{"request_id":"r1","action":"assign","op":"join","dialog_id":42}"#),
            (rid, ErrorCode::InvalidRequest)
        );
    }
}
