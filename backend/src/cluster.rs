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
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use shared::lab;
use shared::protocol::{BrokerInfo, ClusterMode, TopicInfo};

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
    /// The cluster did not answer a metadata request in time.
    #[error("the cluster at {bootstrap} did not answer a metadata request: {reason}")]
    Metadata {
        /// The bootstrap servers asked.
        bootstrap: String,
        /// librdkafka's reason.
        reason: String,
    },
}

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
    fn start() -> Result<(Self, String), ClusterError> {
        let (jobs_tx, jobs_rx) = mpsc::channel::<MockJob>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("embedded-cluster".into())
            .spawn(move || {
                let started = MockCluster::new(lab::BROKERS).and_then(|mock| {
                    mock.create_topic(lab::TOPIC, lab::PARTITIONS, lab::REPLICATION_FACTOR)?;
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
        Ok((
            Self {
                jobs: Some(jobs_tx),
                thread: Some(thread),
            },
            bootstrap,
        ))
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
    // Declared last so that the admin client disconnects before the brokers go away.
    _embedded: Option<EmbeddedCluster>,
}

impl Cluster {
    /// Starts the embedded cluster: 3 brokers, `orders.created` with 6 partitions.
    pub fn embedded() -> Result<Self, ClusterError> {
        let (embedded, bootstrap) = EmbeddedCluster::start()?;
        let admin = admin_client(&bootstrap)?;
        Ok(Self {
            mode: ClusterMode::Embedded,
            bootstrap_servers: bootstrap,
            admin,
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

    /// Asks the cluster for its brokers and topics (internal `__` topics left out).
    pub async fn describe(&self) -> Result<(Vec<BrokerInfo>, Vec<TopicInfo>), ClusterError> {
        let admin = Arc::clone(&self.admin);
        let bootstrap = self.bootstrap_servers.clone();
        let metadata = tokio::task::spawn_blocking(move || {
            admin.inner().fetch_metadata(None, Duration::from_secs(5))
        })
        .await
        .map_err(|e| ClusterError::Metadata {
            bootstrap: bootstrap.clone(),
            reason: e.to_string(),
        })?
        .map_err(|e| ClusterError::Metadata {
            bootstrap,
            reason: e.to_string(),
        })?;
        let mut brokers: Vec<BrokerInfo> = metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo {
                id: b.id(),
                host: b.host().to_owned(),
                port: b.port(),
            })
            .collect();
        brokers.sort_by_key(|b| b.id);
        let mut topics: Vec<TopicInfo> = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__") && t.error().is_none())
            .map(|t| TopicInfo {
                name: t.name().to_owned(),
                partitions: t.partitions().len() as i32,
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((brokers, topics))
    }
}

fn admin_client(bootstrap: &str) -> Result<Arc<AdminClient<DefaultClientContext>>, ClusterError> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("client.id", "playground-metadata")
        .create()
        .map(Arc::new)
        .map_err(|e| ClusterError::Client {
            bootstrap: bootstrap.to_owned(),
            reason: e.to_string(),
        })
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
