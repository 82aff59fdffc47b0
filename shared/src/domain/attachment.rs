//! Attachments: files and images sent with a message (seeds 000 and 002).
//!
//! A file goes from the browser straight to storage under a grant the server signed for one
//! object, one size and one type; the message that carries it is stored only after the server has
//! looked at the object itself. These are the rules both ends of that path share.

use crate::ids::AttachmentId;
use serde::{Deserialize, Serialize};

use super::DomainError;

/// Types shown inline, with a preview: browsers render them and the server can decode them.
pub const IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// At most this many files go with one message.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// The largest limit a workspace may set (seed 002's largest channel limit).
pub const MAX_LIMIT_BYTES: u64 = 100 * MB;

/// The longest file name kept; longer ones are cut, keeping the extension.
pub const MAX_NAME_CHARS: usize = 200;

const MB: u64 = 1024 * 1024;

/// Files that run when opened: refused whatever type the browser reports for them.
pub const BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "msi", "bat", "cmd", "com", "scr", "pif", "cpl", "vbs", "vbe", "js", "jse", "wsf",
    "wsh", "ps1", "psm1", "jar", "dll", "hta", "lnk", "reg", "app", "sh", "apk", "dmg",
    // Pages, whatever type the browser declares for them: opened from a download, they run.
    "html", "htm", "shtml", "xhtml", "xht", "svg", "svgz", "xml", "xsl", "mhtml", "mht",
];

/// Types a browser would run or render as a page from the storage's origin.
pub const BLOCKED_TYPES: &[&str] = &[
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-sh",
    "application/java-archive",
    "application/vnd.android.package-archive",
];

/// How a file is shown: an image inline with a preview, anything else as a file to download.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum AttachmentKind {
    Image,
    File,
}

/// One file of a message, as stored and as clients see it. Where it lives follows from the
/// workspace and `id` (see `object_key`); how to fetch it is asked for separately, after a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Attachment {
    pub id: AttachmentId,
    /// The file's name as the sender had it, without any folder.
    pub name: String,
    pub content_type: String,
    #[ts(type = "number")]
    pub size: u64,
    pub kind: AttachmentKind,
    /// An image's size in pixels.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Whether a preview (at most `PREVIEW_PIXELS` a side, JPEG) is stored beside the original.
    #[serde(default)]
    pub preview: bool,
    /// Whether the file as checked is kept apart from its upload (`sealed_key`), where its upload
    /// grant cannot reach: it can no longer change. Files sent before sealing existed are not.
    #[ts(as = "Option<bool>", optional)]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
}

/// The largest preview side, in pixels.
pub const PREVIEW_PIXELS: u32 = 480;

/// How large a file may be, by kind: per workspace, set by its admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct AttachmentLimits {
    #[ts(type = "number")]
    pub image_max_bytes: u64,
    #[ts(type = "number")]
    pub file_max_bytes: u64,
}

/// The web widget's defaults: images 10 MB (Telegram's limit in seed 002), other files 25 MB.
impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            image_max_bytes: 10 * MB,
            file_max_bytes: 25 * MB,
        }
    }
}

impl AttachmentLimits {
    /// Both limits between 1 byte and `MAX_LIMIT_BYTES`.
    pub fn validate(&self) -> Result<(), DomainError> {
        for (what, v) in [
            ("image_max_bytes", self.image_max_bytes),
            ("file_max_bytes", self.file_max_bytes),
        ] {
            if v == 0 || v > MAX_LIMIT_BYTES {
                return Err(DomainError::Invalid(format!(
                    "{what} must be between 1 and {MAX_LIMIT_BYTES} bytes, not {v}"
                )));
            }
        }
        Ok(())
    }

    pub fn max_for(&self, kind: AttachmentKind) -> u64 {
        match kind {
            AttachmentKind::Image => self.image_max_bytes,
            AttachmentKind::File => self.file_max_bytes,
        }
    }
}

/// A file a client wants to send, as it describes it before uploading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct FileDescription {
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The browser's `File.type`; may be empty.
    #[serde(default)]
    pub content_type: String,
}

impl FileDescription {
    /// Decides what the file is and checks it against the limits: the attachment it will be, with
    /// a clean name and the content type storage will serve it with.
    pub fn accept(
        &self,
        id: AttachmentId,
        limits: &AttachmentLimits,
    ) -> Result<Attachment, DomainError> {
        let name = clean_name(&self.name);
        let declared = self.content_type.trim().to_ascii_lowercase();
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let essence = declared
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if BLOCKED_EXTENSIONS.contains(&extension.as_str())
            || BLOCKED_TYPES.contains(&essence.as_str())
        {
            return Err(DomainError::AttachmentTypeNotAllowed(format!(
                "{} cannot be sent: files that run or open as a web page are not allowed",
                super::quote(&name)
            )));
        }
        let (kind, content_type) = match IMAGE_TYPES.iter().find(|t| **t == essence) {
            Some(t) => (AttachmentKind::Image, (*t).to_owned()),
            None => (AttachmentKind::File, file_type(&essence)),
        };
        if self.size == 0 {
            return Err(DomainError::Invalid(format!(
                "{} is empty",
                super::quote(&name)
            )));
        }
        let max = limits.max_for(kind);
        if self.size > max {
            return Err(DomainError::AttachmentTooLarge {
                name,
                size: self.size,
                max,
                kind,
            });
        }
        Ok(Attachment {
            id,
            name,
            content_type,
            size: self.size,
            kind,
            width: None,
            height: None,
            preview: false,
            sealed: false,
        })
    }
}

/// A file's type as storage serves it: what the browser said when it is a plain `type/subtype`,
/// else `application/octet-stream`. Files are always served as downloads (`content_disposition`).
fn file_type(essence: &str) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) && essence.len() <= 100 => essence.to_owned(),
        _ => "application/octet-stream".into(),
    }
}

/// The name without folders, control characters or surrounding blanks, at most `MAX_NAME_CHARS`
/// long (the extension kept); `file` when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if name.is_empty() {
        return "file".into();
    }
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    let ext: String = match name.rsplit_once('.') {
        Some((_, e)) if e.chars().count() <= 10 => format!(".{e}"),
        _ => String::new(),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count();
    name.chars().take(keep).collect::<String>() + &ext
}

/// Characters that reorder the text around them: in a file name they make `invoice\u{202e}fdp.html`
/// read as "invoicelmth.pdf".
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl Attachment {
    /// Where the file to serve is: its sealed copy, or (sent before sealing) its upload.
    pub fn stored_key(&self, workspace: &crate::ids::WorkspaceId) -> String {
        if self.sealed {
            sealed_key(workspace, &self.id)
        } else {
            object_key(workspace, &self.id)
        }
    }

    /// `Content-Disposition` stored with the object: images open in the browser, other files
    /// download under their own name.
    pub fn content_disposition(&self) -> String {
        let kind = match self.kind {
            AttachmentKind::Image => "inline",
            AttachmentKind::File => "attachment",
        };
        let ascii: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!(
            "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
            percent_encode(&self.name)
        )
    }

    /// What the dialog list shows for a message with no text.
    pub fn summary(attachments: &[Attachment]) -> String {
        match attachments {
            [] => String::new(),
            [one] => format!("📎 {}", one.name),
            many => format!("📎 {} files", many.len()),
        }
    }
}

/// RFC 5987 percent-encoding of a UTF-8 value.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where an attachment is stored: under its workspace, so a key names its tenant.
pub fn object_key(workspace: &crate::ids::WorkspaceId, id: &AttachmentId) -> String {
    format!("a/{workspace}/{id}")
}

/// Where a file is kept once checked: a copy no upload grant names (grants are for `object_key`
/// exactly), so the bytes a message was checked with are the bytes its links serve.
pub fn sealed_key(workspace: &crate::ids::WorkspaceId, id: &AttachmentId) -> String {
    format!("a/{workspace}/{id}{SEALED_SUFFIX}")
}

/// How a sealed file's key ends: what the message function may write, besides previews.
pub const SEALED_SUFFIX: &str = ".sealed";

/// An upload put in a message: what makes an upload grant good for one message. Kept in the store
/// for as long as the upload token lives (nothing can name the upload after that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadMark {
    pub workspace: crate::ids::WorkspaceId,
    pub attachment: AttachmentId,
    /// The message it went in, as a retry of that message names it again (`UploadMark::message`).
    pub message: String,
    /// When the upload token expires.
    pub expires_at: super::Millis,
}

impl UploadMark {
    /// How a message is named in a mark: the client's id for it, which a retried frame repeats,
    /// after the dialog an operator sends it in. A visitor writes in their one dialog, which their
    /// first message creates, so a retry of that message names no dialog either time.
    pub fn message(
        dialog: Option<&crate::ids::DialogId>,
        client_id: &crate::ids::ClientMessageId,
    ) -> String {
        match dialog {
            Some(d) => format!("{d}#{client_id}"),
            None => client_id.to_string(),
        }
    }
}

/// Where its preview is stored, beside it.
pub fn preview_key(workspace: &crate::ids::WorkspaceId, id: &AttachmentId) -> String {
    format!("a/{workspace}/{id}.preview.jpg")
}

/// Whether the first bytes of a file are those of an image of the declared type.
pub fn sniff_image(content_type: &str, head: &[u8]) -> bool {
    match content_type {
        "image/jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/gif" => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
        "image/webp" => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(name: &str, size: u64, content_type: &str) -> Result<Attachment, DomainError> {
        FileDescription {
            name: name.into(),
            size,
            content_type: content_type.into(),
        }
        .accept(
            AttachmentId::from_trusted("att_1"),
            &AttachmentLimits::default(),
        )
    }

    #[test]
    fn images_and_files_are_told_apart_and_held_to_their_limits() {
        let img = describe("cat.PNG", 5 * MB, "image/png").unwrap();
        assert_eq!(
            (img.kind, img.content_type.as_str()),
            (AttachmentKind::Image, "image/png")
        );
        assert!(
            matches!(describe("big.jpg", 10 * MB + 1, "image/jpeg"), Err(DomainError::AttachmentTooLarge { max, .. }) if max == 10 * MB)
        );
        let pdf = describe("report.pdf", 20 * MB, "application/pdf").unwrap();
        assert_eq!(
            (pdf.kind, pdf.content_type.as_str()),
            (AttachmentKind::File, "application/pdf")
        );
        assert!(matches!(
            describe("movie.mp4", 26 * MB, "video/mp4"),
            Err(DomainError::AttachmentTooLarge { .. })
        ));
        assert_eq!(
            describe("x.bin", 3, "").unwrap().content_type,
            "application/octet-stream"
        );
        assert_eq!(
            describe("x.bin", 3, "not a type").unwrap().content_type,
            "application/octet-stream"
        );
        assert!(matches!(
            describe("empty.txt", 0, "text/plain"),
            Err(DomainError::Invalid(_))
        ));
    }

    #[test]
    fn files_that_run_are_refused_whatever_their_type() {
        for (name, t) in [
            ("setup.exe", "application/octet-stream"),
            ("a.js", ""),
            ("page.html", "text/html"),
            ("i.svg", "image/svg+xml"),
            // A page declared as something harmless, or as nothing, is still a page.
            ("page.html", "text/plain"),
            ("page.HTM", ""),
            ("i.svg", "text/plain"),
            ("doc.xhtml", "application/octet-stream"),
            ("feed.xml", ""),
            ("saved.mhtml", "text/plain"),
        ] {
            assert!(
                matches!(
                    describe(name, 10, t),
                    Err(DomainError::AttachmentTypeNotAllowed(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn names_lose_folders_and_control_characters_and_keep_their_extension() {
        assert_eq!(clean_name("C:\\Users\\me\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_name("invoice\u{202e}fdp.html"), "invoicefdp.html");
        assert_eq!(clean_name("\u{2066}a\u{2069}\u{200f}.pdf"), "a.pdf");
        assert_eq!(clean_name("   "), "file");
        let long = format!("{}.pdf", "x".repeat(300));
        let cut = clean_name(&long);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn the_first_bytes_must_match_the_declared_image_type() {
        assert!(sniff_image("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!sniff_image("image/png", b"\xFF\xD8\xFF\xE0"));
        assert!(sniff_image("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "));
        assert!(!sniff_image("image/gif", b"<html>"));
    }

    #[test]
    fn downloads_keep_their_name_safely() {
        let a = describe("отчёт \"q\".pdf", 10, "application/pdf").unwrap();
        let d = a.content_disposition();
        assert!(d.starts_with("attachment; filename=\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%D0%BE"), "{d}");
        assert!(!d[..d.find("filename*").unwrap()].contains("\"q\""), "{d}");
    }

    #[test]
    fn limits_are_bounded() {
        assert!(AttachmentLimits::default().validate().is_ok());
        assert!(
            AttachmentLimits {
                image_max_bytes: 0,
                file_max_bytes: MB
            }
            .validate()
            .is_err()
        );
        assert!(
            AttachmentLimits {
                image_max_bytes: MB,
                file_max_bytes: MAX_LIMIT_BYTES + 1
            }
            .validate()
            .is_err()
        );
    }
}
