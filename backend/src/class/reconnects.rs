//! A page coming back to its session: after a dropped connection (the session waits for
//! it), after a reload (its new socket may open before the old one's close is read), or
//! after a Wi-Fi drop that sent no close (the new socket takes the session over).

use std::time::Duration;

use axum::extract::ws::WebSocket;
use tokio::sync::mpsc;

use super::Class;

/// How long a page coming back waits for its session to notice that its old socket
/// closed (a reload): the close is usually read within milliseconds.
pub const RELOAD_RACE: Duration = Duration::from_secs(2);

impl Class {
    /// True when `key` names a session that waits for its page (so that a page coming
    /// back with it needs no new place).
    pub fn is_waiting(&self, key: &str) -> bool {
        self.entries().values().any(|e| e.key == key && e.reconnect.is_some())
    }

    /// Session `id`'s connection dropped: the returned receiver gets the socket of its
    /// page when the page comes back with its key.
    pub fn disconnected(&self, id: u64) -> mpsc::Receiver<WebSocket> {
        let (reconnect, returning) = mpsc::channel(1);
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.connected = false;
            entry.reconnect = Some(reconnect);
        }
        returning
    }

    /// Session `id`'s page is connected again.
    pub fn reconnected(&self, id: u64) {
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.connected = true;
            entry.reconnect = None;
        }
    }

    /// Where to hand the socket of a page coming back to the session that `key` names,
    /// if that session is waiting for its page; once.
    pub fn reconnect(&self, key: &str) -> Option<mpsc::Sender<WebSocket>> {
        self.entries().values_mut().find(|e| e.key == key).and_then(|e| e.reconnect.take())
    }

    /// Session `id` has a page connected: a socket of the same page coming back on a new
    /// connection (its key says so) comes here, and takes the session over.
    pub fn connected_here(&self, id: u64) -> mpsc::Receiver<WebSocket> {
        let (take_over, new_socket) = mpsc::channel(1);
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.take_over = Some(take_over);
        }
        new_socket
    }

    /// [`Class::reconnect`], waiting up to [`RELOAD_RACE`] while the session that `key`
    /// names is still connected: a reloading page opens its new socket as it closes the
    /// old one, and the server may not have read that close yet. Still connected after
    /// that, the old connection is one the page lost without a close (a Wi-Fi drop, a
    /// laptop asleep): the page's new one takes the session over, with its name and
    /// runs, rather than get a new session whose name the old one still holds.
    pub async fn reconnect_after_reload(&self, key: &str) -> Option<mpsc::Sender<WebSocket>> {
        let deadline = tokio::time::Instant::now() + RELOAD_RACE;
        loop {
            if let Some(reconnect) = self.reconnect(key) {
                return Some(reconnect);
            }
            let take_over = {
                let entries = self.entries();
                let connected = entries.values().find(|e| e.key == key && e.connected);
                connected?.take_over.clone()
            };
            if tokio::time::Instant::now() >= deadline {
                return take_over;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
