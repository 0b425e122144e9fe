//! The class: every session on this server as the instructor sees it, the names trainees
//! go by, the instructor's broadcasts, and the sessions waiting for their page to come
//! back after a dropped connection; with `--class-topic`, shared with the other servers
//! of the class through the cluster ([`across`]).

pub mod across;
pub mod names;

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::ws::WebSocket;
use shared::problem::{Limit, Problem};
use shared::protocol::{
    ClassView, ClusterState, ExperimentResult, FailedCheck, Limits, MAX_ANSWER_LEN, MAX_BROADCAST_LEN,
    MAX_EXPERIMENT_RUNS, MAX_SETTING_LEN, TraineeChange, TraineeView,
};
use tokio::sync::{broadcast, mpsc};

use self::names::{name_error, same_name, trainee_topic};
use crate::metrics::{Counts, Snapshot};
use crate::occupancy::{Caps, Full, Occupancy};
use crate::run::{InFlightLimit, Run};

/// Names one session may take: a trainee may correct a typo or two, not create topics
/// in a loop.
pub const NAMES_PER_SESSION: u32 = 3;

/// How long a page coming back waits for its session to notice that its old socket
/// closed (a reload): the close is usually read within milliseconds.
pub const RELOAD_RACE: Duration = Duration::from_secs(2);

/// Ids of lab progress a page may report, and how long each may be: enough for the
/// checklist and the exercises, bounded so a page cannot grow the server.
const MAX_DONE: usize = 64;
const MAX_DONE_LEN: usize = 40;

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
    across: OnceLock<Arc<across::Across>>,
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
            across: OnceLock::new(),
        }
    }

    /// Shares this class with the other servers of `across`'s log.
    pub fn join_across(&self, across: Arc<across::Across>) {
        let _ = self.across.set(across);
    }

    /// The class's other servers, when it spans several.
    pub fn across(&self) -> Option<&Arc<across::Across>> {
        self.across.get()
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

    /// True when `key` names a session that waits for its page (so that a page coming
    /// back with it needs no new place).
    pub fn is_waiting(&self, key: &str) -> bool {
        self.entries().values().any(|e| e.key == key && e.reconnect.is_some())
    }

    /// A new session: its id and the key its page resumes it with (random, so that no
    /// one else can take it over).
    pub fn enter(&self) -> (u64, String) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let key = uuid::Uuid::new_v4().simple().to_string();
        let entry = Entry {
            key: key.clone(),
            name: None,
            names: 0,
            connected: true,
            topic: None,
            run: None,
            done: Vec::new(),
            failed: Vec::new(),
            experiments: BTreeMap::new(),
            reconnect: None,
            take_over: None,
            orders: None,
            active: std::time::Instant::now(),
            errors: std::collections::VecDeque::new(),
        };
        self.entries().insert(id, entry);
        (id, key)
    }

    /// The session is over.
    pub fn leave(&self, id: u64) {
        let mut entries = self.entries();
        if let Some(run) = entries.remove(&id).and_then(|e| e.run) {
            self.run_out_of_sight(&run);
        }
    }

    /// `run` is no session's current run any more: its totals go to the server's. Called
    /// under the entries' lock, which [`Class::snapshot`] reads them under too, so that a
    /// scrape sees the run in one place or the other, never in neither (a counter of
    /// messages that went down would read as a reset).
    fn run_out_of_sight(&self, run: &Run) {
        let stats = run.stats();
        self.counts.run_ended(stats.sent, stats.delivered, stats.failed);
    }

    /// Gives session `id` the trainee's `name`: refused when it cannot be a name, another
    /// session has it (one waiting for its page too: its topic is not handed to someone
    /// else), the session took [`NAMES_PER_SESSION`] names already, or with a topic per
    /// trainee the server gave out all its topics. Returns the trainee's own topic.
    pub fn name(&self, id: u64, name: &str) -> Result<Option<String>, Problem> {
        if let Some(problem) = name_error(name) {
            return Err(problem);
        }
        let mut entries = self.entries();
        // Case, accents and look-alike letters aside: the other trainee's name is said.
        let taken =
            entries.iter().find_map(|(other, e)| e.name.as_deref().filter(|n| *other != id && same_name(n, name)));
        if let Some(taken) = taken {
            return Err(Problem::NameTaken { name: taken.to_owned() });
        }
        let Some(entry) = entries.get_mut(&id) else { return Err(Problem::NameNeeded) };
        // The same name again is no new name: a page sends it on every connection.
        let new_name = entry.name.as_deref() != Some(name);
        if new_name && entry.names >= NAMES_PER_SESSION {
            let got = u64::from(entry.names) + 1;
            return Err(Problem::Limit { limit: Limit::NamesPerSession, max: NAMES_PER_SESSION.into(), got });
        }
        let topic = self.topic_per_trainee.then(|| trainee_topic(name));
        if let Some(topic) = &topic {
            self.give_topic(topic)?;
        }
        if new_name {
            entry.names += 1;
        }
        entry.name = Some(name.to_owned());
        entry.topic = topic.clone();
        Ok(topic)
    }

    /// Gives out `topic` (again, or as one more within the server's bound).
    fn give_topic(&self, topic: &str) -> Result<(), Problem> {
        let mut topics = self.trainee_topics.lock().unwrap_or_else(|e| e.into_inner());
        if topics.contains(topic) {
            return Ok(());
        }
        if topics.len() >= self.max_trainee_topics {
            let (max, got) = (self.max_trainee_topics as u64, topics.len() as u64 + 1);
            return Err(Problem::Limit { limit: Limit::TraineeTopics, max, got });
        }
        topics.insert(topic.to_owned());
        Ok(())
    }

    /// Session `id` started `run`.
    pub fn run_started(&self, id: u64, run: Arc<Run>) {
        self.counts.run_started();
        let mut entries = self.entries();
        if let Some(replaced) = entries.get_mut(&id).and_then(|entry| entry.run.replace(run)) {
            self.run_out_of_sight(&replaced);
        }
    }

    /// The lab progress session `id`'s page reported (bounded).
    pub fn progress(&self, id: u64, done: Vec<String>, failed: Vec<FailedCheck>) {
        let done = done.into_iter().filter(|d| d.len() <= MAX_DONE_LEN).take(MAX_DONE).collect();
        let failed = failed
            .into_iter()
            .filter(|f| f.id.len() <= MAX_DONE_LEN && f.en.len() <= MAX_ANSWER_LEN && f.fr.len() <= MAX_ANSWER_LEN)
            .take(MAX_DONE)
            .collect();
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.done = done;
            entry.failed = failed;
        }
    }

    /// Session `id`'s page ran an experiment: kept as its last of that kind, for the
    /// class comparison. A result with too many runs or too long a setting is dropped
    /// (a page of this server never sends one).
    pub fn experiment(&self, id: u64, result: ExperimentResult) {
        let fits = !result.runs.is_empty()
            && result.runs.len() <= MAX_EXPERIMENT_RUNS
            && result.runs.iter().all(|r| r.setting.len() <= MAX_SETTING_LEN && r.msgs_per_sec.is_finite());
        if !fits {
            return;
        }
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.experiments.insert(result.experiment, result);
        }
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

    /// The class's figures for `/metrics` (the connections are the server's to add).
    pub fn snapshot(&self) -> Snapshot {
        let entries = self.entries();
        let (runs, ended) = self.counts.runs();
        let mut snapshot = Snapshot {
            runs,
            messages: ended,
            in_flight: (self.in_flight.now(), self.in_flight.max()),
            read_backs: self.counts.read_backs(),
            producers: self.counts.producers(),
            refusals: self.counts.refusals(),
            ..Snapshot::default()
        };
        for entry in entries.values() {
            if entry.connected {
                snapshot.sessions_connected += 1;
            } else {
                snapshot.sessions_away += 1;
            }
            if let Some(stats) = entry.run.as_ref().map(|r| r.stats()) {
                for (total, n) in snapshot.messages.iter_mut().zip([stats.sent, stats.delivered, stats.failed]) {
                    *total += n;
                }
            }
        }
        snapshot
    }

    /// This server's sessions as the instructor sees them.
    pub fn local_views(&self) -> Vec<TraineeView> {
        self.entries()
            .iter()
            .map(|(id, e)| TraineeView {
                id: *id,
                name: e.name.clone(),
                connected: e.connected,
                topic: e.topic.clone(),
                runs: e.run.as_ref().map_or(0, |r| r.number()),
                run: e.run.as_ref().map(|r| r.stats()),
                finished: e.run.as_ref().and_then(|r| r.finished()),
                done: e.done.clone(),
                failed: e.failed.clone(),
                experiments: e.experiments.values().cloned().collect(),
                server: None,
                idle_secs: Some(e.active.elapsed().as_secs()),
                errors: e.errors.iter().cloned().collect(),
            })
            .collect()
    }

    /// Session `id` has a page connected: the instructor's changes to it come here.
    pub fn orders_here(&self, id: u64) -> mpsc::Receiver<TraineeChange> {
        let (orders, received) = mpsc::channel(8);
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.orders = Some(orders);
        }
        received
    }

    /// Hands the instructor's `change` to session `id`, which carries it out; refused
    /// when there is no such session, or its page is away.
    pub fn order(&self, id: u64, change: TraineeChange) -> Result<(), Problem> {
        if let TraineeChange::Rename { name } = &change
            && let Some(problem) = name_error(&names::tidy(name))
        {
            return Err(problem);
        }
        let entries = self.entries();
        let entry = entries.get(&id).ok_or(Problem::NoSuchTrainee { id })?;
        let orders = entry.orders.as_ref().filter(|_| entry.connected).ok_or(Problem::TraineeAway { id })?;
        orders.try_send(change).map_err(|_| Problem::TraineeAway { id })
    }

    /// Session `id`'s page sent a command now.
    pub fn active(&self, id: u64) {
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.active = std::time::Instant::now();
        }
    }

    /// Session `id`'s page was told of `problem`: the instructor sees its last few.
    pub fn told(&self, id: u64, problem: &Problem) {
        if let Some(entry) = self.entries().get_mut(&id) {
            if entry.errors.len() == shared::protocol::TRAINEE_ERRORS {
                entry.errors.pop_front();
            }
            entry.errors.push_back(problem.clone());
        }
    }

    /// The class as the instructor sees it: with several servers, every server's
    /// trainees, each named with its server.
    pub fn view(&self, limits: Limits, cluster: ClusterState) -> ClassView {
        let mut trainees = self.local_views();
        let mut servers = Vec::new();
        if let Some(across) = self.across() {
            for trainee in &mut trainees {
                trainee.server = Some(across.server().to_owned());
            }
            let (others, live) = across.others();
            trainees.extend(others);
            servers = live;
        }
        ClassView {
            servers,
            trainees,
            in_flight: self.in_flight.now(),
            in_flight_peak: self.in_flight.peak(),
            limits,
            topic_per_trainee: self.topic_per_trainee,
            cluster,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_not_shared() {
        let class = Class::new(10, true);
        let (alice, _) = class.enter();
        let (bob, _) = class.enter();
        assert_eq!(class.name(alice, "alice"), Ok(Some("orders.created.alice".into())));
        // Bob is told the name he is too close to.
        assert_eq!(class.name(bob, "Alice"), Err(Problem::NameTaken { name: "alice".into() }));
        assert_eq!(class.name(bob, "\u{430}lice"), Err(Problem::NameMixedScripts { name: "\u{430}lice".into() }));
        assert!(matches!(class.name(bob, "bob\u{0}"), Err(Problem::NameInvalid { .. })));
        assert!(matches!(class.name(bob, ""), Err(Problem::NameInvalid { .. })));
        assert_eq!(class.name(bob, "Jean Dupont"), Ok(Some("orders.created.jean-dupont".into())));
        let (zoe, _) = class.enter();
        assert_eq!(class.name(zoe, "Zoé"), Ok(Some("orders.created.zoe".into())));
        let (zoe_too, _) = class.enter();
        assert_eq!(class.name(zoe_too, "Zoe"), Err(Problem::NameTaken { name: "Zoé".into() }), "one topic");
        // A session may say its own name again (a page that came back).
        assert!(class.name(alice, "alice").is_ok());
        class.leave(alice);
        assert!(class.name(bob, "alice").is_ok(), "a name is free once its session ended");
    }

    #[test]
    fn a_key_opens_its_own_session_once_and_only_while_away() {
        let class = Class::new(10, false);
        let (id, key) = class.enter();
        assert!(class.reconnect(&key).is_none(), "a connected session is not waiting");
        let _returning = class.disconnected(id);
        assert!(class.reconnect("not-a-key").is_none());
        assert!(class.reconnect(&key).is_some());
        assert!(class.reconnect(&key).is_none(), "a key reconnects once");
    }

    #[test]
    fn places_are_bounded_in_all_and_by_address() {
        let class = Arc::new(Class::new(10, false));
        let limits = Limits { sessions: 3, sessions_per_address: 2, ..Limits::default() };
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let first = class.take_place(a, &limits).unwrap();
        let _second = class.take_place(a, &limits).unwrap();
        let third = class.take_place(a, &limits);
        assert!(
            matches!(third, Err(Problem::Limit { ref limit, max: 2, got: 3 }) if *limit == Limit::SessionsPerAddress)
        );
        let _other = class.take_place(b, &limits).unwrap();
        let full = class.take_place(b, &limits);
        assert!(matches!(full, Err(Problem::Limit { ref limit, max: 3, .. }) if *limit == Limit::Sessions));
        drop(first);
        assert!(class.take_place(a, &limits).is_ok(), "a place is given back with its session");
    }

    #[test]
    fn a_session_takes_a_few_names_and_the_server_a_bounded_number_of_topics() {
        let class = Class::new(10, true).with_max_trainee_topics(4);
        let (alice, _) = class.enter();
        for name in ["alce", "alice", "alice", "Alice"] {
            assert!(class.name(alice, name).is_ok(), "{name}");
        }
        let fourth = class.name(alice, "alicia");
        assert!(
            matches!(fourth, Err(Problem::Limit { ref limit, max: 3, got: 4 }) if *limit == Limit::NamesPerSession)
        );
        assert!(class.name(alice, "Alice").is_ok(), "its own name again is fine");
        // "alice" and "Alice" are one name with one topic: bob's is the third, carol's the fourth.
        let (bob, _) = class.enter();
        assert!(class.name(bob, "bob").is_ok(), "the third topic");
        let (carol, _) = class.enter();
        assert!(class.name(carol, "carol").is_ok(), "the fourth topic");
        let (dave, _) = class.enter();
        let full = class.name(dave, "dave");
        assert!(matches!(full, Err(Problem::Limit { ref limit, max: 4, .. }) if *limit == Limit::TraineeTopics));
        class.leave(bob);
        let (bob_again, _) = class.enter();
        assert!(class.name(bob_again, "bob").is_ok(), "bob's topic exists: no new one is needed");
    }

    #[test]
    fn broadcasts_are_bounded() {
        let class = Class::new(10, false);
        let mut rx = class.broadcasts();
        assert!(class.broadcast("   ").is_err());
        assert!(class.broadcast(&"x".repeat(MAX_BROADCAST_LEN + 1)).is_err());
        assert_eq!(class.broadcast(" Break until 10:30 "), Ok(1));
        assert_eq!(rx.try_recv().unwrap(), "Break until 10:30");
    }
}
