//! Sites and their widget settings, as admins see and change them.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{AppError, AppResult, Settings, Stores};
use crate::domain::{
    Dialog, DomainError, Millis, Operator, Right, Site, SiteSettings, SiteView,
    parse_allowed_origins,
};
use crate::ids::{SiteKey, random_token};
use crate::ports::{Clock, DirectoryStore};
use crate::protocol::{ChannelKind, ChannelList, ChannelView, IdentitySecret};

/// `GET /api/sites`: the admin's workspace's sites.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SiteList {
    pub sites: Vec<SiteView>,
}

/// `PUT /api/sites/{key}`: the widget settings (a missing field takes its default, as it always
/// has), and the allowed origins when given; without them the origins stay as they are, so a
/// client that only knows the settings cannot wipe them.
#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SiteUpdate {
    #[serde(flatten)]
    pub settings: SiteSettings,
    /// Origins the widget may run on (`https://shop.example`); an empty list means any.
    #[ts(optional)]
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
}

/// How long a site's "show operator names" is used before it is read again: a change reaches
/// visitors within a minute, and a message to a visitor costs no extra read.
const SITE_SETTINGS_TTL: Millis = 60_000;

pub struct Sites {
    directory: Arc<dyn DirectoryStore>,
    /// Origins that serve Parlor's widget: see `Settings::widget_origins`.
    widget_origins: Vec<String>,
    clock: Arc<dyn Clock>,
    /// Each site's "show operator names", as read last, and when: see `shows_operator_names`.
    operator_names: Mutex<HashMap<SiteKey, (Millis, bool)>>,
}

impl Sites {
    pub(crate) fn new(stores: &Stores, settings: &Settings, clock: Arc<dyn Clock>) -> Self {
        Self {
            directory: stores.directory.clone(),
            widget_origins: settings.widget_origins.clone(),
            clock,
            operator_names: Mutex::default(),
        }
    }

    /// The site of a key, when the request comes from an origin it allows (or from the widget's
    /// own origin, which serves every site).
    pub async fn site_for(&self, key: &SiteKey, origin: Option<&str>) -> AppResult<Site> {
        let site = self
            .directory
            .get_site(key)
            .await?
            .ok_or_else(|| AppError::Unauthorized("unknown site key".into()))?;
        let widget = origin.is_some_and(|o| {
            self.widget_origins
                .iter()
                .any(|w| w.eq_ignore_ascii_case(o))
        });
        if !widget && !site.allows_origin(origin) {
            return Err(DomainError::Forbidden("this site does not allow that origin").into());
        }
        Ok(site)
    }

    /// The site a visitor's session or socket is for. A site key is public (it is in the page), so
    /// `allowed_origins` is what keeps pages on other origins from chatting as the site: browsers
    /// always name the page's origin on these requests (a POST, a WebSocket handshake), so one
    /// that names none is not a page of the site and is refused where the site names its origins.
    /// It binds browsers only: other clients may claim any origin, and limits bound them.
    pub async fn site_for_visitor(&self, key: &SiteKey, origin: Option<&str>) -> AppResult<Site> {
        let site = self.site_for(key, origin).await?;
        if origin.is_none() && !site.allowed_origins.is_empty() {
            return Err(DomainError::Forbidden(
                "this site takes visitors only from its own origins, and the request names none",
            )
            .into());
        }
        Ok(site)
    }

    /// Admins list their workspace's sites: keys for the embed snippet, settings, origins.
    pub async fn sites(&self, admin: &Operator) -> AppResult<SiteList> {
        if !admin.can(Right::ManageSettings) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may manage settings may list sites",
            )
            .into());
        }
        let sites = self.directory.list_sites(&admin.workspace).await?;
        Ok(SiteList {
            sites: sites.iter().map(SiteView::from).collect(),
        })
    }

    /// Admins change how their site's widget looks and greets, and where it may run; another
    /// workspace's site is refused. Everything is checked before anything is stored.
    pub async fn update_site(
        &self,
        admin: &Operator,
        key: &SiteKey,
        update: SiteUpdate,
    ) -> AppResult<Site> {
        if !admin.can(Right::ManageSettings) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may manage settings may change a site",
            )
            .into());
        }
        let mut site = match self.directory.get_site(key).await? {
            Some(s) if s.workspace == admin.workspace => s,
            _ => return Err(DomainError::Forbidden("the site is not in your workspace").into()),
        };
        site.settings = update.settings.validate()?;
        if let Some(origins) = &update.allowed_origins {
            site.allowed_origins = parse_allowed_origins(origins)?;
        }
        self.directory.put_site(&site).await?;
        self.forget_site_settings(key);
        Ok(site)
    }

    /// The site's identity secret, for those who may manage settings.
    pub async fn identity_secret(
        &self,
        admin: &Operator,
        key: &SiteKey,
    ) -> AppResult<IdentitySecret> {
        let site = self.own_site(admin, key).await?;
        Ok(IdentitySecret {
            site: site.key,
            secret: site.identity_secret,
        })
    }

    /// Makes the site a new identity secret: hashes made with the one before stop verifying.
    pub async fn rotate_identity_secret(
        &self,
        admin: &Operator,
        key: &SiteKey,
    ) -> AppResult<IdentitySecret> {
        let mut site = self.own_site(admin, key).await?;
        // 256 random bits.
        site.identity_secret = Some(format!("{}{}", random_token("pis_"), &random_token("")));
        self.directory.put_site(&site).await?;
        Ok(IdentitySecret {
            site: site.key,
            secret: site.identity_secret,
        })
    }

    async fn own_site(&self, admin: &Operator, key: &SiteKey) -> AppResult<Site> {
        if !admin.can(Right::ManageSettings) {
            return Err(DomainError::Forbidden(
                "only admins and members of a group that may manage settings may see or change a site's identity secret",
            )
            .into());
        }
        match self.directory.get_site(key).await? {
            Some(s) if s.workspace == admin.workspace => Ok(s),
            _ => Err(DomainError::Forbidden("the site is not in your workspace").into()),
        }
    }

    /// The workspace's channels (the web widget of each site), for every operator: the sidebar
    /// names the channel of each dialog.
    pub async fn channels(&self, op: &Operator) -> AppResult<ChannelList> {
        let sites = self.directory.list_sites(&op.workspace).await?;
        Ok(ChannelList {
            channels: sites
                .into_iter()
                .map(|s| ChannelView {
                    site: s.key,
                    kind: ChannelKind::Web,
                    name: s.name,
                    active: false,
                })
                .collect(),
        })
    }

    /// Whether the dialog's site shows operator names to its visitors.
    pub(crate) async fn shows_operator_names(&self, dialog: &Dialog) -> AppResult<bool> {
        let now = self.clock.now();
        let cached = self
            .operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&dialog.site)
            .copied();
        if let Some((at, show)) = cached
            && now.saturating_sub(at) < SITE_SETTINGS_TTL
        {
            return Ok(show);
        }
        let show = self
            .directory
            .get_site(&dialog.site)
            .await?
            .is_none_or(|site| site.settings.show_operator_names);
        self.operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dialog.site.clone(), (now, show));
        Ok(show)
    }

    /// Forgets what `shows_operator_names` read of a site, after its settings changed here.
    fn forget_site_settings(&self, key: &SiteKey) {
        self.operator_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}
