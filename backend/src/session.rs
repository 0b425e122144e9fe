//! One session per WebSocket: it owns a producer and at most one run at a time.
//!
//! The socket is split in two tasks, as in axum's chat example: this one reads commands
//! and acts on them, a writer task sends events. They are joined by a bounded channel,
//! so a run waits for a slow page instead of growing the server's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::problem::Problem;
use shared::protocol::{Command, ErrorEvent, Event, Hello, Limits, PROTOCOL_VERSION, ProduceRequest};
use shared::settings::ProducerSettings;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::class::{Class, RunHandle};
use crate::cluster::Cluster;
use crate::producer::{self, LabProducer, Recorder};

/// Events waiting for the writer. Past this, per-message details and stats are
/// skipped (and counted) so that a page that stops reading costs the server nothing.
pub const EVENT_QUEUE: usize = 1024;

/// Most events in one frame.
const BATCH_MAX: usize = 512;

/// How often a live run's figures go to the page.
const STATS_EVERY: Duration = Duration::from_millis(50);

/// How long one frame may wait for the page to read before the page counts as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a closing session waits for the messages still in flight.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// A run in progress.
struct ActiveRun {
    stop: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

/// A session's state: its producer (rebuilt only when the settings change), its run,
/// and who the trainee is. It outlives a dropped connection for a while
/// ([`RESUME_WINDOW`]), so that the page finds its run again.
struct Session {
    ctx: Context,
    id: u64,
    key: String,
    events: mpsc::Sender<Event>,
    producer: Option<(ProducerSettings, Arc<LabProducer>)>,
    run: Option<ActiveRun>,
    /// The current or last run, to show again to a page that comes back.
    last: Option<RunHandle>,
    runs: u64,
    name: Option<String>,
    /// The trainee's own topic, with a topic per trainee.
    topic: Option<String>,
}

/// What queued up, as frames: one event as it is; small events together in one `batch`
/// (how the server keeps up under load); records read back, up to megabytes each, in a
/// frame of their own, so that several answers never make one huge frame.
fn frames(events: Vec<Event>) -> Vec<Event> {
    let mut frames = Vec::new();
    let mut batch = Vec::new();
    let flush = |batch: &mut Vec<Event>, frames: &mut Vec<Event>| match batch.len() {
        0 => {}
        1 => frames.push(batch.pop().expect("one event")),
        _ => frames.push(Event::Batch { events: std::mem::take(batch) }),
    };
    for event in events {
        if matches!(event, Event::Records(_)) {
            flush(&mut batch, &mut frames);
            frames.push(event);
        } else {
            batch.push(event);
        }
    }
    flush(&mut batch, &mut frames);
    frames
}

/// Frames a page may send in one second; past this it is flooding and is cut off. A
/// person clicks a few times a second; a script gone wrong sends thousands.
pub const FRAMES_PER_SECOND: u32 = 200;

/// Counts a frame in the current one-second window; true past [`FRAMES_PER_SECOND`].
fn flooding(window: &mut (Instant, u32)) -> bool {
    if window.0.elapsed() >= Duration::from_secs(1) {
        *window = (Instant::now(), 0);
    }
    window.1 += 1;
    window.1 > FRAMES_PER_SECOND
}

/// Tells a page it cannot have a session here, and why, then closes its socket.
pub async fn refuse(mut socket: WebSocket, problem: Problem) {
    if let Ok(json) = serde_json::to_string(&Event::Error(ErrorEvent::new(problem.clone()))) {
        let _ = socket.send(Message::Text(json.into())).await;
    }
    let reason = problem.to_string().chars().take(120).collect::<String>();
    let close = CloseFrame { code: axum::extract::ws::close_code::AGAIN, reason: reason.into() };
    let _ = socket.send(Message::Close(Some(close))).await;
}

/// What every session shares.
#[derive(Clone)]
pub struct Context {
    /// The cluster.
    pub cluster: Arc<Cluster>,
    /// Every session, the names, the broadcasts, the in-flight limit.
    pub class: Arc<Class>,
    /// What a session may do.
    pub limits: Limits,
    /// Becomes true when the server stops.
    pub shutdown: watch::Receiver<bool>,
    /// The sessions' queues, for tests and diagnostics.
    pub probe: crate::http::QueueProbe,
    /// How long a session waits for its page after a dropped connection.
    pub resume_window: Duration,
}

/// How long a session waits for its page after a dropped connection, by default: a
/// reloaded page, a laptop that slept a moment or a Wi-Fi hiccup finds its run again.
pub const RESUME_WINDOW: Duration = Duration::from_secs(60);

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The page said goodbye (a close frame with code 1000 or none): the session ends.
    Left,
    /// The connection dropped, or the page went away (a reload, a closed tab): the
    /// session waits for it a while.
    Away,
    /// The server is stopping, or the page was cut off: the session ends.
    Over,
}

/// Serves one WebSocket: hands it to the session that `resume` names when that session
/// waits for its page, else starts a new session, and serves it until it ends.
pub async fn serve(socket: WebSocket, ctx: Context, resume: Option<String>) {
    let mut socket = socket;
    if let Some(door) = resume.as_deref().and_then(|key| ctx.class.door(key)) {
        match door.send(socket).await {
            Ok(()) => return,
            // The session ended meanwhile: this page gets a new one.
            Err(mpsc::error::SendError(back)) => socket = back,
        }
    }
    let (id, key) = ctx.class.enter();
    let (events, mut queue) = mpsc::channel::<Event>(EVENT_QUEUE);
    ctx.probe.register(&events);
    let mut session = Session {
        ctx: ctx.clone(),
        id,
        key,
        events,
        producer: None,
        run: None,
        last: None,
        runs: 0,
        name: None,
        topic: None,
    };
    let mut shutdown = ctx.shutdown.clone();
    let mut resumed = false;
    // The last connection's writer, or none when the page never came back.
    let writer = loop {
        let (end, writer) = session.connection(socket, queue, resumed).await;
        if end != End::Away {
            break Some(writer);
        }
        queue = writer.detach().await;
        // Wait for the page, throwing away what the run says meanwhile (the page gets
        // the run's state when it is back).
        let mut knock = ctx.class.away(id);
        let deadline = tokio::time::sleep(ctx.resume_window);
        tokio::pin!(deadline);
        let back = loop {
            tokio::select! {
                back = knock.recv() => break back,
                () = &mut deadline => break None,
                _ = shutdown.changed() => break None,
                _ = queue.recv() => {}
            }
        };
        match back {
            Some(back) => {
                info!("session {id}: its page is back");
                ctx.class.back(id);
                socket = back;
                resumed = true;
            }
            None => {
                info!("session {id}: its page did not come back");
                break None;
            }
        }
    };
    session.close().await;
    ctx.class.leave(id);
    // Every sender is gone with the session and its producer: the writer drains what is
    // left, sends Close and ends.
    drop(session);
    if let Some(writer) = writer {
        writer.finish().await;
    }
}

/// The task that writes a connection's events to its socket.
struct Writer {
    task: JoinHandle<mpsc::Receiver<Event>>,
    detach: Option<oneshot::Sender<()>>,
    /// Resolves when the writer stops (its sender is dropped with the task).
    gone: oneshot::Receiver<()>,
}

impl Writer {
    /// Writes `queue` to `sink` until every sender is gone (then sends a close frame
    /// with `reason`), the page stops reading, or it is detached.
    fn start(
        mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
        mut queue: mpsc::Receiver<Event>,
        reason: Arc<std::sync::Mutex<String>>,
    ) -> Self {
        let (detach, mut detached) = oneshot::channel::<()>();
        let (still_here, gone) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _still_here = still_here;
            let mut pending = Vec::with_capacity(BATCH_MAX);
            loop {
                tokio::select! {
                    biased;
                    Ok(()) = &mut detached => return queue,
                    n = queue.recv_many(&mut pending, BATCH_MAX) => if n == 0 { break },
                }
                for frame in frames(std::mem::take(&mut pending)) {
                    let json = match serde_json::to_string(&frame) {
                        Ok(json) => json,
                        Err(e) => {
                            warn!("could not encode an event: {e}");
                            continue;
                        }
                    };
                    // A page that stops reading for this long is gone: drop it rather
                    // than let the session wait on it forever.
                    match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(json.into()))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => return queue,
                        Err(_) => {
                            warn!("a page did not read for {SEND_TIMEOUT:?}; closing its connection");
                            return queue;
                        }
                    }
                }
            }
            // Every sender is gone: the session is over and every outcome was sent.
            let reason = reason.lock().map(|r| r.clone()).unwrap_or_default();
            let code = if reason == "session closed" {
                axum::extract::ws::close_code::NORMAL
            } else {
                axum::extract::ws::close_code::POLICY
            };
            let close = CloseFrame { code, reason: reason.into() };
            let _ = sink.send(Message::Close(Some(close))).await;
            queue
        });
        Self { task, detach: Some(detach), gone }
    }

    /// Stops writing and gives the queue back, for the page's next connection.
    async fn detach(mut self) -> mpsc::Receiver<Event> {
        if let Some(detach) = self.detach.take() {
            let _ = detach.send(());
        }
        self.task.await.expect("the writer does not panic")
    }

    /// Lets the writer send what is left and its close frame (bounded).
    async fn finish(mut self) {
        // Keeps the detach signal alive so that the writer does not take its drop for one.
        let _keep = self.detach.take();
        if !self.task.is_finished() {
            let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
        }
    }
}

impl Session {
    /// Serves one connection of this session: says hello (and, to a page that came
    /// back, where its run is), then takes commands until the connection ends.
    async fn connection(
        &mut self,
        socket: WebSocket,
        mut queue: mpsc::Receiver<Event>,
        resumed: bool,
    ) -> (End, Writer) {
        let (sink, mut stream) = socket.split();
        if resumed {
            // What queued up while the page was away is older than what it gets now.
            while queue.try_recv().is_ok() {}
        }
        // Why the connection ends, for the close frame: a flood says so.
        let close_reason = Arc::new(std::sync::Mutex::new(String::from("session closed")));
        let mut writer = Writer::start(sink, queue, Arc::clone(&close_reason));
        let mut cluster_state = self.ctx.cluster.subscribe();
        let mut broadcasts = self.ctx.class.broadcasts();
        let mut shutdown = self.ctx.shutdown.clone();
        self.hello(resumed).await;
        let state = cluster_state.borrow_and_update().clone();
        self.send(Event::Cluster(state)).await;
        if resumed {
            self.show_again().await;
        }
        let mut flood = (Instant::now(), 0_u32);
        let end = loop {
            tokio::select! {
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) if flooding(&mut flood) => {
                        let problem = Problem::Limit {
                            limit: "frames_per_second".into(),
                            max: FRAMES_PER_SECOND.into(),
                            got: u64::from(FRAMES_PER_SECOND) + 1,
                        };
                        warn!("a page sent over {FRAMES_PER_SECOND} frames in a second; closing its session");
                        if let Ok(mut reason) = close_reason.lock() {
                            *reason = problem.to_string();
                        }
                        self.error(ErrorEvent::new(problem)).await;
                        break End::Over;
                    }
                    Some(Ok(Message::Text(text))) => self.handle_text(&text).await,
                    Some(Ok(Message::Binary(_))) => {
                        self.error(ErrorEvent::new(Problem::BinaryFrame)).await;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(frame))) => {
                        // 1000 (or no code) is a goodbye; 1001 is a page going away,
                        // which a reload also sends.
                        let goodbye = frame.is_none_or(|f| f.code == axum::extract::ws::close_code::NORMAL);
                        break if goodbye { End::Left } else { End::Away };
                    }
                    Some(Err(_)) | None => break End::Away,
                },
                Ok(()) = cluster_state.changed() => {
                    let state = cluster_state.borrow_and_update().clone();
                    self.send(Event::Cluster(state)).await;
                }
                Ok(text) = broadcasts.recv() => self.send(Event::Broadcast { text }).await,
                _ = shutdown.changed() => break End::Over,
                _ = &mut writer.gone => break End::Away,
            }
        };
        (end, writer)
    }

    /// To a page that came back: its name and its current or last run as it stands.
    async fn show_again(&self) {
        if let Some(name) = &self.name {
            self.send(Event::Joined { name: name.clone(), topic: self.topic.clone() }).await;
        }
        if let Some(run) = &self.last {
            self.send(Event::RunStarted { run: run.run, topic: run.topic.clone(), count: run.count, mode: run.mode })
                .await;
            self.send(Event::Stats(run.recorder.stats())).await;
            if let Some(totals) = run.finished() {
                self.send(Event::RunFinished(totals)).await;
            }
        }
    }

    async fn send(&self, event: Event) {
        // Fails only when the writer is gone, which ends the session anyway.
        let _ = self.events.send(event).await;
    }

    async fn error(&self, error: ErrorEvent) {
        self.send(Event::Error(error)).await;
    }

    async fn hello(&self, resumed: bool) {
        let (brokers, topics) = match self.ctx.cluster.describe().await {
            Ok(found) => found,
            Err(e) => {
                warn!("{e}");
                self.error(ErrorEvent::new(e.problem())).await;
                (Vec::new(), Vec::new())
            }
        };
        self.send(Event::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            mode: self.ctx.cluster.mode(),
            bootstrap_servers: self.ctx.cluster.bootstrap_servers().to_owned(),
            brokers,
            topics,
            limits: self.ctx.limits,
            session: self.key.clone(),
            resumed,
            topic_per_trainee: self.ctx.class.topic_per_trainee,
        }))
        .await;
    }

    async fn handle_text(&mut self, text: &str) {
        if text.len() > self.ctx.limits.frame_bytes as usize {
            let (max, got) = (self.ctx.limits.frame_bytes.into(), text.len() as u64);
            self.error(ErrorEvent::new(Problem::Limit { limit: "frame_bytes".into(), max, got })).await;
            return;
        }
        match serde_json::from_str::<Command>(text) {
            Ok(Command::Produce(request)) => self.produce(request).await,
            Ok(Command::Stop) => self.stop().await,
            Ok(Command::Join { name }) => self.join(name).await,
            Ok(Command::Progress { done }) => self.ctx.class.progress(self.id, done),
            Ok(Command::Consume { topic, max, from, tag }) => {
                let topic = match self.own_topic(topic) {
                    Ok(topic) => topic,
                    Err(problem) => return self.error(ErrorEvent::at_field("topic", problem)).await,
                };
                let bad_start = from.iter().find_map(|s| shared::protocol::read_error(&topic, s.partition, s.offset));
                match shared::protocol::topic_error(&topic).or(bad_start) {
                    Some(problem) => self.error(ErrorEvent::new(problem)).await,
                    None => {
                        let cluster = Arc::clone(&self.ctx.cluster);
                        self.answer(async move { cluster.consume(&topic, max, from, tag).await });
                    }
                }
            }
            Ok(Command::Fetch { topic, partition, offset }) => {
                let topic = match self.own_topic(topic) {
                    Ok(topic) => topic,
                    Err(problem) => return self.error(ErrorEvent::at_field("topic", problem)).await,
                };
                match shared::protocol::read_error(&topic, partition, offset) {
                    Some(problem) => self.error(ErrorEvent::new(problem)).await,
                    None => {
                        let cluster = Arc::clone(&self.ctx.cluster);
                        self.answer(async move { cluster.fetch(&topic, partition, offset).await });
                    }
                }
            }
            Ok(_) if !self.ctx.limits.trainee_faults => {
                self.error(ErrorEvent::new(Problem::FaultsByInstructor)).await;
            }
            Ok(fault) => {
                if let Err(e) = self.ctx.cluster.fault(&fault).await {
                    self.error(ErrorEvent::new(e.problem())).await;
                }
            }
            Err(e) => self.error(ErrorEvent::new(Problem::UnreadableCommand { detail: e.to_string() })).await,
        }
    }

    /// Reads records in the background (it can take seconds) and sends them, or the
    /// reason they could not be read; the session keeps taking commands meanwhile.
    fn answer(
        &self,
        read: impl std::future::Future<Output = Result<shared::protocol::Records, crate::cluster::ClusterError>>
        + Send
        + 'static,
    ) {
        let events = self.events.clone();
        tokio::spawn(async move {
            let event = match read.await {
                Ok(records) => Event::Records(records),
                Err(e) => Event::Error(ErrorEvent::new(e.problem())),
            };
            let _ = events.send(event).await;
        });
    }

    /// Takes the trainee's name; with a topic per trainee, creates their topic first.
    async fn join(&mut self, name: String) {
        let topic = match self.ctx.class.name(self.id, &name) {
            Ok(topic) => topic,
            Err(problem) => return self.error(ErrorEvent::at_field("name", problem)).await,
        };
        if let Some(topic) = &topic
            && let Err(e) = self.ctx.cluster.ensure_topic(topic).await
        {
            warn!("{e}");
            return self.error(ErrorEvent::at_field("name", e.problem())).await;
        }
        info!("session {}: trainee {name}", self.id);
        self.name = Some(name.clone());
        self.topic = topic.clone();
        self.send(Event::Joined { name, topic }).await;
    }

    /// The topic a command may use: as asked, or with a topic per trainee, the
    /// trainee's own (which the lab's `orders.created` stands for).
    fn own_topic(&self, topic: String) -> Result<String, Problem> {
        if !self.ctx.class.topic_per_trainee {
            return Ok(topic);
        }
        let own = self.topic.as_ref().ok_or(Problem::NameNeeded)?;
        if topic == shared::lab::TOPIC || topic == *own {
            Ok(own.clone())
        } else {
            Err(Problem::NotYourTopic { topic, own: own.clone() })
        }
    }

    fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| !r.task.is_finished())
    }

    async fn produce(&mut self, request: ProduceRequest) {
        if self.running() {
            self.error(ErrorEvent::new(Problem::RunInProgress)).await;
            return;
        }
        let fields = request.validate();
        if !fields.is_empty() {
            self.error(ErrorEvent::fields(fields)).await;
            return;
        }
        if let Some((field, problem)) = self.beyond_limits(&request) {
            self.error(ErrorEvent::at_field(field, problem)).await;
            return;
        }
        let request = match self.own_topic(request.topic.clone()) {
            Ok(topic) => ProduceRequest { topic, ..request },
            Err(problem) => return self.error(ErrorEvent::at_field("topic", problem)).await,
        };
        // A session with a rate limit runs at most at that rate.
        let request = match self.ctx.limits.rate {
            Some(max) if request.rate.is_none() => ProduceRequest { rate: Some(max), ..request },
            _ => request,
        };
        let partitions = match self.ctx.cluster.partitions_of(&request.topic).await {
            Ok(partitions) => partitions.unwrap_or(0),
            Err(e) => {
                self.error(ErrorEvent::at_field("topic", e.problem())).await;
                return;
            }
        };
        let producer = match self.producer_for(&request.settings).await {
            Ok(p) => p,
            Err(e) => {
                self.error(ErrorEvent::new(Problem::ProducerNotCreated { detail: e.to_string() })).await;
                return;
            }
        };
        self.runs += 1;
        let run = self.runs;
        let stop = Arc::new(AtomicBool::new(false));
        let events = self.events.clone();
        let task_stop = Arc::clone(&stop);
        let recorder = Arc::new(
            Recorder::new(run, &request, partitions, events.clone())
                .with_in_flight_limit(Arc::clone(&self.ctx.class.in_flight)),
        );
        let handle = RunHandle {
            run,
            topic: request.topic.clone(),
            count: request.count,
            mode: request.mode,
            recorder: Arc::clone(&recorder),
            finished: Arc::default(),
        };
        self.ctx.class.run_started(self.id, handle.clone());
        self.last = Some(handle.clone());
        let task = tokio::spawn(async move {
            let started =
                Event::RunStarted { run, topic: request.topic.clone(), count: request.count, mode: request.mode };
            if events.send(started).await.is_err() {
                return;
            }
            let running = producer::run(&producer, &recorder, &request, &task_stop);
            tokio::pin!(running);
            let mut tick = tokio::time::interval(STATS_EVERY);
            let totals = loop {
                tokio::select! {
                    totals = &mut running => break totals,
                    _ = tick.tick() => {
                        // Skipped when the page is behind: the next one is newer anyway.
                        let _ = events.try_send(Event::Stats(recorder.stats()));
                    }
                }
            };
            info!(
                "Run {run} finished: {} sent, {} delivered, {} failed in {} ms",
                totals.sent, totals.delivered, totals.failed, totals.elapsed_ms
            );
            let _ = events.send(Event::Stats(recorder.stats())).await;
            *handle.finished.lock().unwrap_or_else(|e| e.into_inner()) = Some(totals.clone());
            let _ = events.send(Event::RunFinished(totals)).await;
        });
        self.run = Some(ActiveRun { stop, task });
    }

    /// The session's producer for `settings`, rebuilt only when they changed.
    /// The first of the server's limits `request` goes beyond, with the field at fault.
    fn beyond_limits(&self, request: &ProduceRequest) -> Option<(&'static str, Problem)> {
        let limits = self.ctx.limits;
        let limit = |name: &str, max: u32, got: u64| Problem::Limit { limit: name.into(), max: max.into(), got };
        if request.count > limits.messages_per_run {
            return Some(("count", limit("messages_per_run", limits.messages_per_run, request.count.into())));
        }
        if let (Some(max), Some(rate)) = (limits.rate, request.rate)
            && rate > max
        {
            return Some(("rate", limit("rate", max, rate.into())));
        }
        let bytes = crate::producer::first_message_bytes(request).unwrap_or(0) as u64;
        (bytes > u64::from(limits.message_bytes))
            .then(|| ("value_template", limit("message_bytes", limits.message_bytes, bytes)))
    }

    async fn producer_for(&mut self, settings: &ProducerSettings) -> Result<Arc<LabProducer>, String> {
        if let Some((current, producer)) = &self.producer
            && current == settings
        {
            return Ok(producer.clone());
        }
        if let Some((_, old)) = self.producer.take() {
            close_producer(old).await;
        }
        let producer = producer::build(settings, self.ctx.cluster.bootstrap_servers(), self.events.clone())
            .map(Arc::new)
            .map_err(|e| e.to_string())?;
        self.producer = Some((settings.clone(), Arc::clone(&producer)));
        Ok(producer)
    }

    async fn stop(&mut self) {
        match &self.run {
            Some(run) if !run.task.is_finished() => run.stop.store(true, Ordering::Relaxed),
            _ => self.error(ErrorEvent::new(Problem::NoRun)).await,
        }
    }

    /// Stops the run, waits (bounded) for its messages in flight, and releases the
    /// producer.
    async fn close(&mut self) {
        if let Some(mut run) = self.run.take() {
            run.stop.store(true, Ordering::Relaxed);
            if tokio::time::timeout(CLOSE_WAIT, &mut run.task).await.is_err() {
                // Messages still waiting (a broker down, a long message.timeout.ms): fail
                // them now with librdkafka's Purged, so each still gets its outcome.
                warn!("a run did not end within {CLOSE_WAIT:?} of its session closing; purging its messages");
                if let Some((_, producer)) = &self.producer {
                    producer::purge(producer);
                }
                let _ = tokio::time::timeout(Duration::from_secs(5), run.task).await;
            }
        }
        if let Some((_, producer)) = self.producer.take() {
            close_producer(producer).await;
        }
    }
}

async fn close_producer(producer: Arc<LabProducer>) {
    match producer::flush(&producer, CLOSE_WAIT).await {
        Ok(()) => info!("Producer closed gracefully."),
        Err(e) => warn!("Producer closed with messages still in flight: {e}"),
    }
    // Dropping the last handle joins librdkafka's threads: not on a tokio worker.
    let _ = tokio::task::spawn_blocking(move || drop(producer)).await;
}
