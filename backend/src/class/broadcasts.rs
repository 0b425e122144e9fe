//! The instructor's broadcasts to every page of the class: this server's, and those of
//! the class's other servers.

use shared::problem::Problem;
use shared::protocol::MAX_BROADCAST_LEN;
use tokio::sync::broadcast;

use super::Class;

impl Class {
    /// Sends `text` to every session; refused when empty or too long.
    pub fn broadcast(&self, text: &str) -> Result<usize, Problem> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_BROADCAST_LEN {
            return Err(Problem::BroadcastText { max: MAX_BROADCAST_LEN });
        }
        Ok(self.broadcasts.send(text.to_owned()).unwrap_or(0))
    }

    /// A broadcast of another server's instructor, to this server's pages (bounded as
    /// one of this server's).
    pub fn broadcast_here(&self, text: &str) -> usize {
        let text: String = text.trim().chars().take(MAX_BROADCAST_LEN).collect();
        if text.is_empty() {
            return 0;
        }
        self.broadcasts.send(text).unwrap_or(0)
    }

    /// The instructor's broadcasts, for one session.
    pub fn broadcasts(&self) -> broadcast::Receiver<String> {
        self.broadcasts.subscribe()
    }
}
