//! The embedded cluster: librdkafka's mock cluster ([`MockCluster`]), real Kafka protocol
//! over real TCP on 127.0.0.1, with the lab's 3 brokers and topic, and the faults a page
//! or the instructor can switch on.
//!
//! `MockCluster` is `!Send`, so one dedicated thread owns it for the life of the process
//! and everything else reaches it through a channel of jobs.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use shared::lab;
use shared::problem::Problem;
use shared::protocol::{ClusterState, Fault, MAX_INJECTED, MAX_RTT_MS, ProduceError};
use tokio::sync::oneshot;

use super::error::ClusterError;

/// The mock cluster as its thread sees it.
type Mock = MockCluster<'static, DefaultProducerContext>;

/// Work for the thread that owns the mock cluster.
type MockJob = Box<dyn FnOnce(&Mock) + Send>;

/// The mock cluster, the thread that owns it and what faults need to undo themselves;
/// dropping this stops the cluster.
pub(super) struct Embedded {
    jobs: Option<mpsc::Sender<MockJob>>,
    thread: Option<JoinHandle<()>>,
    /// Each partition's leader when the cluster started, for `reset_faults`.
    initial_leaders: Vec<i32>,
    /// One fault at a time, so that the published state matches the cluster.
    faults: tokio::sync::Mutex<()>,
}

impl Embedded {
    /// Starts a mock cluster with the lab's brokers (and topic, `with_topic`); returns it
    /// with its bootstrap address.
    pub(super) fn start(with_topic: bool) -> Result<(Self, String), ClusterError> {
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
        let embedded = Self {
            jobs: Some(jobs_tx),
            thread: Some(thread),
            initial_leaders: Vec::new(),
            faults: tokio::sync::Mutex::new(()),
        };
        Ok((embedded, bootstrap))
    }

    /// Remembers the lab topic's first leaders, which `reset_faults` puts back.
    pub(super) fn with_initial_leaders(mut self, leaders: Vec<i32>) -> Self {
        self.initial_leaders = leaders;
        self
    }

    /// The state of a cluster with no fault.
    pub(super) fn initial_state(&self) -> ClusterState {
        ClusterState {
            faults: Some(shared::protocol::FaultKind::Mock),
            brokers: (1..=lab::BROKERS)
                .map(|id| shared::protocol::BrokerState { id, up: true, rtt_ms: 0, process: None })
                .collect(),
            leaders: self.initial_leaders.clone(),
            isr: Vec::new(),
            injected: None,
            own: None,
            set_by: None,
        }
    }

    /// Runs `job` on the cluster's thread and returns its result.
    async fn run<R: Send + 'static>(&self, job: impl FnOnce(&Mock) -> R + Send + 'static) -> Result<R, ClusterError> {
        let (tx, rx) = oneshot::channel();
        let job: MockJob = Box::new(move |mock| {
            let _ = tx.send(job(mock));
        });
        let gone = || ClusterError::Embedded("the cluster thread is gone".into());
        self.jobs.as_ref().ok_or_else(gone)?.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())
    }

    /// Runs a job that can fail on the cluster's thread; its failure is the fault's.
    async fn try_run(
        &self,
        job: impl FnOnce(&Mock) -> Result<(), KafkaError> + Send + 'static,
    ) -> Result<(), ClusterError> {
        self.run(job).await?.map_err(|e| ClusterError::Fault(Problem::Kafka { detail: e.to_string() }))
    }

    /// Creates `topic` as the lab's: the mock has no CreateTopics request.
    pub(super) async fn create_topic(&self, topic: &str) -> Result<(), ClusterError> {
        self.create_topic_with(topic, lab::PARTITIONS).await
    }

    /// Creates `topic` with `partitions` partitions, replicated as the lab's.
    pub(super) async fn create_topic_with(&self, topic: &str, partitions: i32) -> Result<(), ClusterError> {
        let name = topic.to_owned();
        self.run(move |mock| mock.create_topic(&name, partitions, lab::REPLICATION_FACTOR))
            .await?
            .map_err(|e| ClusterError::CreateTopic { topic: topic.to_owned(), reason: e.to_string() })
    }

    /// Carries out `fault` and writes what it changed into `state`.
    pub(super) async fn apply(&self, fault: &Fault, state: &mut ClusterState) -> Result<(), ClusterError> {
        check(fault)?;
        let _one_at_a_time = self.faults.lock().await;
        match *fault {
            Fault::BrokerDown { broker } => self.set_up(broker, false, state).await,
            Fault::BrokerUp { broker } => self.set_up(broker, true, state).await,
            Fault::SetRoundTripTime { broker, ms } => self.round_trip(broker, ms, state).await,
            Fault::InjectErrors { error, count } => self.inject(error, count, state).await,
            Fault::MovePartitionLeader { partition, broker } => self.move_leader(partition, broker, state).await,
            Fault::ResetFaults => self.reset(state).await,
            Fault::StopBroker { .. }
            | Fault::StartBroker { .. }
            | Fault::PauseBroker { .. }
            | Fault::ResumeBroker { .. }
            | Fault::LoseProduceResponses { .. }
            | Fault::LoseProduceRequests { .. } => Err(ClusterError::Fault(Problem::ProcessFaultNeedsLocalKafka)),
        }
    }

    async fn set_up(&self, broker: Option<i32>, up: bool, state: &mut ClusterState) -> Result<(), ClusterError> {
        let ids = brokers(broker)?;
        let todo = ids.clone();
        self.try_run(move |mock| {
            todo.iter().try_for_each(|&id| if up { mock.broker_up(id) } else { mock.broker_down(id) })
        })
        .await?;
        state.brokers.iter_mut().filter(|b| ids.contains(&b.id)).for_each(|b| b.up = up);
        Ok(())
    }

    async fn round_trip(&self, broker: Option<i32>, ms: u32, state: &mut ClusterState) -> Result<(), ClusterError> {
        let ids = brokers(broker)?;
        let todo = ids.clone();
        let delay = Duration::from_millis(ms.into());
        self.try_run(move |mock| todo.iter().try_for_each(|&id| mock.broker_round_trip_time(id, delay))).await?;
        state.brokers.iter_mut().filter(|b| ids.contains(&b.id)).for_each(|b| b.rtt_ms = ms);
        Ok(())
    }

    async fn inject(&self, error: ProduceError, count: u32, state: &mut ClusterState) -> Result<(), ClusterError> {
        let codes = vec![response_code(error); count as usize];
        self.run(move |mock| mock.request_errors(RDKafkaApiKey::Produce, &codes)).await?;
        state.injected = Some((error, count));
        Ok(())
    }

    async fn move_leader(&self, partition: i32, broker: i32, state: &mut ClusterState) -> Result<(), ClusterError> {
        self.try_run(move |mock| mock.partition_leader(lab::TOPIC, partition, Some(broker))).await?;
        state.leaders[partition as usize] = broker;
        Ok(())
    }

    async fn reset(&self, state: &mut ClusterState) -> Result<(), ClusterError> {
        let leaders = self.initial_leaders.clone();
        self.try_run(move |mock| {
            mock.clear_request_errors(RDKafkaApiKey::Produce);
            for id in 1..=lab::BROKERS {
                mock.broker_up(id)?;
                mock.broker_round_trip_time(id, Duration::ZERO)?;
            }
            for (partition, leader) in leaders.iter().enumerate() {
                mock.partition_leader(lab::TOPIC, partition as i32, Some(*leader))?;
            }
            Ok(())
        })
        .await?;
        *state = self.initial_state();
        Ok(())
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The brokers a fault names: one by id, or every one for `None`.
/// Whether the embedded cluster takes `fault` as it is (its brokers, partitions and
/// bounds), before anything is switched: a trainee's own cluster is started only for a
/// fault it will take.
pub(super) fn check(fault: &Fault) -> Result<(), ClusterError> {
    match *fault {
        Fault::BrokerDown { broker } | Fault::BrokerUp { broker } => brokers(broker).map(drop),
        Fault::SetRoundTripTime { ms, .. } if ms > MAX_RTT_MS => Err(out_of_range("ms", 0, MAX_RTT_MS, ms)),
        Fault::SetRoundTripTime { broker, .. } => brokers(broker).map(drop),
        Fault::InjectErrors { count, .. } if !(1..=MAX_INJECTED).contains(&count) => {
            Err(out_of_range("count", 1, MAX_INJECTED, count))
        }
        Fault::InjectErrors { .. } | Fault::ResetFaults => Ok(()),
        Fault::MovePartitionLeader { partition, .. } if !(0..lab::PARTITIONS).contains(&partition) => {
            Err(ClusterError::Fault(Problem::NoSuchPartition {
                topic: lab::TOPIC.to_owned(),
                max: lab::PARTITIONS - 1,
                got: partition,
            }))
        }
        Fault::MovePartitionLeader { broker, .. } => brokers(Some(broker)).map(drop),
        Fault::StopBroker { .. }
        | Fault::StartBroker { .. }
        | Fault::PauseBroker { .. }
        | Fault::ResumeBroker { .. }
        | Fault::LoseProduceResponses { .. }
        | Fault::LoseProduceRequests { .. } => Err(ClusterError::Fault(Problem::ProcessFaultNeedsLocalKafka)),
    }
}

fn brokers(broker: Option<i32>) -> Result<Vec<i32>, ClusterError> {
    match broker {
        None => Ok((1..=lab::BROKERS).collect()),
        Some(id) if (1..=lab::BROKERS).contains(&id) => Ok(vec![id]),
        Some(id) => Err(ClusterError::Fault(Problem::NoSuchBroker { id, max: lab::BROKERS })),
    }
}

fn out_of_range(field: &str, min: u32, max: u32, got: u32) -> ClusterError {
    ClusterError::Fault(Problem::OutOfRange { field: field.into(), min: min.into(), max: max.into(), got: got.into() })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_names_one_broker_of_the_lab_or_all() {
        assert_eq!(brokers(None).unwrap(), [1, 2, 3]);
        assert_eq!(brokers(Some(2)).unwrap(), [2]);
        let Err(ClusterError::Fault(problem)) = brokers(Some(4)) else { panic!("broker 4 accepted") };
        assert_eq!(problem, Problem::NoSuchBroker { id: 4, max: 3 });
    }
}
