//! One session per browser tab: it owns the tab's producer and at most one run at a time,
//! and outlives a dropped connection for a while, so that the page finds its run again.
//!
//! A session is a state machine ([`State`]): connected to its page, waiting for its page
//! to come back after a dropped connection, or ended with a [`CloseReason`]. While
//! connected, the socket is split in two tasks, as in axum's chat example: this one reads
//! commands ([`commands`]) and acts on them, a [`writer`] sends events. They are joined by
//! a bounded channel, so a run waits for a slow page instead of growing the server's
//! memory.

mod commands;
mod read_backs;
mod writer;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures_util::StreamExt;
use shared::problem::{Limit, Problem};
use shared::protocol::{ErrorEvent, Event, Hello, Limits, PROTOCOL_VERSION};
use shared::settings::ProducerSettings;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::class::{Class, Place};
use crate::cluster::Cluster;
use crate::run::{InFlightLimit, Run, RunHandle, RunProducer};
use read_backs::ReadBacks;
use writer::{Queues, Writer};

/// Events waiting for the writer. Past this, per-message details and stats are
/// skipped (and counted) so that a page that stops reading costs the server nothing.
pub const EVENT_QUEUE: usize = 1024;

/// How long a closing session waits for the messages still in flight.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// Frames a page may send in one second; past this it is flooding and is cut off. A
/// person clicks a few times a second; a script gone wrong sends thousands.
pub const FRAMES_PER_SECOND: u32 = 200;

/// How long a session waits for its page after a dropped connection, by default: a
/// reloaded page, a laptop that slept a moment or a Wi-Fi hiccup finds its run again.
pub const RESUME_WINDOW: Duration = Duration::from_secs(60);

/// What every session shares.
#[derive(Clone)]
pub struct Context {
    /// The class's cluster.
    pub cluster: Arc<Cluster>,
    /// On the embedded cluster, the trainees' own clusters, which their faults start.
    pub own_clusters: Option<Arc<crate::cluster::own::OwnClusters>>,
    /// Every session, the names, the broadcasts, the in-flight limit.
    pub class: Arc<Class>,
    /// What a session may do.
    pub limits: Limits,
    /// Becomes true when the server stops.
    pub shutdown: watch::Receiver<bool>,
    /// How long a session waits for its page after a dropped connection.
    pub resume_window: Duration,
    /// How often the server pings a page; a page silent for [`SILENT_PINGS`] of these
    /// is away (a laptop lid closed: its TCP connection says nothing for many minutes).
    pub ping_every: Duration,
    /// How long a session keeps its producer once no run uses it.
    pub producer_idle: Duration,
}

/// How often the server pings a page, by default.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// How long a session keeps its producer after its last run, by default: long enough
/// for a trainee's next try (which then starts at once), short enough that a class of
/// connected trainees who are reading the lab holds no librdkafka threads or sockets.
pub const PRODUCER_IDLE: Duration = Duration::from_secs(120);

/// Pings a page may leave unanswered (and send nothing else) before it counts as away.
pub const SILENT_PINGS: u32 = 3;

/// Why a session ended, as its page's close frame says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The page said goodbye (a close frame with code 1000, or none).
    Goodbye,
    /// The page sent more than [`FRAMES_PER_SECOND`] frames in a second.
    Flooding,
    /// The server is stopping.
    ServerStopping,
    /// The page did not come back within the resume window.
    PageGone,
    /// The page is back on a new connection (this one is closed; the session goes on
    /// there): a tab whose old connection was lost, or a second tab with its key.
    Elsewhere,
}

/// The close code of a connection whose session went on on another one: the page does
/// not reconnect (two tabs with one key would take it from each other in turns).
pub const CLOSE_ELSEWHERE: u16 = shared::protocol::CLOSE_SESSION_ELSEWHERE;

impl CloseReason {
    /// The close frame that tells the page.
    fn frame(self) -> CloseFrame {
        let (code, reason) = match self {
            CloseReason::Flooding => (close_code::POLICY, flooding().to_string()),
            CloseReason::Elsewhere => (CLOSE_ELSEWHERE, "session continues on a new connection".to_owned()),
            CloseReason::Goodbye | CloseReason::ServerStopping | CloseReason::PageGone => {
                (close_code::NORMAL, "session closed".to_owned())
            }
        };
        CloseFrame { code, reason: reason.into() }
    }
}

/// The problem of a page that floods the server.
fn flooding() -> Problem {
    Problem::Limit {
        limit: Limit::FramesPerSecond,
        max: FRAMES_PER_SECOND.into(),
        got: u64::from(FRAMES_PER_SECOND) + 1,
    }
}

/// How a connection ends.
enum ConnectionEnd {
    /// It dropped (or the page went away, or stopped answering pings): the session waits.
    Dropped,
    /// The session ends, for this reason.
    Closed(CloseReason),
}

/// Where a session stands.
// One per session, moved once per connection: the socket's size does not matter here.
#[allow(clippy::large_enum_variant)]
enum State {
    /// A page is connected: `resumed` when it came back to this session.
    Connected { socket: WebSocket, queue: Queues, resumed: bool },
    /// The connection dropped; the run goes on while the session waits for its page.
    WaitingForPage { queue: Queues },
    /// Over: the writer (if a page is still connected) closes its socket with the reason.
    Ended { reason: CloseReason, writer: Option<Writer> },
}

/// Tells a page it cannot have a session here, and why, then closes its socket with
/// `code` (1013, try again later, for a full server; 1008 for a refused origin).
pub async fn refuse(mut socket: WebSocket, problem: Problem, code: u16) {
    if let Ok(json) = serde_json::to_string(&Event::Error(ErrorEvent::new(problem.clone()))) {
        let _ = socket.send(Message::Text(json.into())).await;
    }
    let reason = problem.to_string().chars().take(120).collect::<String>();
    let close = CloseFrame { code, reason: reason.into() };
    let _ = socket.send(Message::Close(Some(close))).await;
}

/// Serves one WebSocket: hands it to the session that `resume` names when that session
/// waits for its page, else starts a new session in `place` (taken for it before the
/// upgrade; taken now for a page whose session ended meanwhile), and serves it until it
/// ends.
pub async fn serve(socket: WebSocket, ctx: Context, resume: Option<String>, place: Option<Place>, client: IpAddr) {
    let mut socket = socket;
    let reconnect = match resume.as_deref() {
        Some(key) => ctx.class.reconnect_after_reload(key).await,
        None => None,
    };
    if let Some(reconnect) = reconnect {
        match reconnect.send(socket).await {
            Ok(()) => return,
            // The session ended meanwhile: this page gets a new one.
            Err(mpsc::error::SendError(returned)) => socket = returned,
        }
    }
    let _place = match place.map_or_else(|| ctx.class.take_place(client, &ctx.limits), Ok) {
        Ok(place) => place,
        Err(problem) => {
            ctx.class.counts.refused(&problem);
            return refuse(socket, problem, close_code::AGAIN).await;
        }
    };
    let (events, queue) = mpsc::channel::<Event>(EVENT_QUEUE);
    let (read_backs, answers) = ReadBacks::new(Arc::clone(&ctx.class));
    let queue = Queues { events: queue, answers };
    let mut session = Session::new(ctx, events, read_backs);
    let mut state = State::Connected { socket, queue, resumed: false };
    let (reason, writer) = loop {
        state = match state {
            State::Connected { socket, queue, resumed } => session.connected(socket, queue, resumed).await,
            State::WaitingForPage { queue } => session.wait_for_page(queue).await,
            State::Ended { reason, writer } => break (reason, writer),
        };
    };
    info!("session {}: ended ({reason:?})", session.id);
    session.close().await;
    session.ctx.class.leave(session.id);
    // Its name is free across the class's servers at once.
    if let Some(servers) = session.ctx.class.servers() {
        servers.release(session.id).await;
    }
    // Every sender is gone with the session and its producer: the writer drains what is
    // left, sends its close frame and ends.
    drop(session);
    if let Some(writer) = writer {
        writer.finish(reason.frame()).await;
    }
}

/// A session's state: its producer (rebuilt only when the settings change), its run,
/// and who the trainee is.
struct Session {
    ctx: Context,
    id: u64,
    /// The key its page resumes it with.
    key: String,
    events: mpsc::Sender<Event>,
    producer: Option<(ProducerSettings, Arc<RunProducer>)>,
    /// When the producer was last used: built, or seen running a run.
    producer_used: Instant,
    /// The current or last run; its number is the count of the session's runs.
    run: Option<RunHandle>,
    name: Option<String>,
    /// The trainee's own topic, with a topic per trainee.
    topic: Option<String>,
    /// Its read-backs, cancelled with it.
    read_backs: ReadBacks,
    /// The last paced run's schedule: where it started and its rate.
    pace: Option<(Instant, u32)>,
    /// Its share of the server's messages in flight, across its runs.
    in_flight: Arc<InFlightLimit>,
    /// The trainee's own cluster, once their first fault started it; declared after the
    /// producer, which it outlives.
    own: Option<Arc<Cluster>>,
    /// Set when the session moved to its own cluster: its page then follows that one.
    cluster_moved: bool,
}

impl Session {
    fn new(ctx: Context, events: mpsc::Sender<Event>, read_backs: ReadBacks) -> Self {
        let (id, key) = ctx.class.enter();
        let in_flight = InFlightLimit::share_of(&ctx.class.in_flight, ctx.limits.in_flight_per_session);
        let (producer, run, name, topic, pace) = (None, None, None, None, None);
        let producer_used = Instant::now();
        let (own, cluster_moved) = (None, false);
        Self {
            ctx,
            id,
            key,
            events,
            producer,
            producer_used,
            run,
            name,
            topic,
            read_backs,
            pace,
            in_flight,
            own,
            cluster_moved,
        }
    }

    /// The cluster this session's runs, read-backs and faults go to: its own once it has
    /// one, else the class's.
    fn cluster(&self) -> &Arc<Cluster> {
        self.own.as_ref().unwrap_or(&self.ctx.cluster)
    }

    /// The last run, to show again or to the instructor.
    fn last_run(&self) -> Option<&Arc<Run>> {
        self.run.as_ref().map(RunHandle::run)
    }

    /// Serves one connection of this session: says hello (and, to a page that came
    /// back, where its run is), then takes commands until the connection ends.
    async fn connected(&mut self, socket: WebSocket, mut queue: Queues, resumed: bool) -> State {
        let (sink, mut stream) = socket.split();
        if resumed {
            // What queued up while the page was away is older than what it gets now.
            queue.clear();
        }
        let mut writer = Writer::start(sink, queue, self.ctx.ping_every);
        let mut cluster_state = self.cluster().subscribe();
        let mut new_connection = self.ctx.class.connected_here(self.id);
        let mut orders = self.ctx.class.orders_here(self.id);
        let mut broadcasts = self.ctx.class.broadcasts();
        let mut shutdown = self.ctx.shutdown.clone();
        self.greet(resumed, &mut cluster_state).await;
        let mut flood = (Instant::now(), 0_u32);
        let mut heard = Instant::now();
        let mut listen = tokio::time::interval(self.ctx.ping_every);
        let mut idle = idle_checks(self.ctx.producer_idle);
        // Also now: a page that reconnects more often than the checks come is checked.
        self.close_idle_producer().await;
        loop {
            tokio::select! {
                frame = stream.next() => {
                    heard = Instant::now();
                    match self.frame(frame, &mut flood).await {
                        None => {}
                        Some(ConnectionEnd::Dropped) => return State::WaitingForPage { queue: writer.detach().await },
                        Some(ConnectionEnd::Closed(reason)) => return State::Ended { reason, writer: Some(writer) },
                    }
                }
                Ok(()) = cluster_state.changed() => {
                    let state = cluster_state.borrow_and_update().clone();
                    self.send(Event::Cluster(state)).await;
                }
                Ok(text) = broadcasts.recv() => self.send(Event::Broadcast { text }).await,
                Some(change) = orders.recv() => self.instructed(change).await,
                Some(socket) = new_connection.recv() => {
                    info!("session {}: its page is back on a new connection; the old one is closed", self.id);
                    let queue = writer.hand_over(CloseReason::Elsewhere.frame()).await;
                    return State::Connected { socket, queue, resumed: true };
                }
                _ = shutdown.changed() => return State::Ended { reason: CloseReason::ServerStopping, writer: Some(writer) },
                queue = writer.stopped() => return State::WaitingForPage { queue },
                _ = listen.tick() => if heard.elapsed() > self.ctx.ping_every * SILENT_PINGS {
                    info!("session {}: its page answers no ping; waiting for it", self.id);
                    return State::WaitingForPage { queue: writer.detach().await };
                },
                _ = idle.tick() => self.close_idle_producer().await,
            }
            // A first fault moved the session to its own cluster: its page follows it.
            if std::mem::take(&mut self.cluster_moved) {
                cluster_state = self.cluster().subscribe();
                let state = cluster_state.borrow_and_update().clone();
                self.send(Event::Cluster(state)).await;
            }
        }
    }

    /// Acts on one frame of the page; how the connection ends, if it does.
    async fn frame(
        &mut self,
        frame: Option<Result<Message, axum::Error>>,
        flood: &mut (Instant, u32),
    ) -> Option<ConnectionEnd> {
        match frame {
            Some(Ok(Message::Text(_) | Message::Binary(_))) if flooding_now(flood) => {
                warn!("a page sent over {FRAMES_PER_SECOND} frames in a second; closing its session");
                self.send(Event::Error(ErrorEvent::new(flooding()))).await;
                Some(ConnectionEnd::Closed(CloseReason::Flooding))
            }
            Some(Ok(Message::Text(text))) => {
                self.command(&text).await;
                None
            }
            Some(Ok(Message::Binary(_))) => {
                self.send(Event::Error(ErrorEvent::new(Problem::BinaryFrame))).await;
                None
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
            // 1000 (or no code) is a goodbye; 1001 is a page going away, which a reload
            // also sends.
            Some(Ok(Message::Close(frame))) if frame.as_ref().is_none_or(|f| f.code == close_code::NORMAL) => {
                Some(ConnectionEnd::Closed(CloseReason::Goodbye))
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => Some(ConnectionEnd::Dropped),
        }
    }

    /// Waits for the page to come back with its key, throwing away what the run says
    /// meanwhile (the page gets the run's state when it is back).
    async fn wait_for_page(&mut self, mut queue: Queues) -> State {
        let mut returning = self.ctx.class.disconnected(self.id);
        let mut shutdown = self.ctx.shutdown.clone();
        let deadline = tokio::time::sleep(self.ctx.resume_window);
        tokio::pin!(deadline);
        let mut idle = idle_checks(self.ctx.producer_idle);
        loop {
            tokio::select! {
                socket = returning.recv() => match socket {
                    Some(socket) => {
                        info!("session {}: its page is back", self.id);
                        self.ctx.class.reconnected(self.id);
                        return State::Connected { socket, queue, resumed: true };
                    }
                    None => return State::Ended { reason: CloseReason::PageGone, writer: None },
                },
                () = &mut deadline => {
                    info!("session {}: its page did not come back", self.id);
                    return State::Ended { reason: CloseReason::PageGone, writer: None };
                }
                _ = shutdown.changed() => return State::Ended { reason: CloseReason::ServerStopping, writer: None },
                _ = queue.events.recv() => {}
                _ = queue.answers.recv() => {}
                _ = idle.tick() => self.close_idle_producer().await,
            }
        }
    }

    /// The first events of a connection: `hello`, the cluster, and to a page that came
    /// back, its name and its current or last run as it stands.
    async fn greet(&self, resumed: bool, cluster_state: &mut watch::Receiver<shared::protocol::ClusterState>) {
        self.hello(resumed).await;
        let state = cluster_state.borrow_and_update().clone();
        self.send(Event::Cluster(state)).await;
        if !resumed {
            return;
        }
        if let Some(name) = &self.name {
            self.send(Event::Joined { name: name.clone(), topic: self.topic.clone() }).await;
        }
        if let Some(run) = self.last_run() {
            self.send(run.started()).await;
            self.send(Event::Stats(run.stats())).await;
            if let Some(totals) = run.finished() {
                self.send(Event::RunFinished(totals)).await;
            }
        }
    }

    async fn hello(&self, resumed: bool) {
        let (brokers, topics) = match self.cluster().describe().await {
            Ok(found) => found,
            Err(e) => {
                warn!("{e}");
                self.send(Event::Error(ErrorEvent::new(e.problem()))).await;
                (Vec::new(), Vec::new())
            }
        };
        self.send(Event::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            mode: self.cluster().mode(),
            bootstrap_servers: self.cluster().bootstrap_servers().to_owned(),
            brokers,
            topics,
            limits: self.ctx.limits,
            session: self.key.clone(),
            resumed,
            topic_per_trainee: self.ctx.class.topic_per_trainee,
        }))
        .await;
    }

    async fn send(&self, event: Event) {
        if let Event::Error(error) = &event {
            self.ctx.class.counts.refused(&error.problem);
            // The field at fault says more than "invalid request" to the instructor.
            self.ctx.class.told(self.id, error.fields.first().map_or(&error.problem, |f| &f.problem));
        }
        // Fails only when the writer is gone, which ends the session anyway.
        let _ = self.events.send(event).await;
    }

    /// Closes the producer once no run has used it for [`Context::producer_idle`]: its
    /// librdkafka threads, sockets and memory are given back, and the next run builds
    /// another (librdkafka's instance name in `producer_stats` says which).
    async fn close_idle_producer(&mut self) {
        if self.run.as_ref().is_some_and(RunHandle::is_running) {
            self.producer_used = Instant::now();
            return;
        }
        if self.producer.is_some() && self.producer_used.elapsed() >= self.ctx.producer_idle {
            info!("session {}: closing its producer, idle for {:?}", self.id, self.ctx.producer_idle);
            self.close_producer().await;
        }
    }

    /// Flushes (bounded) and closes the session's producer, if it has one.
    async fn close_producer(&mut self) {
        if let Some((_, producer)) = self.producer.take() {
            crate::producer::close(producer, CLOSE_WAIT).await;
            self.ctx.class.counts.producer(false);
        }
    }

    /// Stops the run, waits (bounded) for its messages in flight, and releases the
    /// producer.
    async fn close(&mut self) {
        if let (Some(run), Some((_, producer))) = (self.run.take(), &self.producer) {
            run.close(CLOSE_WAIT, producer).await;
        }
        self.close_producer().await;
    }
}

/// How often a session looks whether its producer is idle: a quarter of the idle time,
/// within 50 ms and 10 s. The first tick is skipped (it comes at once).
fn idle_checks(idle: Duration) -> tokio::time::Interval {
    let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(10));
    let mut checks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    checks
}

/// Counts a frame in the current one-second window; true past [`FRAMES_PER_SECOND`].
fn flooding_now(window: &mut (Instant, u32)) -> bool {
    if window.0.elapsed() >= Duration::from_secs(1) {
        *window = (Instant::now(), 0);
    }
    window.1 += 1;
    window.1 > FRAMES_PER_SECOND
}
