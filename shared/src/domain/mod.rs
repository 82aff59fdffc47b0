//! The domain, in the seeds' words. Pure: no I/O, no clock; time comes in as an argument.

mod attachment;
mod connection;
mod contact;
mod dialog;
mod directory;
mod distribution;
mod error;
mod handling;
mod limits;
mod message;
mod notification;
mod quick_reply;
mod read_marker;
mod report;
mod rights;
mod search;
mod tag;
#[cfg(test)]
pub(crate) mod testing;
mod widget;

pub use attachment::*;
pub use connection::*;
pub use contact::*;
pub use dialog::*;
pub use directory::*;
pub use distribution::*;
pub use error::*;
pub use handling::*;
pub use limits::*;
pub use message::*;
pub use notification::*;
pub use quick_reply::*;
pub use read_marker::*;
pub use report::*;
pub use rights::*;
pub use search::*;
pub use tag::*;
pub use widget::*;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The most characters one message may hold (seed 002).
pub const MAX_TEXT_CHARS: usize = 2000;

/// The longest comment a transfer may carry.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A short, safe rendering of an outside value for an error message.
pub fn quote(raw: &str) -> String {
    let cut: String = raw.chars().take(40).collect();
    if cut.len() < raw.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}
