//! Who is who: login, tickets, visitor sessions, connecting and disconnecting sockets, operator
//! status, and the first run's workspace.

use std::sync::Arc;

use super::{AppError, AppResult, Caller, Collaborators, Limiter, Search, Settings, Sites, Stores};
use crate::auth::{Claims, Holder, Signer, decoy_hash, hash_password, verify_password};
use crate::domain::{
    Connection, DomainError, Email, MIN_PHONE_DIGITS, Millis, Operator, OperatorStatus, Peer,
    Phone, Role, SessionRef, Site, Ticket, Visitor, VisitorSource, Workspace, presence_among,
};
use crate::ids::{
    ConnectionId, DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId, random_token,
};
use crate::ports::StoreError;
use crate::ports::{Clock, ConnectionStore, DirectoryStore, GroupStore, TicketStore};
use crate::protocol::{OperatorView, PROTOCOL_VERSION, WorkspaceChoice};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct LoggedIn {
    pub token: String,
    #[ts(type = "number")]
    pub expires_at: Millis,
    pub operator: OperatorView,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct VisitorSessionRequest {
    pub site_key: SiteKey,
    /// The token the widget kept from an earlier visit: the same visitor comes back.
    #[ts(optional)]
    #[serde(default)]
    pub token: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub name: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub email: Option<String>,
    /// Digits, spaces and `+-().`, with at least five digits.
    #[ts(optional)]
    #[serde(default)]
    pub phone: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub source: Option<VisitorSource>,
    /// The site's own id of its signed-in user, with `user_hash`: the visitor is joined to that
    /// user's contact, on every device.
    #[ts(optional)]
    #[serde(default)]
    pub user_id: Option<String>,
    /// HMAC-SHA256 of `user_id` under the site's identity secret, as 64 hex digits, computed by
    /// the site's backend.
    #[ts(optional)]
    #[serde(default)]
    pub user_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct VisitorSession {
    pub token: String,
    #[ts(type = "number")]
    pub expires_at: Millis,
    pub visitor_id: VisitorId,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialog_id: Option<DialogId>,
}

/// What `$connect` is given: the query string and the Origin header.
#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    pub connection_id: Option<String>,
    pub ticket: Option<String>,
    pub visitor_token: Option<String>,
    pub version: Option<String>,
    pub origin: Option<String>,
}

const MAX_NAME_CHARS: usize = 100;

/// A name (visitor or operator), email or phone: trimmed, absent when blank, refused with `code` when over
/// `MAX_NAME_CHARS` or not `valid` (an email or phone has its own code: the widget points at the
/// field).
fn profile_field<T>(
    value: Option<String>,
    refused: fn(String) -> AppError,
    rule: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> AppResult<Option<T>> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let Some(v) = value else { return Ok(None) };
    match parse(&v) {
        Some(parsed) if v.chars().count() <= MAX_NAME_CHARS => Ok(Some(parsed)),
        _ => Err(refused(format!(
            "{rule} (at most {MAX_NAME_CHARS} characters)"
        ))),
    }
}

/// A new session of the operator: its token, good for `session_ttl`. It is issued after every
/// session the operator's record ended, even within the millisecond that ended them.
pub(super) fn new_session(
    signer: &Signer,
    settings: &Settings,
    now: Millis,
    op: &Operator,
) -> LoggedIn {
    let issued_at = now.max(op.sessions_ended_at + 1);
    let expires_at = issued_at + settings.session_ttl;
    let token = signer.sign(&Claims::Session {
        workspace: op.workspace.clone(),
        operator: op.id.clone(),
        session: random_token("ses_"),
        issued_at,
        expires_at,
    });
    LoggedIn {
        token,
        expires_at,
        operator: OperatorView::from(op),
    }
}

pub(super) fn name_field(value: Option<String>) -> AppResult<Option<String>> {
    profile_field(value, AppError::Invalid, "name is too long", |v| {
        Some(v.to_owned())
    })
}

/// Who is who: sign-in, tickets, visitor sessions, sockets and the team.
pub struct Sessions {
    directory: Arc<dyn DirectoryStore>,
    groups: Arc<dyn GroupStore>,
    tickets: Arc<dyn TicketStore>,
    connections: Arc<dyn ConnectionStore>,
    pub signer: Signer,
    pub settings: Settings,
    clock: Arc<dyn Clock>,
    sites: Arc<Sites>,
    search: Arc<Search>,
    limits: Arc<Limiter>,
    contacts: Arc<super::Contacts>,
}

impl Sessions {
    pub(super) fn new(
        stores: &Stores,
        signer: Signer,
        settings: Settings,
        clock: Arc<dyn Clock>,
        with: Collaborators,
    ) -> Self {
        Self {
            directory: stores.directory.clone(),
            groups: stores.groups.clone(),
            tickets: stores.tickets.clone(),
            connections: stores.connections.clone(),
            signer,
            settings,
            clock,
            sites: with.sites,
            search: with.search,
            limits: with.limits,
            contacts: with.contacts,
        }
    }

    pub async fn caller_of(&self, connection: &ConnectionId) -> AppResult<Caller> {
        let record = self
            .connections
            .get_connection(connection)
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("this connection is not known; reconnect".into())
            })?;
        match record.peer {
            Peer::Operator { id, session, .. } => {
                let op = self.directory.get_operator(&record.workspace, &id).await?;
                let op = op.ok_or_else(|| {
                    AppError::Unauthorized("the operator no longer exists".into())
                })?;
                // The socket was closed when its session ended; a frame that raced the close
                // is refused all the same.
                let session = session.unwrap_or_default();
                if let Some(problem) = op.session_problem(&session, record.connected_at) {
                    return Err(AppError::Unauthorized(problem.into()));
                }
                Ok(Caller::Operator(op))
            }
            Peer::Visitor { id, .. } => {
                let v = self.directory.get_visitor(&record.workspace, &id).await?;
                v.map(Caller::Visitor)
                    .ok_or_else(|| AppError::Unauthorized("the visitor no longer exists".into()))
            }
        }
    }

    /// The operator behind a session token.
    pub async fn operator_from_session(&self, token: &str) -> AppResult<Operator> {
        Ok(self.signed_in(token).await?.0)
    }

    /// The operator behind a session token, and the session it names. The one read is the
    /// operator's record, which says whether they are active and which sessions are over.
    pub async fn signed_in(&self, token: &str) -> AppResult<(Operator, SessionRef)> {
        let claims = self
            .signer
            .verify(token, self.clock.now())
            .map_err(|e| AppError::Unauthorized(e.to_string()))?;
        let (
            Claims::Session {
                workspace,
                operator,
                ..
            },
            Some(session),
        ) = (
            &claims,
            claims.session_ref(token, self.settings.session_ttl),
        )
        else {
            return Err(AppError::Unauthorized(
                "not an operator session token".into(),
            ));
        };
        let op = self
            .directory
            .get_operator(workspace, operator)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the operator no longer exists".into()))?;
        if let Some(problem) = op.session_problem(&session.id, session.issued_at) {
            return Err(AppError::Unauthorized(problem.into()));
        }
        Ok((op, session))
    }

    /// The visitor behind a visitor token.
    pub async fn visitor_from_token(&self, token: &str) -> AppResult<Visitor> {
        match self.signer.verify(token, self.clock.now()) {
            Ok(Claims::Visitor {
                workspace, visitor, ..
            }) => self
                .directory
                .get_visitor(&workspace, &visitor)
                .await?
                .ok_or_else(|| AppError::Unauthorized("the visitor no longer exists".into())),
            Ok(_) => Err(AppError::Unauthorized("not a visitor token".into())),
            Err(e) => Err(AppError::Unauthorized(e.to_string())),
        }
    }

    /// Who a bearer token (an operator's session or a visitor's token) lets upload, and where.
    pub async fn uploader(&self, token: &str) -> AppResult<(WorkspaceId, Holder)> {
        match self.signer.verify(token, self.clock.now()) {
            Ok(Claims::Session { .. }) => {
                let op = self.operator_from_session(token).await?;
                Ok((op.workspace.clone(), Holder::Operator(op.id)))
            }
            Ok(Claims::Visitor { .. }) => {
                let v = self.visitor_from_token(token).await?;
                Ok((v.workspace.clone(), Holder::Visitor(v.id)))
            }
            Ok(_) => Err(AppError::Unauthorized(
                "send an operator's session token or a visitor token".into(),
            )),
            Err(e) => Err(AppError::Unauthorized(e.to_string())),
        }
    }

    /// Signs in with an email and password, in `workspace` when one is named. Every operator with
    /// the email is a candidate; the password is checked against each (against a decoy when there
    /// is none, so an unknown address takes as long). Matching in several workspaces without one
    /// named is `choose_workspace`, listing them: only someone who knows the password learns them.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        workspace: Option<&WorkspaceId>,
    ) -> AppResult<LoggedIn> {
        let found = self.directory.find_operators_by_email(email).await?;
        let candidates: Vec<Operator> = found
            .into_iter()
            .filter(|op| workspace.is_none_or(|ws| &op.workspace == ws))
            .collect();
        if candidates.is_empty() {
            verify_password(decoy_hash(), password);
        }
        let matched: Vec<Operator> = candidates
            .into_iter()
            .filter(|op| verify_password(&op.password_hash, password))
            .collect();
        let active: Vec<&Operator> = matched.iter().filter(|op| op.active).collect();
        match active.as_slice() {
            [op] => Ok(self.session_for(op)),
            [] if matched.is_empty() => {
                Err(AppError::Unauthorized("wrong email or password".into()))
            }
            [] => Err(AppError::Unauthorized(
                "this operator is deactivated; an admin of the workspace can reactivate them"
                    .into(),
            )),
            several => {
                let mut choices = Vec::new();
                for op in several {
                    let name = self
                        .directory
                        .get_workspace(&op.workspace)
                        .await?
                        .map_or_else(|| op.workspace.to_string(), |w| w.name);
                    choices.push(WorkspaceChoice {
                        id: op.workspace.clone(),
                        name,
                    });
                }
                Err(AppError::ChooseWorkspace(choices))
            }
        }
    }

    fn session_for(&self, op: &Operator) -> LoggedIn {
        new_session(&self.signer, &self.settings, self.clock.now(), op)
    }

    /// A one-time ticket, valid for seconds, that opens this operator's WebSocket; the socket
    /// belongs to `session` and closes when it ends.
    pub async fn issue_ticket(
        &self,
        op: &Operator,
        session: Option<&SessionRef>,
    ) -> AppResult<Ticket> {
        let ticket = Ticket {
            id: random_token("tkt_"),
            workspace: op.workspace.clone(),
            operator: op.id.clone(),
            session: session.map(|s| s.id.clone()),
            expires_at: self.clock.now() + self.settings.ticket_ttl,
        };
        self.tickets.put_ticket(&ticket).await?;
        Ok(ticket)
    }

    /// Issues a visitor token for a site, or renews the one the widget kept. A new visitor counts
    /// against the new sessions `from` that address may open (`Limiter::new_visitor`).
    pub async fn visitor_session(
        &self,
        req: VisitorSessionRequest,
        origin: Option<&str>,
        from: Option<std::net::IpAddr>,
    ) -> AppResult<VisitorSession> {
        let site = self.sites.site_for_visitor(&req.site_key, origin).await?;
        let name = name_field(req.name)?;
        let email = profile_field(
            req.email,
            AppError::InvalidEmail,
            "email must be an address like someone@example.com",
            Email::parse,
        )?;
        let phone_rule = format!(
            "phone must be digits, spaces and +-() with at least {MIN_PHONE_DIGITS} digits"
        );
        let phone = profile_field(req.phone, AppError::InvalidPhone, &phone_rule, Phone::parse)?;
        // A site user is checked before anything is stored: a bad hash stores nothing.
        let user = match (req.user_id, req.user_hash) {
            (None, None) => None,
            (Some(user_id), Some(user_hash)) => Some(
                self.contacts
                    .check_identity(&site, &super::Identity { user_id, user_hash })?,
            ),
            _ => {
                return Err(AppError::Invalid(
                    "user_id and user_hash go together".into(),
                ));
            }
        };
        let returning = match req.token.as_deref() {
            Some(token) => match self.signer.verify(token, self.clock.now()) {
                Ok(Claims::Visitor {
                    workspace,
                    site: key,
                    visitor,
                    ..
                }) if key == site.key => self.directory.get_visitor(&workspace, &visitor).await?,
                _ => None,
            },
            None => None,
        };
        let visitor = match returning {
            Some(mut v) => {
                if name.is_some() || email.is_some() || phone.is_some() {
                    v.name = name.or(v.name);
                    v.email = email.or(v.email);
                    v.phone = phone.or(v.phone);
                    self.directory.put_visitor(&v).await?;
                    self.search.index_visitor(&v).await;
                }
                v
            }
            None => {
                self.limits.new_visitor(from).await?;
                let v = Visitor {
                    id: VisitorId::generate(),
                    workspace: site.workspace.clone(),
                    site: site.key.clone(),
                    name,
                    email,
                    phone,
                    dialog: None,
                    contact: None,
                    source: req.source.unwrap_or_default().bounded(),
                    created_at: self.clock.now(),
                    current_page: None,
                };
                self.directory.put_visitor(&v).await?;
                v
            }
        };
        let visitor = match user {
            Some(user) => self.contacts.join_verified(visitor, user).await?,
            None => visitor,
        };
        let expires_at = self.clock.now() + self.settings.visitor_token_ttl;
        let token = self.signer.sign(&Claims::Visitor {
            workspace: visitor.workspace.clone(),
            site: visitor.site.clone(),
            visitor: visitor.id.clone(),
            expires_at,
        });
        Ok(VisitorSession {
            token,
            expires_at,
            visitor_id: visitor.id,
            dialog_id: visitor.dialog,
        })
    }

    /// `$connect`: an operator with a one-time ticket, or a visitor with a visitor token. Any
    /// refusal rejects the socket. Nothing is posted to the connection here (API Gateway would
    /// answer 410): the client asks for its state once the socket is open.
    pub async fn connect(&self, req: ConnectRequest) -> AppResult<Connection> {
        if let Some(v) = &req.version
            && v.parse::<u32>().ok() != Some(PROTOCOL_VERSION)
        {
            let msg = format!(
                "protocol version {} is not supported; this server speaks {PROTOCOL_VERSION}",
                crate::domain::quote(v)
            );
            return Err(AppError::Invalid(msg));
        }
        let id = req
            .connection_id
            .as_deref()
            .map(ConnectionId::parse)
            .transpose()?;
        let id = id.ok_or_else(|| AppError::Invalid("no connection id".into()))?;
        let now = self.clock.now();
        let (workspace, peer) = if let Some(ticket) = &req.ticket {
            let ticket = self.tickets.take_ticket(ticket).await?;
            let ticket = ticket.ok_or_else(|| {
                AppError::Unauthorized("the ticket is unknown, used or expired".into())
            })?;
            let op = self
                .directory
                .get_operator(&ticket.workspace, &ticket.operator)
                .await?;
            let op =
                op.ok_or_else(|| AppError::Unauthorized("the operator no longer exists".into()))?;
            let session = ticket.session.clone().unwrap_or_default();
            let issued_at = ticket.expires_at - self.settings.ticket_ttl;
            if let Some(problem) = op.session_problem(&session, issued_at) {
                return Err(AppError::Unauthorized(problem.into()));
            }
            (
                op.workspace.clone(),
                Peer::Operator {
                    id: op.id,
                    role: op.role,
                    status: op.status,
                    rights: op.rights,
                    session: ticket.session,
                },
            )
        } else if let Some(token) = &req.visitor_token {
            let visitor = self.visitor_from_token(token).await?;
            self.sites
                .site_for_visitor(&visitor.site, req.origin.as_deref())
                .await?;
            self.limits
                .visitor_socket_opening(&visitor.workspace, &visitor.id)
                .await?;
            (
                visitor.workspace.clone(),
                Peer::Visitor {
                    id: visitor.id,
                    site: visitor.site,
                },
            )
        } else {
            return Err(AppError::Unauthorized(
                "connect with ?ticket= (operators) or ?visitor_token= (visitors)".into(),
            ));
        };
        let connection = Connection {
            id,
            workspace,
            peer,
            connected_at: now,
            seen_at: None,
            expires_at: now + self.settings.connection_ttl,
        };
        self.connections.put_connection(&connection).await?;
        self.limits.visitor_socket_opened(&connection).await?;
        Ok(connection)
    }

    /// Forgets a closed connection; returns its record, if it was still known.
    pub async fn disconnect(&self, id: &ConnectionId) -> AppResult<Option<Connection>> {
        let known = self.connections.get_connection(id).await?;
        self.connections.delete_connection(id).await?;
        Ok(known)
    }

    /// The workspace's operators, each with their presence: one query of the directory and one
    /// of the workspace's operator connections.
    pub async fn operators(&self, op: &Operator) -> AppResult<Vec<OperatorView>> {
        let (operators, connections) = futures_util::future::try_join(
            self.directory.list_operators(&op.workspace),
            self.connections.operator_connections(&op.workspace),
        )
        .await?;
        let now = self.clock.now();
        Ok(operators
            .iter()
            .map(|o| OperatorView {
                presence: Some(presence_among(o.status, &o.id, &connections, now)),
                ..OperatorView::from(o)
            })
            .collect())
    }

    /// Admins add operators to their workspace.
    pub async fn add_operator(
        &self,
        admin: &Operator,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> AppResult<OperatorView> {
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may add operators").into());
        }
        let op = self
            .create_operator(&admin.workspace, email, name, role, password)
            .await?;
        Ok(OperatorView::from(&op))
    }

    pub async fn create_operator(
        &self,
        workspace: &WorkspaceId,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> AppResult<Operator> {
        let email = Email::operator(email).ok_or_else(|| {
            AppError::InvalidEmail("the email must be an address like someone@example.com".into())
        })?;
        let name = name_field(Some(name.to_owned()))?
            .ok_or_else(|| AppError::Invalid("the name is empty".into()))?;
        if let Some(problem) = crate::domain::password_problem(password, &email) {
            return Err(AppError::Invalid(problem));
        }
        let rights = super::groups::rights_of_new_operator(self.groups.as_ref(), workspace).await?;
        let op = Operator {
            id: OperatorId::generate(),
            workspace: workspace.clone(),
            email,
            name,
            role,
            status: OperatorStatus::Online,
            password_hash: hash_password(password),
            groups: Vec::new(),
            rights,
            active: true,
            sessions_ended_at: 0,
            signed_out: Vec::new(),
            version: 0,
        };
        match self.directory.create_operator(&op).await {
            Ok(()) => Ok(op),
            Err(StoreError::AlreadyExists) => Err(AppError::Invalid(
                "an operator of this workspace has this email".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The first run: a workspace, a site and an admin, unless the admin's email is already known.
    /// Returns the site and the admin either way.
    pub async fn bootstrap(
        &self,
        admin_email: &str,
        admin_password: &str,
        origins: Vec<String>,
    ) -> AppResult<(Site, Operator, bool)> {
        let known = self.directory.find_operators_by_email(admin_email).await?;
        // The address may be an operator of several workspaces: the first run's is one it is an
        // admin of.
        let admin = known
            .iter()
            .find(|op| op.is_admin())
            .or(known.first())
            .cloned();
        if let Some(admin) = admin {
            let sites = self.directory.list_sites(&admin.workspace).await?;
            let site = sites
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Unavailable("the workspace has no site".into()))?;
            return Ok((site, admin, false));
        }
        let workspace = Workspace {
            id: WorkspaceId::generate(),
            name: "Demo workspace".into(),
            created_at: self.clock.now(),
            attachment_limits: Default::default(),
            handling: Default::default(),
            contact_fields: Vec::new(),
        };
        self.directory.put_workspace(&workspace).await?;
        let allowed_origins = crate::domain::parse_allowed_origins(&origins)?;
        let site = Site {
            key: SiteKey::generate(),
            workspace: workspace.id.clone(),
            name: "Demo site".into(),
            allowed_origins,
            settings: Default::default(),
            identity_secret: None,
        };
        self.directory.put_site(&site).await?;
        let admin = self
            .create_operator(
                &workspace.id,
                admin_email,
                "Admin",
                Role::Admin,
                admin_password,
            )
            .await?;
        Ok((site, admin, true))
    }
}
