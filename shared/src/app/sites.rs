//! Sites and their widget settings, as admins see and change them.

use serde::{Deserialize, Serialize};

use super::{App, AppResult};
use crate::domain::{DomainError, Operator, Site, SiteSettings, SiteView, parse_allowed_origins};
use crate::ids::SiteKey;

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

impl App {
    /// Admins list their workspace's sites: keys for the embed snippet, settings, origins.
    pub async fn sites(&self, admin: &Operator) -> AppResult<SiteList> {
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may list sites").into());
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
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may change a site").into());
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
}
