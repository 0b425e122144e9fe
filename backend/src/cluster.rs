//! The Kafka cluster the playground talks to.
//!
//! By default that is librdkafka's mock cluster ([`MockCluster`]): real Kafka protocol
//! over real TCP on 127.0.0.1, so any Kafka tool can look at it, with 3 brokers and the
//! lab's topic. `MockCluster` is `!Send`, so one dedicated thread owns it for the life of
//! the process and everything else reaches it through a channel. With
//! `--bootstrap-servers` the playground uses an external cluster instead.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message, Timestamp};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::{RDKafkaApiKey, RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{Offset, TopicPartitionList};
use shared::lab;
use shared::problem::Problem;
use shared::protocol::{
    BrokerInfo, BrokerState, ClusterMode, ClusterState, Command, MAX_CONSUME, MAX_INJECTED, MAX_RTT_MS, ProduceError,
    Record, Records, StartAt, TopicInfo,
};
use tokio::sync::{oneshot, watch};

/// Why the cluster could not be started or asked.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// librdkafka refused to create the mock cluster or its topic.
    #[error("could not start the embedded cluster: {0}")]
    Embedded(String),
    /// The metadata client could not be created (bad bootstrap servers, for example).
    #[error("could not create a Kafka client for {bootstrap}: {reason}")]
    Client {
        /// The bootstrap servers used.
        bootstrap: String,
        /// librdkafka's reason.
        reason: String,
    },
    /// A topic that the cluster does not have; producing never creates one.
    #[error("topic {topic} does not exist on this cluster (it has: {known})")]
    UnknownTopic {
        /// The topic asked for.
        topic: String,
        /// The topics it has, comma-separated.
        known: String,
    },
    /// A fault command that cannot be carried out.
    #[error("{0}")]
    Fault(Problem),
    /// Reading a topic back failed.
    #[error("could not read {topic}: {reason}")]
    Consume {
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// Creating a topic failed (`--create-topics`).
    #[error("could not create {topic}: {reason}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// The cluster did not answer a metadata request in time.
    #[error("the cluster at {bootstrap} did not answer a metadata request: {reason}")]
    Metadata {
        /// The bootstrap servers asked.
        bootstrap: String,
        /// librdkafka's reason.
        reason: String,
    },
}

impl ClusterError {
    /// The error as the page shows it, in the trainee's language.
    pub fn problem(&self) -> Problem {
        match self {
            ClusterError::UnknownTopic { topic, known } => {
                Problem::UnknownTopic { topic: topic.clone(), known: known.clone() }
            }
            ClusterError::Fault(problem) => problem.clone(),
            other => Problem::Kafka { detail: other.to_string() },
        }
    }
}

/// Read-backs (`consume`, `fetch`) running at once, server-wide.
const READS_AT_ONCE: usize = 4;

/// Metadata requests running at once, server-wide.
const METADATA_AT_ONCE: usize = 8;

/// Bytes of keys, values and headers one `records` answer carries at most (about).
pub const RECORDS_BYTES: usize = 4 * 1024 * 1024;

/// Work for the thread that owns the mock cluster.
type MockJob = Box<dyn FnOnce(&MockCluster<'static, DefaultProducerContext>) + Send>;

/// The mock cluster and the thread that owns it; dropping this stops the cluster.
struct EmbeddedCluster {
    jobs: Option<mpsc::Sender<MockJob>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedCluster {
    /// Starts a mock cluster with the lab's brokers and topic; returns it with its
    /// bootstrap address.
    fn start(with_topic: bool) -> Result<(Self, String), ClusterError> {
        let (jobs_tx, jobs_rx) = mpsc::channel::<MockJob>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("embedded-cluster".into())
            .spawn(move || {
                let started = MockCluster::new(lab::BROKERS).and_then(|mock| {
                    if with_topic {
                        mock.create_topic(lab::TOPIC, lab::PARTITIONS, lab::REPLICATION_FACTOR)?;
                    }
                    Ok(mock)
                });
                let mock = match started {
                    Ok(mock) => mock,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(mock.bootstrap_servers()));
                // Serve jobs until every sender is gone, then drop the cluster here,
                // on the thread that made it.
                for job in jobs_rx {
                    job(&mock);
                }
            })
            .map_err(|e| ClusterError::Embedded(e.to_string()))?;
        let bootstrap = ready_rx
            .recv()
            .map_err(|_| ClusterError::Embedded("the cluster thread died".into()))?
            .map_err(ClusterError::Embedded)?;
        Ok((Self { jobs: Some(jobs_tx), thread: Some(thread) }, bootstrap))
    }

    /// Runs `job` on the cluster's thread and returns its result.
    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&MockCluster<'static, DefaultProducerContext>) -> R + Send + 'static,
    ) -> Result<R, ClusterError> {
        let (tx, rx) = oneshot::channel();
        let job: MockJob = Box::new(move |mock| {
            let _ = tx.send(job(mock));
        });
        let gone = || ClusterError::Embedded("the cluster thread is gone".into());
        self.jobs.as_ref().ok_or_else(gone)?.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The cluster of this playground: its mode, its address and a client to ask it about
/// its brokers and topics.
pub struct Cluster {
    mode: ClusterMode,
    bootstrap_servers: String,
    admin: Arc<AdminClient<DefaultClientContext>>,
    state: watch::Sender<ClusterState>,
    /// Each partition's leader when the cluster started, for `reset_faults`.
    initial_leaders: Vec<i32>,
    /// Serializes fault commands so that the published state matches the cluster.
    faults: tokio::sync::Mutex<()>,
    /// Read-backs at once: each makes a librdkafka consumer (threads, sockets) on the
    /// blocking pool, so a class pressing Verify together waits its turn instead.
    reads: tokio::sync::Semaphore,
    /// Metadata requests at once (hello, health, each run's topic check).
    metadata: tokio::sync::Semaphore,
    // Declared last so that the admin client disconnects before the brokers go away.
    _embedded: Option<EmbeddedCluster>,
}

impl Cluster {
    /// Starts the embedded cluster: 3 brokers, `orders.created` with 6 partitions.
    pub fn embedded() -> Result<Self, ClusterError> {
        Self::embedded_with(true)
    }

    /// The embedded cluster, with or without the lab's topic (without: to try
    /// `--create-topics` against it).
    pub fn embedded_with(lab_topic: bool) -> Result<Self, ClusterError> {
        let (embedded, bootstrap) = EmbeddedCluster::start(lab_topic)?;
        let admin = admin_client(&bootstrap)?;
        // All topics, not the lab's by name: the mock creates a topic that a metadata
        // request names.
        let metadata = admin
            .inner()
            .fetch_metadata(None, Duration::from_secs(5))
            .map_err(|e| ClusterError::Metadata { bootstrap: bootstrap.clone(), reason: e.to_string() })?;
        let mut initial_leaders = vec![-1; lab::PARTITIONS as usize];
        for topic in metadata.topics().iter().filter(|t| t.name() == lab::TOPIC) {
            for p in topic.partitions() {
                if let Some(slot) = usize::try_from(p.id()).ok().and_then(|i| initial_leaders.get_mut(i)) {
                    *slot = p.leader();
                }
            }
        }
        let state = ClusterState {
            faults_available: true,
            brokers: (1..=lab::BROKERS).map(|id| BrokerState { id, up: true, rtt_ms: 0 }).collect(),
            leaders: initial_leaders.clone(),
            injected: None,
        };
        Ok(Self {
            mode: ClusterMode::Embedded,
            bootstrap_servers: bootstrap,
            admin,
            state: watch::channel(state).0,
            initial_leaders,
            faults: tokio::sync::Mutex::new(()),
            reads: tokio::sync::Semaphore::new(READS_AT_ONCE),
            metadata: tokio::sync::Semaphore::new(METADATA_AT_ONCE),
            _embedded: Some(embedded),
        })
    }

    /// Uses the external cluster at `bootstrap_servers`.
    pub fn external(bootstrap_servers: String) -> Result<Self, ClusterError> {
        let admin = admin_client(&bootstrap_servers)?;
        Ok(Self {
            mode: ClusterMode::External,
            bootstrap_servers,
            admin,
            state: watch::channel(ClusterState::default()).0,
            initial_leaders: Vec::new(),
            faults: tokio::sync::Mutex::new(()),
            reads: tokio::sync::Semaphore::new(READS_AT_ONCE),
            metadata: tokio::sync::Semaphore::new(METADATA_AT_ONCE),
            _embedded: None,
        })
    }

    /// Embedded or external.
    pub fn mode(&self) -> ClusterMode {
        self.mode
    }

    /// The address Kafka clients and tools use to reach this cluster.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// The cluster's metadata, every topic (never one by name: the mock creates a topic a
    /// metadata request names). Each request waits up to 5 s on the blocking pool when
    /// brokers are down, so a class connecting at once, or /api/health called in a loop,
    /// waits its turn behind [`METADATA_AT_ONCE`] of them.
    async fn metadata(&self) -> Result<rdkafka::metadata::Metadata, ClusterError> {
        let failed = |reason: String| ClusterError::Metadata { bootstrap: self.bootstrap_servers.clone(), reason };
        let _turn = self.metadata.acquire().await.map_err(|e| failed(e.to_string()))?;
        let admin = Arc::clone(&self.admin);
        tokio::task::spawn_blocking(move || admin.inner().fetch_metadata(None, Duration::from_secs(5)))
            .await
            .map_err(|e| failed(e.to_string()))?
            .map_err(|e| failed(e.to_string()))
    }

    /// Asks the cluster for its brokers and topics (internal `__` topics left out).
    pub async fn describe(&self) -> Result<(Vec<BrokerInfo>, Vec<TopicInfo>), ClusterError> {
        let metadata = self.metadata().await?;
        let mut brokers: Vec<BrokerInfo> = metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo { id: b.id(), host: b.host().to_owned(), port: b.port() })
            .collect();
        brokers.sort_by_key(|b| b.id);
        let mut topics: Vec<TopicInfo> = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__") && t.error().is_none())
            .map(|t| TopicInfo { name: t.name().to_owned(), partitions: t.partitions().len() as i32 })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((brokers, topics))
    }
}

/// What [`Cluster::ensure_lab_topic`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabTopic {
    /// The cluster has it.
    Exists,
    /// It was missing and is created now.
    Created,
    /// It is missing, and creating it was not allowed.
    Missing,
}

impl Cluster {
    /// Makes sure the lab's topic exists: creates it through the admin API when `create`
    /// allows (6 partitions, replication factor 3 or the brokers there are,
    /// min.insync.replicas 2 with 3 replicas), else says it is missing.
    pub async fn ensure_lab_topic(&self, create: bool) -> Result<LabTopic, ClusterError> {
        let (brokers, topics) = self.describe().await?;
        if topics.iter().any(|t| t.name == lab::TOPIC) {
            return Ok(LabTopic::Exists);
        }
        if !create {
            return Ok(LabTopic::Missing);
        }
        self.create_like_lab(lab::TOPIC, brokers.len()).await?;
        Ok(LabTopic::Created)
    }

    /// Creates `topic` as the lab's through the admin API: 6 partitions, replication
    /// factor 3 or the `brokers` there are, min.insync.replicas 2 with 3 replicas. One
    /// that exists already (another page raced to create it) is fine.
    async fn create_like_lab(&self, topic: &str, brokers: usize) -> Result<(), ClusterError> {
        let replication = (brokers as i32).clamp(1, lab::REPLICATION_FACTOR);
        let min_isr = if replication >= 3 { "2" } else { "1" };
        let new = NewTopic::new(topic, lab::PARTITIONS, TopicReplication::Fixed(replication))
            .set("min.insync.replicas", min_isr);
        let failed = |reason: String| ClusterError::CreateTopic { topic: topic.to_owned(), reason };
        let results = self
            .admin
            .create_topics([&new], &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))))
            .await
            .map_err(|e| failed(e.to_string()))?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((_, code)) => return Err(failed(code.to_string())),
            }
        }
        Ok(())
    }

    /// Makes sure `topic` exists, made as the lab's: a trainee's own topic, created on
    /// first use. The embedded cluster creates it directly (its mock has no
    /// CreateTopics); an external one through the admin API.
    pub async fn ensure_topic(&self, topic: &str) -> Result<(), ClusterError> {
        let (brokers, topics) = self.describe().await?;
        if topics.iter().any(|t| t.name == topic) {
            return Ok(());
        }
        if let Some(embedded) = &self._embedded {
            let name = topic.to_owned();
            return embedded
                .run(move |mock| mock.create_topic(&name, lab::PARTITIONS, lab::REPLICATION_FACTOR))
                .await?
                .map_err(|e| ClusterError::CreateTopic { topic: topic.to_owned(), reason: e.to_string() });
        }
        self.create_like_lab(topic, brokers.len()).await
    }

    /// On an external cluster, reads its brokers and the lab topic's leaders from
    /// metadata and publishes them to every page: a broker seen before and absent from
    /// the metadata now is down (a stopped container, say).
    pub async fn refresh_external(&self) {
        if self.mode != ClusterMode::External {
            return;
        }
        let (live, leaders): (Vec<i32>, Vec<i32>) = match self.metadata().await {
            Ok(m) => {
                let live = m.brokers().iter().map(|b| b.id()).collect();
                let mut leaders: Vec<(i32, i32)> = m
                    .topics()
                    .iter()
                    .filter(|t| t.name() == lab::TOPIC && t.error().is_none())
                    .flat_map(|t| t.partitions().iter().map(|p| (p.id(), p.leader())))
                    .collect();
                leaders.sort_unstable();
                (live, leaders.into_iter().map(|(_, l)| l).collect())
            }
            // No answer at all: every broker known is down; leaders as last seen.
            _ => (Vec::new(), self.state.borrow().leaders.clone()),
        };
        self.state.send_if_modified(|state| {
            let before = state.clone();
            for id in &live {
                if !state.brokers.iter().any(|b| b.id == *id) {
                    state.brokers.push(BrokerState { id: *id, up: true, rtt_ms: 0 });
                }
            }
            state.brokers.sort_by_key(|b| b.id);
            for broker in &mut state.brokers {
                broker.up = live.contains(&broker.id);
            }
            state.leaders = leaders;
            *state != before
        });
    }

    /// The fault state now, and every change to it.
    pub fn subscribe(&self) -> watch::Receiver<ClusterState> {
        self.state.subscribe()
    }

    /// Carries out a fault command on the embedded cluster and publishes the new state
    /// to every session. Other commands are refused.
    pub async fn fault(&self, command: &Command) -> Result<(), ClusterError> {
        let Some(embedded) = &self._embedded else {
            return Err(ClusterError::Fault(Problem::FaultsNeedEmbedded));
        };
        let _serial = self.faults.lock().await;
        let mut state = self.state.borrow().clone();
        let brokers = |broker: Option<i32>| -> Result<Vec<i32>, ClusterError> {
            match broker {
                None => Ok((1..=lab::BROKERS).collect()),
                Some(id) if (1..=lab::BROKERS).contains(&id) => Ok(vec![id]),
                Some(id) => Err(ClusterError::Fault(Problem::NoSuchBroker { id, max: lab::BROKERS })),
            }
        };
        match *command {
            Command::BrokerDown { broker } | Command::BrokerUp { broker } => {
                let up = matches!(command, Command::BrokerUp { .. });
                let ids = brokers(broker)?;
                let todo = ids.clone();
                embedded
                    .run(move |mock| {
                        todo.iter().try_for_each(|&id| if up { mock.broker_up(id) } else { mock.broker_down(id) })
                    })
                    .await?
                    .map_err(|e| ClusterError::Fault(Problem::Kafka { detail: e.to_string() }))?;
                state.brokers.iter_mut().filter(|b| ids.contains(&b.id)).for_each(|b| b.up = up);
            }
            Command::SetRoundTripTime { broker, ms } => {
                if ms > MAX_RTT_MS {
                    return Err(ClusterError::Fault(Problem::OutOfRange {
                        field: "ms".into(),
                        min: 0,
                        max: MAX_RTT_MS.into(),
                        got: ms.into(),
                    }));
                }
                let ids = brokers(broker)?;
                let todo = ids.clone();
                embedded
                    .run(move |mock| {
                        todo.iter()
                            .try_for_each(|&id| mock.broker_round_trip_time(id, Duration::from_millis(ms.into())))
                    })
                    .await?
                    .map_err(|e| ClusterError::Fault(Problem::Kafka { detail: e.to_string() }))?;
                state.brokers.iter_mut().filter(|b| ids.contains(&b.id)).for_each(|b| b.rtt_ms = ms);
            }
            Command::InjectErrors { error, count } => {
                if !(1..=MAX_INJECTED).contains(&count) {
                    return Err(ClusterError::Fault(Problem::OutOfRange {
                        field: "count".into(),
                        min: 1,
                        max: MAX_INJECTED.into(),
                        got: count.into(),
                    }));
                }
                let codes = vec![response_code(error); count as usize];
                embedded.run(move |mock| mock.request_errors(RDKafkaApiKey::Produce, &codes)).await?;
                state.injected = Some((error, count));
            }
            Command::MovePartitionLeader { partition, broker } => {
                if !(0..lab::PARTITIONS).contains(&partition) {
                    return Err(ClusterError::Fault(Problem::NoSuchPartition {
                        topic: lab::TOPIC.to_owned(),
                        max: lab::PARTITIONS - 1,
                        got: partition,
                    }));
                }
                brokers(Some(broker))?;
                embedded
                    .run(move |mock| mock.partition_leader(lab::TOPIC, partition, Some(broker)))
                    .await?
                    .map_err(|e| ClusterError::Fault(Problem::Kafka { detail: e.to_string() }))?;
                state.leaders[partition as usize] = broker;
            }
            Command::ResetFaults => {
                let leaders = self.initial_leaders.clone();
                embedded
                    .run(move |mock| {
                        mock.clear_request_errors(RDKafkaApiKey::Produce);
                        for id in 1..=lab::BROKERS {
                            mock.broker_up(id)?;
                            mock.broker_round_trip_time(id, Duration::ZERO)?;
                        }
                        for (partition, leader) in leaders.iter().enumerate() {
                            mock.partition_leader(lab::TOPIC, partition as i32, Some(*leader))?;
                        }
                        Ok::<(), rdkafka::error::KafkaError>(())
                    })
                    .await?
                    .map_err(|e| ClusterError::Fault(Problem::Kafka { detail: e.to_string() }))?;
                state.brokers.iter_mut().for_each(|b| {
                    b.up = true;
                    b.rtt_ms = 0;
                });
                state.leaders = self.initial_leaders.clone();
                state.injected = None;
            }
            _ => return Err(ClusterError::Fault(Problem::Kafka { detail: "not a fault command".into() })),
        }
        self.state.send_replace(state);
        Ok(())
    }

    /// Reads `topic` from the beginning, up to `max` records (the lab's verify step).
    pub async fn consume(
        &self,
        topic: &str,
        max: u32,
        from: Vec<StartAt>,
        tag: Option<String>,
    ) -> Result<Records, ClusterError> {
        let bootstrap = self.bootstrap_servers.clone();
        let topic = topic.to_owned();
        let max = max.clamp(1, MAX_CONSUME) as usize;
        let _turn = self
            .reads
            .acquire()
            .await
            .map_err(|e| ClusterError::Consume { topic: topic.clone(), reason: e.to_string() })?;
        tokio::task::spawn_blocking(move || {
            read_back(&bootstrap, &topic, max, &from).map(|records| Records { tag, ..records })
        })
        .await
        .map_err(|e| ClusterError::Consume { topic: String::new(), reason: e.to_string() })?
    }
}

impl Cluster {
    /// Partitions of `topic`, or [`ClusterError::UnknownTopic`]. `None` when the cluster
    /// does not answer (brokers down): a run then goes ahead and its messages fail one by
    /// one, which is what a trainee came to see.
    pub async fn partitions_of(&self, topic: &str) -> Result<Option<usize>, ClusterError> {
        let Ok((_, topics)) = self.describe().await else { return Ok(None) };
        match topics.iter().find(|t| t.name == topic) {
            Some(t) => Ok(Some(t.partitions as usize)),
            None => Err(ClusterError::UnknownTopic {
                topic: topic.to_owned(),
                known: topics.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Reads the record at `offset` of `topic`'s `partition`.
    pub async fn fetch(&self, topic: &str, partition: i32, offset: i64) -> Result<Records, ClusterError> {
        let bootstrap = self.bootstrap_servers.clone();
        let topic = topic.to_owned();
        let _turn = self
            .reads
            .acquire()
            .await
            .map_err(|e| ClusterError::Consume { topic: topic.clone(), reason: e.to_string() })?;
        tokio::task::spawn_blocking(move || read_one(&bootstrap, &topic, partition, offset))
            .await
            .map_err(|e| ClusterError::Consume { topic: String::new(), reason: e.to_string() })?
    }
}

fn verify_consumer(bootstrap: &str) -> rdkafka::error::KafkaResult<BaseConsumer> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "playground-verify")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
}

/// A record as the page shows it.
fn record_of(message: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
    let (timestamp_ms, timestamp_type) = match message.timestamp() {
        Timestamp::CreateTime(ms) => (Some(ms), Some("create_time".to_owned())),
        Timestamp::LogAppendTime(ms) => (Some(ms), Some("log_append_time".to_owned())),
        Timestamp::NotAvailable => (None, None),
    };
    Record {
        partition: message.partition(),
        offset: message.offset(),
        key: text(message.key()),
        value: text(message.payload()),
        headers: message
            .headers()
            .map(|h| h.iter().map(|h| (h.key.to_owned(), text(h.value).unwrap_or_default())).collect())
            .unwrap_or_default(),
        timestamp_ms,
        timestamp_type,
    }
}

fn read_one(bootstrap: &str, topic: &str, partition: i32, offset: i64) -> Result<Records, ClusterError> {
    let fail = |reason: String| ClusterError::Consume { topic: topic.to_owned(), reason };
    let consumer = verify_consumer(bootstrap).map_err(|e| fail(e.to_string()))?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, partition, Offset::Offset(offset)).map_err(|e| fail(e.to_string()))?;
    consumer.assign(&assignment).map_err(|e| fail(e.to_string()))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let Some(message) = consumer.poll(Duration::from_millis(100)) else { continue };
        let message = message.map_err(|e| fail(e.to_string()))?;
        if message.offset() == offset {
            return Ok(Records {
                tag: None,
                topic: topic.to_owned(),
                records: vec![record_of(&message)],
                truncated: false,
            });
        }
    }
    Err(fail(format!("no record at partition {partition}, offset {offset}")))
}

/// The protocol error code a broker answers for `error`.
fn response_code(error: ProduceError) -> RDKafkaRespErr {
    use RDKafkaRespErr as R;
    match error {
        ProduceError::NotEnoughReplicas => R::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        ProduceError::NotEnoughReplicasAfterAppend => R::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        ProduceError::LeaderNotAvailable => R::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        ProduceError::NotLeaderForPartition => R::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        ProduceError::RequestTimedOut => R::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        ProduceError::KafkaStorageError => R::RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        ProduceError::MessageTooLarge => R::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
        ProduceError::TopicAuthorizationFailed => R::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
    }
}

/// Reads every partition of `topic` from its beginning to its high watermark.
fn read_back(bootstrap: &str, topic: &str, max: usize, from: &[StartAt]) -> Result<Records, ClusterError> {
    let fail = |reason: String| ClusterError::Consume { topic: topic.to_owned(), reason };
    let consumer = verify_consumer(bootstrap).map_err(|e| fail(e.to_string()))?;
    let timeout = Duration::from_secs(5);
    let metadata = consumer.fetch_metadata(Some(topic), timeout).map_err(|e| fail(e.to_string()))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(fail("the topic does not exist".into()));
    }
    let mut assignment = TopicPartitionList::new();
    let mut remaining = 0usize;
    let mut ends = std::collections::HashMap::new();
    for &p in &partitions {
        let (low, high) = consumer.fetch_watermarks(topic, p, timeout).map_err(|e| fail(e.to_string()))?;
        // Every partition from its beginning, or the asked ones from the asked offset to
        // the asked end, within what each partition holds.
        let (start, end) = if from.is_empty() {
            (low, high)
        } else {
            let Some(asked) = from.iter().find(|s| s.partition == p) else { continue };
            let start = asked.offset.clamp(low, high);
            (start, asked.until.map_or(high, |until| until.clamp(start, high)))
        };
        if end > start {
            remaining += (end - start) as usize;
            ends.insert(p, end);
            assignment.add_partition_offset(topic, p, Offset::Offset(start)).map_err(|e| fail(e.to_string()))?;
        }
    }
    let mut truncated = remaining > max;
    let mut records = Vec::new();
    let mut bytes = 0;
    if assignment.count() > 0 {
        consumer.assign(&assignment).map_err(|e| fail(e.to_string()))?;
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while records.len() < remaining.min(max) && std::time::Instant::now() < deadline {
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = message.map_err(|e| fail(e.to_string()))?;
            if ends.get(&message.partition()).is_some_and(|&end| message.offset() >= end) {
                continue;
            }
            let record = record_of(&message);
            bytes += record.key.as_ref().map_or(0, String::len)
                + record.value.as_ref().map_or(0, String::len)
                + record.headers.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>();
            records.push(record);
            // One answer is one WebSocket frame: past this it says it stopped short.
            if bytes > RECORDS_BYTES {
                truncated = true;
                break;
            }
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    Ok(Records { tag: None, topic: topic.to_owned(), records, truncated })
}

fn admin_client(bootstrap: &str) -> Result<Arc<AdminClient<DefaultClientContext>>, ClusterError> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("client.id", "playground-metadata")
        .create()
        .map(Arc::new)
        .map_err(|e| ClusterError::Client { bootstrap: bootstrap.to_owned(), reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn embedded_cluster_has_the_labs_brokers_and_topic() {
        let cluster = Cluster::embedded().unwrap();
        assert_eq!(cluster.mode(), ClusterMode::Embedded);
        assert!(cluster.bootstrap_servers().starts_with("127.0.0.1:"));
        let (brokers, topics) = cluster.describe().await.unwrap();
        assert_eq!(brokers.len(), 3);
        let topic = topics.iter().find(|t| t.name == lab::TOPIC).unwrap();
        assert_eq!(topic.partitions, 6);
    }
}
