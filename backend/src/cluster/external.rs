//! An external cluster (`--bootstrap-servers`): what its metadata says of its brokers and
//! the lab topic's leaders, and topics created through the admin API.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use shared::lab;
use shared::protocol::{BrokerProcess, BrokerState, ClusterState};

use super::error::ClusterError;

/// The brokers and leaders that one metadata answer showed.
pub(super) struct Observed {
    /// The brokers in the metadata.
    pub live: Vec<i32>,
    /// The leader of each partition of the lab's topic, by partition.
    pub leaders: Vec<i32>,
    /// The in-sync replicas of each partition of the lab's topic, by partition.
    pub isr: Vec<Vec<i32>>,
    /// Each broker's process, on Apache Kafka started here.
    pub processes: Vec<(i32, BrokerProcess)>,
}

impl Observed {
    /// What `metadata` says.
    pub(super) fn from_metadata(metadata: &rdkafka::metadata::Metadata) -> Self {
        let live = metadata.brokers().iter().map(|b| b.id()).collect();
        let mut partitions: Vec<(i32, i32, Vec<i32>)> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == lab::TOPIC && t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| (p.id(), p.leader(), sorted(p.isr()))))
            .collect();
        partitions.sort_unstable();
        let (leaders, isr) = partitions.into_iter().map(|(_, leader, isr)| (leader, isr)).unzip();
        Self { live, leaders, isr, processes: Vec::new() }
    }

    /// No answer at all: every broker known is down; leaders and replicas as last seen.
    pub(super) fn nothing(state: &ClusterState) -> Self {
        Self { live: Vec::new(), leaders: state.leaders.clone(), isr: state.isr.clone(), processes: Vec::new() }
    }

    /// No answer, where a broker may only be frozen: everything as last seen.
    pub(super) fn as_last_seen(state: &ClusterState) -> Self {
        let live = state.brokers.iter().filter(|b| b.up).map(|b| b.id).collect();
        Self { live, ..Self::nothing(state) }
    }

    /// With the brokers' processes on this machine: each broker is listed, running or not.
    pub(super) fn with_processes(self, processes: Vec<(i32, BrokerProcess)>) -> Self {
        Self { processes, ..self }
    }

    /// Writes this into `state`: a broker seen before and absent now is down (a stopped
    /// container, say). True when `state` changed.
    pub(super) fn apply(self, state: &mut ClusterState) -> bool {
        let before = state.clone();
        let known = self.live.iter().chain(self.processes.iter().map(|(id, _)| id));
        for id in known {
            if !state.brokers.iter().any(|b| b.id == *id) {
                state.brokers.push(BrokerState { id: *id, up: true, rtt_ms: 0, process: None });
            }
        }
        state.brokers.sort_by_key(|b| b.id);
        for broker in &mut state.brokers {
            broker.up = self.live.contains(&broker.id);
            broker.process = self.processes.iter().find(|(id, _)| *id == broker.id).map(|(_, p)| *p);
        }
        state.leaders = self.leaders;
        state.isr = self.isr;
        *state != before
    }
}

fn sorted(ids: &[i32]) -> Vec<i32> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

/// Creates `topic` as the lab's through the admin API: 6 partitions, replication factor 3
/// or the `brokers` there are, min.insync.replicas 2 with 3 replicas. One that exists
/// already (another page raced to create it) is fine.
pub(super) async fn create_like_lab(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    brokers: usize,
) -> Result<(), ClusterError> {
    let replication = (brokers as i32).clamp(1, lab::REPLICATION_FACTOR);
    let min_isr = if replication >= 3 { "2" } else { "1" };
    let new =
        NewTopic::new(topic, lab::PARTITIONS, TopicReplication::Fixed(replication)).set("min.insync.replicas", min_isr);
    create(admin, &new, Duration::from_secs(10)).await
}

/// Creates `new` through the admin API, waiting `wait` at most for the cluster's answer.
/// One that exists already (another page or server raced to create it) is fine.
pub(super) async fn create(
    admin: &AdminClient<DefaultClientContext>,
    new: &NewTopic<'_>,
    wait: Duration,
) -> Result<(), ClusterError> {
    let failed = |reason: String| ClusterError::CreateTopic { topic: new.name.to_owned(), reason };
    let options = AdminOptions::new().operation_timeout(Some(wait)).request_timeout(Some(wait));
    // Bounded here too: librdkafka's mock never answers CreateTopics.
    let results = tokio::time::timeout(wait, admin.create_topics([new], &options))
        .await
        .map_err(|_| failed("no answer".into()))?
        .map_err(|e| failed(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(failed(code.to_string())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(live: Vec<i32>, leaders: Vec<i32>) -> Observed {
        let isr = leaders.iter().map(|l| vec![*l]).collect();
        Observed { live, leaders, isr, processes: Vec::new() }
    }

    #[test]
    fn a_broker_stopped_here_is_listed_with_its_process_and_the_isr_is_kept() {
        let mut state = ClusterState::default();
        let processes = vec![(1, BrokerProcess::Running), (2, BrokerProcess::Paused), (3, BrokerProcess::Stopped)];
        let seen = Observed { live: vec![1, 2], leaders: vec![1, 2], isr: vec![vec![1, 2], vec![1, 2]], processes };
        assert!(seen.apply(&mut state));
        let brokers: Vec<_> = state.brokers.iter().map(|b| (b.id, b.up, b.process)).collect();
        assert_eq!(
            brokers,
            [
                (1, true, Some(BrokerProcess::Running)),
                (2, true, Some(BrokerProcess::Paused)),
                (3, false, Some(BrokerProcess::Stopped))
            ]
        );
        assert_eq!(state.isr, [vec![1, 2], vec![1, 2]]);
    }

    #[test]
    fn a_broker_missing_from_the_metadata_is_down_and_a_new_one_is_added() {
        let mut state = ClusterState::default();
        assert!(observed(vec![2, 1], vec![1, 2]).apply(&mut state));
        let up: Vec<_> = state.brokers.iter().map(|b| (b.id, b.up)).collect();
        assert_eq!(up, [(1, true), (2, true)]);
        assert!(!observed(vec![1, 2], vec![1, 2]).apply(&mut state), "nothing changed");
        assert!(observed(vec![1], vec![1, 1]).apply(&mut state));
        let up: Vec<_> = state.brokers.iter().map(|b| (b.id, b.up)).collect();
        assert_eq!(up, [(1, true), (2, false)]);
        assert_eq!(state.leaders, [1, 1]);
        let leaders = state.leaders.clone();
        assert!(Observed::nothing(&state).apply(&mut state));
        assert!(state.brokers.iter().all(|b| !b.up));
        assert_eq!(state.leaders, leaders, "leaders as last seen");
    }
}
