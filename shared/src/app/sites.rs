//! Sites and their widget settings, as admins change them.

use super::{App, AppResult};
use crate::domain::{DomainError, Operator, Site, SiteSettings};
use crate::ids::SiteKey;

impl App {
    /// Admins change how their site's widget looks and greets; another workspace's site is not found.
    pub async fn update_site_settings(&self, admin: &Operator, key: &SiteKey, settings: SiteSettings) -> AppResult<Site> {
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may change a site").into());
        }
        let mut site = match self.directory.get_site(key).await? {
            Some(s) if s.workspace == admin.workspace => s,
            _ => return Err(DomainError::Forbidden("the site is not in your workspace").into()),
        };
        site.settings = settings.validate()?;
        self.directory.put_site(&site).await?;
        self.forget_site_settings(key);
        Ok(site)
    }
}
