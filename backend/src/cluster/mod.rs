//! The Kafka cluster the playground talks to, behind one interface ([`Cluster`]):
//!
//! - [`embedded`]: librdkafka's mock cluster on a thread of its own (the default): real
//!   Kafka protocol over real TCP on 127.0.0.1, 3 brokers and the lab's topic, and the
//!   faults a page or the instructor switches on;
//! - [`external`]: a real cluster given by `--bootstrap-servers`: its brokers, leaders
//!   and in-sync replicas as its metadata says, topics created through the admin API;
//! - [`local_kafka`]: Apache Kafka's own brokers started on this machine (`--local-kafka`):
//!   a real cluster as above, whose faults are its brokers' processes;
//! - [`own`]: a trainee's own embedded cluster, which their faults touch alone;
//! - [`read_back`]: records read back for the page, bounded.
//!
//! Every kind answers metadata requests, read-backs and topic creation through the same
//! methods; the embedded cluster has the mock's faults, Apache Kafka on this machine its
//! processes', an external cluster none.

pub mod class_log;
mod embedded;
mod error;
mod external;
pub mod local_kafka;
pub mod own;
mod produce_proxy;
mod read_back;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use shared::lab;
use shared::problem::Problem;
use shared::protocol::{
    BrokerInfo, ClusterMode, ClusterState, Fault, FaultKind, MAX_CONSUME, Records, StartAt, TopicInfo,
};
use tokio::sync::watch;

pub use error::ClusterError;
pub use read_back::RECORDS_BYTES;

/// Read-backs (`consume`, `fetch`) running at once, server-wide.
const READS_AT_ONCE: usize = 4;

/// Metadata requests running at once, server-wide.
const METADATA_AT_ONCE: usize = 8;

/// Which cluster this is, with what only that kind has.
enum Kind {
    /// The mock cluster and its faults.
    Embedded(embedded::Embedded),
    /// A cluster given by `--bootstrap-servers`.
    External,
    /// Apache Kafka started on this machine, and its processes.
    Local(local_kafka::LocalKafka),
}

/// The cluster of this playground: its address, a client to ask it about its brokers and
/// topics, the faults' state every page sees, and the bounds on what pages ask of it.
pub struct Cluster {
    bootstrap_servers: String,
    admin: Arc<AdminClient<DefaultClientContext>>,
    state: watch::Sender<ClusterState>,
    /// Read-backs at once: each makes a librdkafka consumer (threads, sockets) on the
    /// blocking pool, so a class pressing Verify together waits its turn instead.
    reads: tokio::sync::Semaphore,
    /// Metadata requests at once (hello, health, each run's topic check).
    metadata: tokio::sync::Semaphore,
    // Declared last so that the admin client disconnects before the brokers go away.
    kind: Kind,
}

impl Cluster {
    /// Starts the embedded cluster: 3 brokers, `orders.created` with 6 partitions.
    pub fn embedded() -> Result<Self, ClusterError> {
        Self::embedded_with(true)
    }

    /// The embedded cluster, with or without the lab's topic (without: to try
    /// `--create-topics` against it).
    pub fn embedded_with(lab_topic: bool) -> Result<Self, ClusterError> {
        let (embedded, bootstrap) = embedded::Embedded::start(lab_topic)?;
        let admin = admin_client(&bootstrap)?;
        // All topics, not the lab's by name: the mock creates a topic that a metadata
        // request names.
        let metadata = admin
            .inner()
            .fetch_metadata(None, Duration::from_secs(5))
            .map_err(|e| ClusterError::Metadata { bootstrap: bootstrap.clone(), reason: e.to_string() })?;
        let mut leaders = vec![-1; lab::PARTITIONS as usize];
        for (partition, leader) in external::Observed::from_metadata(&metadata).leaders.into_iter().enumerate() {
            if let Some(slot) = leaders.get_mut(partition) {
                *slot = leader;
            }
        }
        let embedded = embedded.with_initial_leaders(leaders);
        let state = embedded.initial_state();
        Ok(Self::new(bootstrap, admin, state, Kind::Embedded(embedded)))
    }

    /// Uses the external cluster at `bootstrap_servers`.
    pub fn external(bootstrap_servers: String) -> Result<Self, ClusterError> {
        let admin = admin_client(&bootstrap_servers)?;
        Ok(Self::new(bootstrap_servers, admin, ClusterState::default(), Kind::External))
    }

    fn new(
        bootstrap_servers: String,
        admin: Arc<AdminClient<DefaultClientContext>>,
        state: ClusterState,
        kind: Kind,
    ) -> Self {
        Self {
            bootstrap_servers,
            admin,
            state: watch::channel(state).0,
            reads: tokio::sync::Semaphore::new(READS_AT_ONCE),
            metadata: tokio::sync::Semaphore::new(METADATA_AT_ONCE),
            kind,
        }
    }

    /// Starts Apache Kafka on this machine (a controller and three brokers: seconds)
    /// and creates the lab's topic on it: 6 partitions, replication factor 3,
    /// min.insync.replicas 2.
    pub async fn local(config: local_kafka::LocalKafkaConfig) -> Result<Self, ClusterError> {
        let kafka = tokio::task::spawn_blocking(move || local_kafka::LocalKafka::start(config))
            .await
            .map_err(|e| ClusterError::LocalKafka(e.to_string()))??;
        let bootstrap = kafka.bootstrap_servers().to_owned();
        let admin = admin_client(&bootstrap)?;
        let state = ClusterState { faults: Some(FaultKind::Process), ..ClusterState::default() };
        let cluster = Self::new(bootstrap, admin, state, Kind::Local(kafka));
        cluster.ensure_lab_topic(true).await?;
        cluster.warm_up().await;
        cluster.refresh_metadata().await;
        Ok(cluster)
    }

    /// Warms the brokers of Apache Kafka started here (see [`local_kafka::warm_up`]) on a
    /// topic of its own, deleted after. A failure only costs the warm-up: said, and the
    /// playground starts.
    async fn warm_up(&self) {
        use rdkafka::admin::{AdminOptions, NewTopic, TopicReplication};
        let topic = local_kafka::WARM_UP_TOPIC;
        let new = NewTopic::new(topic, lab::PARTITIONS, TopicReplication::Fixed(lab::REPLICATION_FACTOR));
        let bootstrap = self.bootstrap_servers.clone();
        let warmed = match external::create(&self.admin, &new, Duration::from_secs(10)).await {
            Ok(()) => tokio::task::spawn_blocking(move || local_kafka::warm_up(&bootstrap))
                .await
                .map_err(|e| ClusterError::LocalKafka(e.to_string()))
                .and_then(|warmed| warmed),
            Err(e) => Err(e),
        };
        if let Err(e) = warmed {
            tracing::warn!("{e}: the first runs will measure brokers still warming up");
        }
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let _ = self.admin.delete_topics(&[topic], &options).await;
    }

    /// Embedded, external, or Apache Kafka on this machine.
    pub fn mode(&self) -> ClusterMode {
        match self.kind {
            Kind::Embedded(_) => ClusterMode::Embedded,
            Kind::External => ClusterMode::External,
            Kind::Local(_) => ClusterMode::Local,
        }
    }

    /// The address Kafka clients and tools use to reach this cluster.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// Where the playground's producers connect: on Apache Kafka started here, the
    /// brokers' proxies (which can lose produce requests and responses); elsewhere the
    /// bootstrap servers.
    pub fn producer_bootstrap(&self) -> &str {
        match &self.kind {
            Kind::Local(kafka) => kafka.producer_bootstrap(),
            _ => &self.bootstrap_servers,
        }
    }

    /// The fault state now, and every change to it.
    pub fn subscribe(&self) -> watch::Receiver<ClusterState> {
        self.state.subscribe()
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
    /// Makes sure the lab's topic exists: creates it as [`Cluster::ensure_topic`] does when
    /// `create` allows, else says it is missing.
    pub async fn ensure_lab_topic(&self, create: bool) -> Result<LabTopic, ClusterError> {
        let (_, topics) = self.describe().await?;
        if topics.iter().any(|t| t.name == lab::TOPIC) {
            return Ok(LabTopic::Exists);
        }
        if !create {
            return Ok(LabTopic::Missing);
        }
        self.ensure_topic(lab::TOPIC).await?;
        Ok(LabTopic::Created)
    }

    /// Makes sure `topic` exists, made as the lab's (6 partitions, replication factor 3 or
    /// the brokers there are, min.insync.replicas 2 with 3 replicas): a trainee's own
    /// topic, created on first use. The embedded cluster creates it directly (its mock has
    /// no CreateTopics); an external one through the admin API.
    pub async fn ensure_topic(&self, topic: &str) -> Result<(), ClusterError> {
        let (brokers, topics) = self.describe().await?;
        if topics.iter().any(|t| t.name == topic) {
            return Ok(());
        }
        match &self.kind {
            Kind::Embedded(embedded) => embedded.create_topic(topic).await,
            Kind::External | Kind::Local(_) => external::create_like_lab(&self.admin, topic, brokers.len()).await,
        }
    }

    /// On a real cluster, reads its brokers and the lab topic's leaders and in-sync
    /// replicas from metadata (and on this machine, its brokers' processes) and
    /// publishes them to every page: a broker seen before and absent from the metadata
    /// now is down (a stopped container, say).
    pub async fn refresh_metadata(&self) {
        if matches!(self.kind, Kind::Embedded(_)) {
            return;
        }
        let answer = self.metadata().await;
        let observed = match (&self.kind, answer) {
            (Kind::Local(kafka), Ok(metadata)) => {
                external::Observed::from_metadata(&metadata).with_processes(kafka.processes())
            }
            // A broker of ours may be frozen (paused) with the request: what the last
            // answer said stands, with the processes as they are now.
            (Kind::Local(kafka), Err(_)) => {
                external::Observed::as_last_seen(&self.state.borrow()).with_processes(kafka.processes())
            }
            (_, Ok(metadata)) => external::Observed::from_metadata(&metadata),
            (_, Err(_)) => external::Observed::nothing(&self.state.borrow()),
        };
        self.state.send_if_modified(|state| observed.apply(state));
    }

    /// Carries out `fault` and publishes the new state to every session: on the
    /// embedded cluster through librdkafka's mock, on Apache Kafka here by signalling its
    /// brokers' processes.
    pub async fn fault(&self, fault: &Fault) -> Result<(), ClusterError> {
        match (&self.kind, fault.kind()) {
            (Kind::External, _) => Err(ClusterError::Fault(Problem::FaultsNeedEmbedded)),
            (Kind::Embedded(_), Some(FaultKind::Process)) => {
                Err(ClusterError::Fault(Problem::ProcessFaultNeedsLocalKafka))
            }
            (Kind::Local(_), Some(FaultKind::Mock)) => Err(ClusterError::Fault(Problem::MockFaultOnLocalKafka)),
            (Kind::Embedded(embedded), _) => {
                let mut state = self.state.borrow().clone();
                // Whose cluster it is and who set its faults outlive a reset.
                let (own, set_by) = (state.own.take(), state.set_by.take());
                embedded.apply(fault, &mut state).await?;
                (state.own, state.set_by) = (own, set_by);
                self.state.send_replace(state);
                Ok(())
            }
            (Kind::Local(kafka), _) => {
                local_kafka::apply(kafka, fault)?;
                tracing::info!("Apache Kafka: {fault:?}");
                // The processes' new state now; what the metadata makes of it follows
                // from the watcher (a metadata request can wait 5 s on a paused broker,
                // and the page's next command would wait behind it).
                let processes = kafka.processes();
                self.state.send_if_modified(|state| {
                    external::Observed::as_last_seen(state).with_processes(processes).apply(state)
                });
                Ok(())
            }
        }
    }

    /// Whether this cluster takes `fault` as it is, before anything is switched (on the
    /// embedded cluster: its brokers, partitions and bounds; elsewhere it is told when
    /// carried out).
    pub fn check_fault(&self, fault: &Fault) -> Result<(), ClusterError> {
        match &self.kind {
            Kind::Embedded(_) => embedded::check(fault),
            Kind::External | Kind::Local(_) => Ok(()),
        }
    }

    /// Changes what every page of this cluster is told besides its faults: whose
    /// cluster it is, who set its last fault.
    pub fn note(&self, change: impl FnOnce(&mut ClusterState)) {
        self.state.send_modify(change);
    }

    /// Reads `topic` back, up to `max` records: every partition from its beginning, or
    /// the partitions and offsets of `from` (the lab's verify step).
    pub async fn consume(
        &self,
        topic: &str,
        max: u32,
        from: Vec<StartAt>,
        tag: Option<String>,
    ) -> Result<Records, ClusterError> {
        let (bootstrap, topic) = (self.bootstrap_servers.clone(), topic.to_owned());
        let max = max.clamp(1, MAX_CONSUME) as usize;
        let _turn = self.read_turn(&topic).await?;
        tokio::task::spawn_blocking(move || {
            read_back::read_back(&bootstrap, &topic, max, &from).map(|records| Records { tag, ..records })
        })
        .await
        .map_err(|e| ClusterError::Consume { topic: String::new(), reason: e.to_string() })?
    }

    /// Reads the record at `offset` of `topic`'s `partition`.
    pub async fn fetch(&self, topic: &str, partition: i32, offset: i64) -> Result<Records, ClusterError> {
        let (bootstrap, topic) = (self.bootstrap_servers.clone(), topic.to_owned());
        let _turn = self.read_turn(&topic).await?;
        tokio::task::spawn_blocking(move || read_back::read_one(&bootstrap, &topic, partition, offset))
            .await
            .map_err(|e| ClusterError::Consume { topic: String::new(), reason: e.to_string() })?
    }

    /// A place among the read-backs running at once.
    async fn read_turn(&self, topic: &str) -> Result<tokio::sync::SemaphorePermit<'_>, ClusterError> {
        self.reads.acquire().await.map_err(|e| ClusterError::Consume { topic: topic.to_owned(), reason: e.to_string() })
    }
}

fn admin_client(bootstrap: &str) -> Result<Arc<AdminClient<DefaultClientContext>>, ClusterError> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("client.id", "playground-metadata")
        // A broker frozen by SIGSTOP keeps its connection open and answers nothing: after
        // 5 s (librdkafka's default is 60) the request fails and the next metadata request
        // goes to another broker, instead of every one waiting behind it.
        .set("socket.timeout.ms", "5000")
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

    #[tokio::test(flavor = "multi_thread")]
    async fn each_cluster_refuses_the_faults_it_does_not_take_and_says_which_it_does() {
        use shared::protocol::Shutdown;
        let embedded = Cluster::embedded().unwrap();
        assert_eq!(embedded.subscribe().borrow().faults, Some(FaultKind::Mock));
        let crash = Fault::StopBroker { broker: 2, how: Shutdown::Crash };
        let refused = embedded.fault(&crash).await.unwrap_err();
        assert_eq!(refused.problem(), Problem::ProcessFaultNeedsLocalKafka);
        assert!(embedded.subscribe().borrow().brokers.iter().all(|b| b.up), "nothing changed");
        let external = Cluster::external(embedded.bootstrap_servers().to_owned()).unwrap();
        assert_eq!(external.subscribe().borrow().faults, None);
        let refused = external.fault(&Fault::PauseBroker { broker: 1 }).await.unwrap_err();
        assert_eq!(refused.problem(), Problem::FaultsNeedEmbedded);
    }
}
