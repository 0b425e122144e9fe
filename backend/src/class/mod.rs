//! The class: every session on this server as the instructor sees it. Its jobs, a file
//! each: the sessions' entries (`sessions`), pages coming back to them (`reconnects`),
//! the names trainees go by (`names`), the instructor's broadcasts (`broadcasts`), the
//! instructor's view and changes (`instructor`), and with `--class-topic` the class
//! shared with its other servers through the cluster (`servers`). The places a session
//! takes (the server's limits) are here.

mod broadcasts;
mod instructor;
pub mod names;
mod reconnects;
pub mod servers;
mod sessions;

pub use names::NAMES_PER_SESSION;
pub use reconnects::RELOAD_RACE;

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::ws::WebSocket;
use shared::problem::{Limit, Problem};
use shared::protocol::{ExperimentResult, FailedCheck, Limits, TraineeChange};
use tokio::sync::{broadcast, mpsc};

use crate::metrics::Counts;
use crate::occupancy::{Caps, Full, Occupancy};
use crate::run::{InFlightLimit, Run};

/// One session's entry.
struct Entry {
    key: String,
    name: Option<String>,
    /// Names this session took.
    names: u32,
    connected: bool,
    topic: Option<String>,
    /// The current or last run; its number is the count of the session's runs.
    run: Option<Arc<Run>>,
    done: Vec<String>,
    failed: Vec<FailedCheck>,
    /// The last result of each experiment, by experiment.
    experiments: BTreeMap<shared::protocol::Experiment, ExperimentResult>,
    /// Set while the session waits for its page: the page's new socket goes here.
    reconnect: Option<mpsc::Sender<WebSocket>>,
    /// Set while a page is connected: the instructor's changes to this trainee.
    orders: Option<mpsc::Sender<TraineeChange>>,
    /// When its page last sent a command.
    active: std::time::Instant,
    /// The last problems its page was told of, newest last.
    errors: std::collections::VecDeque<Problem>,
    /// Set while a page is connected: the socket of the same page coming back on a new
    /// connection, while the old one still looks open (a Wi-Fi drop sends no close).
    take_over: Option<mpsc::Sender<WebSocket>>,
}

/// A session's place on the server, taken before its WebSocket is upgraded and given
/// back when it is dropped (when the session ends).
pub struct Place {
    class: Arc<Class>,
    address: IpAddr,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.class.occupancy().give_back(self.address);
    }
}

/// Every session of this server, and what the instructor sends them.
pub struct Class {
    next: AtomicU64,
    entries: Mutex<BTreeMap<u64, Entry>>,
    /// Taken and given back under one lock, so that a burst of connections cannot take
    /// more places than there are.
    occupancy: Mutex<Occupancy>,
    broadcasts: broadcast::Sender<String>,
    /// Messages in flight across every session.
    pub in_flight: Arc<InFlightLimit>,
    /// Each trainee produces to `orders.created.<name>`.
    pub topic_per_trainee: bool,
    /// Trainees' topics given out (so created, or about to be), and how many may be.
    trainee_topics: Mutex<HashSet<String>>,
    max_trainee_topics: usize,
    /// What `/metrics` counts as it happens.
    pub counts: Counts,
    /// The class's other servers, when it spans several.
    servers: OnceLock<Arc<servers::ClassServers>>,
}

impl Class {
    /// An empty class, with `in_flight` messages in flight at most.
    pub fn new(in_flight: u32, topic_per_trainee: bool) -> Self {
        Self {
            next: AtomicU64::new(1),
            entries: Mutex::new(BTreeMap::new()),
            occupancy: Mutex::new(Occupancy::default()),
            broadcasts: broadcast::channel(16).0,
            in_flight: InFlightLimit::new(in_flight),
            topic_per_trainee,
            trainee_topics: Mutex::default(),
            max_trainee_topics: Limits::default().trainee_topics as usize,
            counts: Counts::default(),
            servers: OnceLock::new(),
        }
    }

    /// Shares this class with the other servers of the class's log.
    pub fn join_servers(&self, servers: Arc<servers::ClassServers>) {
        let _ = self.servers.set(servers);
    }

    /// The class's other servers, when it spans several.
    pub fn servers(&self) -> Option<&Arc<servers::ClassServers>> {
        self.servers.get()
    }

    /// This class with at most `max` trainees' topics.
    pub fn with_max_trainee_topics(mut self, max: u32) -> Self {
        self.max_trainee_topics = max as usize;
        self
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn occupancy(&self) -> std::sync::MutexGuard<'_, Occupancy> {
        self.occupancy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new session from `address`, within `limits`: at most
    /// `limits.sessions` in all and `limits.sessions_per_address` from one address.
    pub fn take_place(self: &Arc<Self>, address: IpAddr, limits: &Limits) -> Result<Place, Problem> {
        let caps = Caps { total: limits.sessions, per_address: limits.sessions_per_address };
        let full =
            |limit: Limit, max: u32, taken: u32| Problem::Limit { limit, max: max.into(), got: u64::from(taken) + 1 };
        match self.occupancy().take(address, caps) {
            Ok(()) => Ok(Place { class: Arc::clone(self), address }),
            Err(Full::Total { taken }) => Err(full(Limit::Sessions, caps.total, taken)),
            Err(Full::Address { taken }) => Err(full(Limit::SessionsPerAddress, caps.per_address, taken)),
        }
    }
}

#[cfg(test)]
mod tests;
