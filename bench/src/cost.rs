//! Cost per message: what one visitor message and one operator message cost in DynamoDB capacity
//! (as DynamoDB Local reports it: every call asks for `ReturnConsumedCapacity=TOTAL`), Management
//! API posts and function invocations, as online operators and open dialogs grow. The real App
//! runs in-process on a DynamoDB Local table; only the push is a counter (no sockets to post to).

use parlor_core::entrypoints::ws::frames;
use crate::dynamo_local::DynamoLocal;
use crate::push::RecordingPush;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::interceptors::{AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut};
use aws_sdk_dynamodb::config::{BehaviorVersion, ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use parlor_core::adapters::dynamo::DynamoStore;
use parlor_core::app::{App, ConnectRequest, Settings, VisitorSessionRequest};
use parlor_core::auth::Signer;
use parlor_core::domain::Role;
use parlor_core::ids::ConnectionId;
use parlor_core::protocol::Route;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Read and write capacity units consumed, as DynamoDB reports them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Units {
    pub read: f64,
    pub write: f64,
    pub calls: usize,
    /// Calls whose capacity the meter cannot read: any makes the measurement wrong.
    pub unmetered: usize,
}

#[derive(Debug, Default, Clone)]
struct Meter(Arc<Mutex<Units>>);

impl Meter {
    fn take(&self) -> Units {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }

    fn add(&self, write: bool, capacity: &[ConsumedCapacity]) {
        let units: f64 = capacity.iter().map(|c| c.capacity_units().unwrap_or_default()).sum();
        let mut u = self.0.lock().expect("not poisoned");
        u.calls += 1;
        if write { u.write += units } else { u.read += units }
    }
}

macro_rules! ask_capacity {
    ($input:expr, $($t:ty),+) => {
        $(if let Some(i) = $input.downcast_mut::<$t>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
        })+
    };
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "ParlorCapacityMeter"
    }

    fn modify_before_serialization(&self, ctx: &mut BeforeSerializationInterceptorContextMut<'_>, _: &RuntimeComponents, _: &mut ConfigBag) -> Result<(), BoxError> {
        let input = ctx.input_mut();
        ask_capacity!(
            input,
            GetItemInput,
            QueryInput,
            BatchGetItemInput,
            PutItemInput,
            UpdateItemInput,
            DeleteItemInput,
            TransactWriteItemsInput,
            BatchWriteItemInput
        );
        Ok(())
    }

    fn read_after_deserialization(&self, ctx: &AfterDeserializationInterceptorContextRef<'_>, _: &RuntimeComponents, _: &mut ConfigBag) -> Result<(), BoxError> {
        let Ok(out) = ctx.output_or_error() else { return Ok(()) };
        let one = |c: Option<&ConsumedCapacity>| c.cloned().into_iter().collect::<Vec<_>>();
        if let Some(o) = out.downcast_ref::<GetItemOutput>() {
            self.add(false, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<QueryOutput>() {
            self.add(false, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<BatchGetItemOutput>() {
            self.add(false, o.consumed_capacity());
        } else if let Some(o) = out.downcast_ref::<PutItemOutput>() {
            self.add(true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<UpdateItemOutput>() {
            self.add(true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<DeleteItemOutput>() {
            self.add(true, &one(o.consumed_capacity()));
        } else if let Some(o) = out.downcast_ref::<TransactWriteItemsOutput>() {
            self.add(true, o.consumed_capacity());
        } else if let Some(o) = out.downcast_ref::<BatchWriteItemOutput>() {
            self.add(true, o.consumed_capacity());
        } else {
            self.0.lock().expect("not poisoned").unmetered += 1;
        }
        Ok(())
    }
}

/// The cost of one message of each side, averaged over `samples` sends.
#[derive(Debug)]
pub struct Cost {
    pub visitor: (Units, f64),
    pub operator: (Units, f64),
}

pub async fn measure(local: &DynamoLocal, operators: usize, dialogs: usize, samples: usize) -> Result<Cost, String> {
    let meter = Meter::default();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(local.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("parlorbench", "parlorbench", None, None, "parlor-bench"))
        .interceptor(meter.clone())
        .http_client(parlor_core::adapters::https_client())
        .build();
    let table = format!("parlor-cost-{operators}-{dialogs}-{}", std::process::id());
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), table);
    store.create_table().await.map_err(|e| e.to_string())?;
    let push = Arc::new(RecordingPush::default());
    let app = App::new(Arc::new(store), push.clone(), Signer::new(vec![9u8; 32])?, Settings::default());
    let err = |e: parlor_core::app::AppError| e.to_string();
    let (site, admin, _) = app.bootstrap("admin@parlor.cost", "cost-admin-password", Vec::new()).await.map_err(err)?;
    let mut op_conns = Vec::new();
    for j in 0..operators {
        let op = if j == 0 {
            admin.clone()
        } else {
            app.create_operator(&admin.workspace, &format!("op{j}@parlor.cost"), &format!("Operator {j}"), Role::Operator, "operator-password").await.map_err(err)?
        };
        let ticket = app.issue_ticket(&op).await.map_err(err)?;
        let conn = ConnectionId::parse(&format!("op{j}=")).map_err(|e| e.to_string())?;
        app.connect(ConnectRequest { connection_id: Some(conn.as_str().into()), ticket: Some(ticket.id), ..ConnectRequest::default() }).await.map_err(err)?;
        op_conns.push(conn);
    }
    let mut measured = None;
    let mut dialog_id = String::new();
    for i in 0..dialogs {
        let req = VisitorSessionRequest { site_key: site.key.clone(), token: None, name: Some(format!("Visitor {i}")), email: None, phone: None, source: None };
        let session = app.visitor_session(req, None).await.map_err(err)?;
        let conn = ConnectionId::parse(&format!("v{i}=")).map_err(|e| e.to_string())?;
        app.connect(ConnectRequest { connection_id: Some(conn.as_str().into()), visitor_token: Some(session.token), ..ConnectRequest::default() }).await.map_err(err)?;
        let first = json!({"action": "message", "op": "send", "request_id": "r", "client_id": format!("first-{i}"), "text": "hello"});
        frames::handle_frame(&app, &conn, Route::Message, &first.to_string()).await.map_err(err)?;
        let posts = push.take();
        if i == 0 {
            let (_, last) = posts.last().ok_or("the first message was posted nowhere")?;
            let last: serde_json::Value = serde_json::from_str(last).map_err(|e| e.to_string())?;
            dialog_id = last["message"]["dialog_id"].as_str().ok_or("the first message named no dialog")?.to_owned();
            measured = Some(conn);
        }
    }
    let visitor = measured.ok_or("no dialog")?;
    // The measured dialog: the first visitor's, joined by the first operator.
    let join = json!({"action": "assign", "op": "join", "request_id": "j", "dialog_id": dialog_id});
    frames::handle_frame(&app, &op_conns[0], Route::Assign, &join.to_string()).await.map_err(err)?;

    let mut per_side = Vec::new();
    for side in ["visitor", "operator"] {
        meter.take();
        push.take();
        for n in 0..samples {
            let mut frame = json!({"action": "message", "op": "send", "request_id": format!("{side}-{n}"), "client_id": format!("{side}-{n}"), "text": "A typical chat message of about eighty characters, give or take a few words."});
            let conn = if side == "visitor" {
                &visitor
            } else {
                frame["dialog_id"] = json!(dialog_id);
                &op_conns[0]
            };
            frames::handle_frame(&app, conn, Route::Message, &frame.to_string()).await.map_err(err)?;
        }
        let u = meter.take();
        if u.unmetered > 0 {
            return Err(format!("{} DynamoDB calls of an operation the meter does not read: add it to Meter", u.unmetered));
        }
        let per = |x: f64| x / samples as f64;
        let units = Units { read: per(u.read), write: per(u.write), calls: u.calls / samples, unmetered: 0 };
        per_side.push((units, per(push.take().len() as f64)));
    }
    Ok(Cost { visitor: per_side[0], operator: per_side[1] })
}
