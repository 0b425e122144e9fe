//! An external cluster (`--bootstrap-servers`): what its metadata says of its brokers and
//! the lab topic's leaders, and topics created through the admin API.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use shared::lab;
use shared::protocol::{BrokerState, ClusterState};

use super::error::ClusterError;

/// The brokers and leaders that one metadata answer showed.
pub(super) struct Observed {
    /// The brokers in the metadata.
    pub live: Vec<i32>,
    /// The leader of each partition of the lab's topic, by partition.
    pub leaders: Vec<i32>,
}

impl Observed {
    /// What `metadata` says.
    pub(super) fn from_metadata(metadata: &rdkafka::metadata::Metadata) -> Self {
        let live = metadata.brokers().iter().map(|b| b.id()).collect();
        let mut leaders: Vec<(i32, i32)> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == lab::TOPIC && t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| (p.id(), p.leader())))
            .collect();
        leaders.sort_unstable();
        Self { live, leaders: leaders.into_iter().map(|(_, l)| l).collect() }
    }

    /// No answer at all: every broker known is down; leaders as last seen.
    pub(super) fn nothing(state: &ClusterState) -> Self {
        Self { live: Vec::new(), leaders: state.leaders.clone() }
    }

    /// Writes this into `state`: a broker seen before and absent now is down (a stopped
    /// container, say). True when `state` changed.
    pub(super) fn apply(self, state: &mut ClusterState) -> bool {
        let before = state.clone();
        for id in &self.live {
            if !state.brokers.iter().any(|b| b.id == *id) {
                state.brokers.push(BrokerState { id: *id, up: true, rtt_ms: 0 });
            }
        }
        state.brokers.sort_by_key(|b| b.id);
        for broker in &mut state.brokers {
            broker.up = self.live.contains(&broker.id);
        }
        state.leaders = self.leaders;
        *state != before
    }
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

    #[test]
    fn a_broker_missing_from_the_metadata_is_down_and_a_new_one_is_added() {
        let mut state = ClusterState::default();
        assert!(Observed { live: vec![2, 1], leaders: vec![1, 2] }.apply(&mut state));
        let up: Vec<_> = state.brokers.iter().map(|b| (b.id, b.up)).collect();
        assert_eq!(up, [(1, true), (2, true)]);
        assert!(!Observed { live: vec![1, 2], leaders: vec![1, 2] }.apply(&mut state), "nothing changed");
        assert!(Observed { live: vec![1], leaders: vec![1, 1] }.apply(&mut state));
        let up: Vec<_> = state.brokers.iter().map(|b| (b.id, b.up)).collect();
        assert_eq!(up, [(1, true), (2, false)]);
        assert_eq!(state.leaders, [1, 1]);
        let leaders = state.leaders.clone();
        assert!(Observed::nothing(&state).apply(&mut state));
        assert!(state.brokers.iter().all(|b| !b.up));
        assert_eq!(state.leaders, leaders, "leaders as last seen");
    }
}
