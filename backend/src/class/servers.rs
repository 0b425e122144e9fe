//! The class across servers: several playground processes on one Kafka cluster form one
//! class through the class's log (a compacted topic of that cluster, see
//! [`crate::cluster::class_log`]). Each server writes its trainees, its name claims, a
//! heartbeat and the instructor's broadcasts there, and reads everyone's: the
//! instructor's view on any server shows every trainee, a name is unique across the
//! servers, and a broadcast reaches every page.
//!
//! Records, by key (values are JSON; no value is a tombstone):
//! - `server/<server>`: `{"at_ms": …}` every [`HEARTBEAT`]; a server silent for
//!   [`STALE_MS`] is gone, with its trainees and names (a crashed server frees them).
//! - `trainee/<server>/<session>`: the session as the instructor sees it.
//! - `name/<name>/<server>/<session>`: a claim; the first live claim of a name in the
//!   log's order has it, so two servers that give one name at once agree on who got it.
//! - `broadcast/<server>`: the last broadcast of that server's instructor.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::problem::Problem;
use shared::protocol::TraineeView;
use tokio::sync::{mpsc, watch};
use tracing::warn;

use super::Class;
use crate::cluster::class_log::{ClassLog, LogRecord};
use crate::cluster::{Cluster, ClusterError};
use crate::run::messages::unix_now_ms as now_ms;

/// The class's log that `playground cluster` makes, and the README's deployment names.
pub const DEFAULT_TOPIC: &str = "playground.class";

/// How often a server says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A server not heard from for this long is gone.
pub const STALE_MS: i64 = 10_000;

/// How often a server writes what changed in its trainees.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// What one server keeps of the log at most, so that a writer to the topic (any client
/// of the cluster can write there) cannot grow every server's memory: servers, other
/// servers' trainees, claims, and a record's bytes.
const MAX_SERVERS: usize = 64;
const MAX_TRAINEES: usize = 10_000;
const MAX_CLAIMS: usize = 10_000;
const MAX_RECORD_BYTES: usize = 64 * 1024;

/// How long a name claim waits to read itself back.
const CLAIM_WAIT: Duration = Duration::from_secs(10);

/// A heartbeat's value.
#[derive(Serialize, Deserialize)]
struct Heartbeat {
    at_ms: i64,
}

/// A broadcast's value.
#[derive(Serialize, Deserialize)]
struct Broadcast {
    id: String,
    text: String,
    at_ms: i64,
}

/// What the log says of the class, as read so far.
#[derive(Default)]
struct Known {
    /// Sessions by server and number.
    trainees: BTreeMap<(String, u64), TraineeView>,
    /// Each server's last heartbeat, ms since the epoch.
    heartbeats: BTreeMap<String, i64>,
    /// Claims by name (lower case): by offset, the server and session.
    claims: BTreeMap<String, BTreeMap<i64, (String, u64)>>,
    /// The last broadcast seen of each server, by its id.
    broadcasts: BTreeMap<String, String>,
}

impl Known {
    /// Applies one record of the log; a broadcast read for the first time is returned.
    /// Records past the bounds are dropped.
    fn apply(&mut self, record: &LogRecord) -> Option<Broadcast> {
        if record.value.as_ref().is_some_and(|v| v.len() > MAX_RECORD_BYTES) || record.key.len() > 200 {
            return None;
        }
        let parts: Vec<&str> = record.key.split('/').collect();
        match (parts.as_slice(), record.value.as_deref()) {
            (["server", server], Some(value)) => {
                let beat: Heartbeat = serde_json::from_str(value).ok()?;
                if self.heartbeats.len() >= MAX_SERVERS && !self.heartbeats.contains_key(*server) {
                    return None;
                }
                self.heartbeats.insert((*server).to_owned(), beat.at_ms);
            }
            (["server", server], None) => self.forget(server),
            (["trainee", server, id], value) => {
                let key = ((*server).to_owned(), id.parse().ok()?);
                match value.and_then(|v| serde_json::from_str::<TraineeView>(v).ok()) {
                    Some(_) if self.trainees.len() >= MAX_TRAINEES && !self.trainees.contains_key(&key) => {}
                    Some(mut view) => {
                        view.server = Some(key.0.clone());
                        self.trainees.insert(key, view);
                    }
                    None => {
                        self.trainees.remove(&key);
                    }
                }
            }
            (["name", name, server, id], value) => {
                let who = ((*server).to_owned(), id.parse().ok()?);
                let total: usize = self.claims.values().map(BTreeMap::len).sum();
                let claims = self.claims.entry((*name).to_owned()).or_default();
                claims.retain(|_, claim| *claim != who);
                if value.is_some() && total < MAX_CLAIMS {
                    claims.insert(record.offset, who);
                }
                if claims.is_empty() {
                    self.claims.remove(*name);
                }
            }
            (["broadcast", server], Some(value)) => {
                let broadcast: Broadcast = serde_json::from_str(value).ok()?;
                let seen = self.broadcasts.insert((*server).to_owned(), broadcast.id.clone());
                // Read for the first time: the caller decides whether it is new enough.
                if seen.as_deref() != Some(broadcast.id.as_str()) {
                    return Some(broadcast);
                }
            }
            _ => {}
        }
        None
    }

    /// A server is gone: its trainees and names with it.
    fn forget(&mut self, server: &str) {
        self.heartbeats.remove(server);
        self.trainees.retain(|(s, _), _| s != server);
        for claims in self.claims.values_mut() {
            claims.retain(|_, (s, _)| s != server);
        }
        self.claims.retain(|_, claims| !claims.is_empty());
    }

    /// Forgets the servers silent for long (a crashed server never says it left).
    fn prune(&mut self, me: &str, now_ms: i64) {
        let silent: Vec<String> = self
            .heartbeats
            .iter()
            .filter(|(server, at)| *server != me && now_ms.saturating_sub(**at) > 6 * STALE_MS)
            .map(|(server, _)| server.clone())
            .collect();
        for server in silent {
            self.forget(&server);
        }
    }

    /// Whether `server` is alive at `now_ms` (`me` always is).
    fn live(&self, server: &str, me: &str, now_ms: i64) -> bool {
        // A heartbeat from the future (a forged or a skewed clock) keeps nobody alive.
        server == me
            || self
                .heartbeats
                .get(server)
                .is_some_and(|at| *at <= now_ms.saturating_add(STALE_MS) && now_ms.saturating_sub(*at) <= STALE_MS)
    }

    /// Who has `name`: the first claim of a live server, in the log's order.
    fn holder(&self, name: &str, me: &str, now_ms: i64) -> Option<(String, u64)> {
        self.claims.get(name)?.values().find(|(server, _)| self.live(server, me, now_ms)).cloned()
    }
}

/// This server's part in a class that spans several.
pub struct ClassServers {
    server: String,
    log: ClassLog,
    known: Mutex<Known>,
    /// The highest offset applied.
    applied: watch::Sender<i64>,
    /// When this server started, ms since the epoch: older broadcasts are not repeated.
    started_ms: i64,
    /// Each session's claim, by session.
    claims: Mutex<BTreeMap<u64, String>>,
    /// What was last written of each session, by session.
    published: tokio::sync::Mutex<BTreeMap<u64, String>>,
    /// Set when the server leaves the class.
    leaving: std::sync::atomic::AtomicBool,
}

impl ClassServers {
    /// Joins `class` to the class's log `topic` on `cluster`: reads it, and writes this
    /// server's part of the class to it from now on.
    pub async fn start(cluster: &Cluster, class: &Arc<Class>, topic: &str) -> Result<Arc<Self>, ClusterError> {
        let (log, records) = ClassLog::open(cluster, topic).await?;
        let server = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let servers = Arc::new(Self {
            server,
            log,
            known: Mutex::new(Known::default()),
            applied: watch::Sender::new(-1),
            started_ms: now_ms(),
            claims: Mutex::new(BTreeMap::new()),
            published: tokio::sync::Mutex::new(BTreeMap::new()),
            leaving: std::sync::atomic::AtomicBool::new(false),
        });
        servers.heartbeat().await;
        tokio::spawn(read(Arc::downgrade(&servers), Arc::downgrade(class), records));
        tokio::spawn(publish(Arc::downgrade(&servers), Arc::downgrade(class)));
        tokio::spawn(beat(Arc::downgrade(&servers)));
        Ok(servers)
    }

    /// This server's name in the class.
    pub fn this_server(&self) -> &str {
        &self.server
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn heartbeat(&self) {
        let beat = serde_json::to_string(&Heartbeat { at_ms: now_ms() }).unwrap_or_default();
        if let Err(e) = self.log.write(&format!("server/{}", self.server), Some(&beat)).await {
            warn!("class log: {e}");
        }
    }

    /// Claims `name` for `session` across the class: written to the log, read back, and
    /// won if no live claim came before it; refused as taken otherwise. The new claim's
    /// key when one was written (`None`: the session holds this name already), for
    /// [`ClassServers::keep`] once the server gave the name, or [`ClassServers::abandon`] if not.
    pub async fn claim(&self, session: u64, name: &str) -> Result<Option<String>, Problem> {
        // One key for the names the class holds the same (case, accents, look-alikes).
        let name = super::names::topic_suffix(name);
        let key = format!("name/{name}/{}/{session}", self.server);
        if self.claims.lock().unwrap_or_else(|e| e.into_inner()).get(&session) == Some(&key) {
            return Ok(None);
        }
        let unanswered = |detail: String| Problem::Kafka { detail };
        let offset = self.log.write(&key, Some("{}")).await.map_err(|e| unanswered(e.to_string()))?;
        let mut applied = self.applied.subscribe();
        // A bool at once: the watch's guard must not be held across an await.
        let read_back =
            matches!(tokio::time::timeout(CLAIM_WAIT, applied.wait_for(|at| *at >= offset)).await, Ok(Ok(_)));
        if !read_back {
            self.abandon(&key).await;
            return Err(unanswered("the class's log did not answer in time".into()));
        }
        let holder = self.known().holder(&name, &self.server, now_ms());
        if holder != Some((self.server.clone(), session)) {
            self.abandon(&key).await;
            return Err(Problem::NameTaken { name });
        }
        Ok(Some(key))
    }

    /// `session` has the name of the claim `key` now: its earlier name is given up.
    pub async fn keep(&self, session: u64, key: String) {
        let previous = self.claims.lock().unwrap_or_else(|e| e.into_inner()).insert(session, key);
        if let Some(previous) = previous {
            self.abandon(&previous).await;
        }
    }

    /// Gives up the claim `key` (the server did not give the name after all).
    pub async fn abandon(&self, key: &str) {
        if let Err(e) = self.log.write(key, None).await {
            warn!("class log: {e}");
        }
    }

    /// Gives up `session`'s name (it ended, or did not keep the name).
    pub async fn release(&self, session: u64) {
        let claim = self.claims.lock().unwrap_or_else(|e| e.into_inner()).remove(&session);
        if let Some(key) = claim {
            self.abandon(&key).await;
        }
    }

    /// The instructor's `text` for every server's pages.
    pub async fn broadcast(&self, text: &str) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let value =
            serde_json::to_string(&Broadcast { id, text: text.to_owned(), at_ms: now_ms() }).unwrap_or_default();
        if let Err(e) = self.log.write(&format!("broadcast/{}", self.server), Some(&value)).await {
            warn!("class log: {e}");
        }
    }

    /// The other live servers' trainees, and every live server's name, this one first.
    pub fn others(&self) -> (Vec<TraineeView>, Vec<String>) {
        let mut known = self.known();
        let now = now_ms();
        known.prune(&self.server, now);
        let trainees = known
            .trainees
            .iter()
            .filter(|((server, _), _)| *server != self.server && known.live(server, &self.server, now))
            .map(|(_, view)| view.clone())
            .collect();
        let mut servers = vec![self.server.clone()];
        servers.extend(
            known.heartbeats.keys().filter(|s| **s != self.server && known.live(s, &self.server, now)).cloned(),
        );
        (trainees, servers)
    }

    /// Leaves the class (the server stops): this server's records are tombstoned, so
    /// the others see it go at once rather than after [`STALE_MS`].
    pub async fn leave(&self) {
        // No heartbeat or view after this: they would bring the server back.
        self.leaving.store(true, std::sync::atomic::Ordering::Relaxed);
        let published = std::mem::take(&mut *self.published.lock().await);
        let _ = self.log.write(&format!("server/{}", self.server), None).await;
        for id in published.keys() {
            let _ = self.log.write(&format!("trainee/{}/{id}", self.server), None).await;
            self.release(*id).await;
        }
        let claims: Vec<u64> = self.claims.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        for session in claims {
            self.release(session).await;
        }
    }

    fn leaving(&self) -> bool {
        self.leaving.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes what changed in this server's sessions since the last time: each one's
    /// view, and a tombstone (and its name given up) for each that ended.
    async fn publish(&self, views: &[TraineeView]) {
        let mut published = self.published.lock().await;
        for view in views {
            let json = serde_json::to_string(view).unwrap_or_default();
            if published.get(&view.id) != Some(&json) {
                let key = format!("trainee/{}/{}", self.server, view.id);
                if self.log.write(&key, Some(&json)).await.is_ok() {
                    published.insert(view.id, json);
                }
            }
        }
        let gone: Vec<u64> = published.keys().filter(|id| !views.iter().any(|v| v.id == **id)).copied().collect();
        for id in gone {
            // Kept when the tombstone fails: tried again next time, else a ghost stays.
            if self.log.write(&format!("trainee/{}/{id}", self.server), None).await.is_ok() {
                published.remove(&id);
            }
            self.release(id).await;
        }
    }
}

/// Applies the log's records as they come; a broadcast of another server's instructor,
/// new since this server started, goes to this server's pages.
async fn read(servers: Weak<ClassServers>, class: Weak<Class>, mut records: mpsc::Receiver<LogRecord>) {
    while let Some(record) = records.recv().await {
        let Some(servers) = servers.upgrade() else { return };
        let broadcast = servers.known().apply(&record);
        let own = record.key == format!("broadcast/{}", servers.server);
        if let Some(broadcast) = broadcast
            && !own
            && broadcast.at_ms >= servers.started_ms
            && let Some(class) = class.upgrade()
        {
            class.broadcast_here(&broadcast.text);
        }
        servers.applied.send_replace(record.offset);
    }
}

/// Writes this server's trainees as they change, until it leaves.
async fn publish(servers: Weak<ClassServers>, class: Weak<Class>) {
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    loop {
        tick.tick().await;
        let (Some(servers), Some(class)) = (servers.upgrade(), class.upgrade()) else { return };
        if servers.leaving() {
            return;
        }
        servers.publish(&class.local_views()).await;
    }
}

/// This server's heartbeat, in a task of its own: a class of many trainees to write
/// must not make the server look gone.
async fn beat(servers: Weak<ClassServers>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tick.tick().await;
        let Some(servers) = servers.upgrade() else { return };
        if servers.leaving() {
            return;
        }
        servers.heartbeat().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, value: Option<&str>, offset: i64) -> LogRecord {
        LogRecord { key: key.into(), value: value.map(str::to_owned), offset }
    }

    #[test]
    fn the_first_live_claim_of_a_name_has_it() {
        let mut known = Known::default();
        known.apply(&record("server/b", Some(r#"{"at_ms": 1000}"#), 0));
        known.apply(&record("name/alice/b/7", Some("{}"), 1));
        known.apply(&record("name/alice/a/3", Some("{}"), 2));
        assert_eq!(known.holder("alice", "a", 2_000), Some(("b".into(), 7)), "b claimed first");
        // b's trainee gave the name up: a's claim, next in the log, has it.
        known.apply(&record("name/alice/b/7", None, 3));
        assert_eq!(known.holder("alice", "a", 2_000), Some(("a".into(), 3)));
    }

    #[test]
    fn a_silent_server_loses_its_names_and_its_trainees_leave_the_view() {
        let mut known = Known::default();
        known.apply(&record("server/b", Some(r#"{"at_ms": 1000}"#), 0));
        known.apply(&record(
            "trainee/b/1",
            Some(r#"{"id": 1, "name": "bob", "connected": true, "runs": 0, "done": []}"#),
            1,
        ));
        known.apply(&record("name/bob/b/1", Some("{}"), 2));
        known.apply(&record("name/bob/a/5", Some("{}"), 3));
        assert_eq!(known.trainees[&("b".to_owned(), 1)].server.as_deref(), Some("b"));
        assert_eq!(known.holder("bob", "a", 1_000 + STALE_MS), Some(("b".into(), 1)));
        assert_eq!(known.holder("bob", "a", 1_001 + STALE_MS), Some(("a".into(), 5)), "b went silent");
        // A server that leaves says so: its trainees go at once.
        known.apply(&record("server/b", None, 4));
        assert!(known.trainees.is_empty());
    }

    #[test]
    fn a_forged_heartbeat_from_the_future_keeps_no_server_alive() {
        let mut known = Known::default();
        known.apply(&record("server/x", Some(&format!(r#"{{"at_ms": {}}}"#, i64::MAX)), 0));
        known.apply(&record("name/alice/x/1", Some("{}"), 1));
        known.apply(&record("name/alice/a/2", Some("{}"), 2));
        assert_eq!(known.holder("alice", "a", 1_000), Some(("a".into(), 2)), "x is not alive");
        known.apply(&record("server/y", Some(&format!(r#"{{"at_ms": {}}}"#, i64::MIN)), 3));
        assert!(!known.live("y", "a", 1_000));
    }

    #[test]
    fn a_writer_to_the_topic_cannot_grow_a_servers_memory_without_bound() {
        let mut known = Known::default();
        let view = r#"{"id": 1, "connected": true, "runs": 0, "done": []}"#;
        for n in 0..MAX_SERVERS + 10 {
            known.apply(&record(&format!("server/s{n}"), Some(r#"{"at_ms": 1}"#), n as i64));
        }
        assert_eq!(known.heartbeats.len(), MAX_SERVERS);
        for n in 0..MAX_TRAINEES + 10 {
            known.apply(&record(&format!("trainee/s0/{n}"), Some(view), n as i64));
        }
        assert_eq!(known.trainees.len(), MAX_TRAINEES);
        for n in 0..MAX_CLAIMS + 10 {
            known.apply(&record(&format!("name/n{n}/s0/1"), Some("{}"), n as i64));
        }
        assert_eq!(known.claims.values().map(BTreeMap::len).sum::<usize>(), MAX_CLAIMS);
        let big = "x".repeat(MAX_RECORD_BYTES + 1);
        known.apply(&record("trainee/s1/1", Some(&big), 0));
        assert!(!known.trainees.contains_key(&("s1".to_owned(), 1)));
        // Claims given up leave nothing behind; a long-silent server is forgotten.
        known.apply(&record("name/n0/s0/1", None, 1));
        assert!(!known.claims.contains_key("n0"));
        known.prune("a", 1 + 6 * STALE_MS + 1);
        assert!(known.heartbeats.is_empty() && known.trainees.is_empty() && known.claims.is_empty());
    }

    #[test]
    fn a_broadcast_is_new_once() {
        let mut known = Known::default();
        let value = r#"{"id": "x1", "text": "Break", "at_ms": 5}"#;
        assert!(known.apply(&record("broadcast/b", Some(value), 0)).is_some());
        assert!(known.apply(&record("broadcast/b", Some(value), 1)).is_none(), "the same one again");
    }
}
