//! Trainees' own clusters. On the embedded cluster a trainee's first fault starts a mock
//! cluster of their own (the lab's 3 brokers and topic, and their own topic): their
//! faults (a broker down, a slower broker, errors injected) then cost no one else a
//! run. The instructor's faults are the class's: switched on the class's cluster and on
//! every own cluster, remembered for the ones started later, and put back when a
//! trainee's fault would undo them.
//!
//! An own cluster lives as long as its session: it holds the runs the trainee sent
//! after that first fault, which their checks read back.

use std::sync::{Arc, Mutex, Weak};

use shared::problem::{Limit, Problem};
use shared::protocol::{ClusterState, Fault, OwnCluster};

use super::{Cluster, ClusterError};

/// Own clusters a server runs at most: each is a mock cluster with its threads and
/// sockets (see docs/BENCHMARKS.md for what 50 cost).
pub const MAX_OWN_CLUSTERS: usize = 100;

/// The instructor's faults remembered at most, for own clusters started later.
const CLASS_FAULTS: usize = 64;

/// Every own cluster of this server, and the instructor's faults they all carry.
pub struct OwnClusters {
    /// The class's cluster: the instructor's faults are switched on it first.
    class: Arc<Cluster>,
    max: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Each own cluster, while its session lives.
    clusters: Vec<Weak<Cluster>>,
    /// The instructor's lasting faults since their last reset, in order.
    class_faults: Vec<Fault>,
}

/// Whether `fault` lasts (a broker down or slower, a leader moved) and so is put back on
/// own clusters; errors injected are answered once.
fn lasting(fault: &Fault) -> bool {
    matches!(
        fault,
        Fault::BrokerDown { .. }
            | Fault::BrokerUp { .. }
            | Fault::SetRoundTripTime { .. }
            | Fault::MovePartitionLeader { .. }
    )
}

/// The brokers down or slowed in `state`: on the class's cluster, the instructor's doing.
pub fn faulty_brokers(state: &ClusterState) -> Vec<i32> {
    state.brokers.iter().filter(|b| !b.up || b.rtt_ms > 0).map(|b| b.id).collect()
}

/// The brokers whose instructor's fault (in the class's `class` state) a trainee's
/// `fault` would undo: bringing up a broker the instructor took down, speeding up one
/// the instructor slowed, resetting faults.
pub fn undoes(fault: &Fault, class: &ClusterState) -> Vec<i32> {
    let brokers = |only: Option<i32>, faulty: &dyn Fn(&shared::protocol::BrokerState) -> bool| -> Vec<i32> {
        class.brokers.iter().filter(|b| only.is_none_or(|id| id == b.id) && faulty(b)).map(|b| b.id).collect()
    };
    match *fault {
        Fault::BrokerUp { broker } => brokers(broker, &|b| !b.up),
        Fault::SetRoundTripTime { broker, ms } => brokers(broker, &|b| b.rtt_ms > ms),
        Fault::ResetFaults => faulty_brokers(class),
        _ => Vec::new(),
    }
}

impl OwnClusters {
    /// No own cluster yet, at most `max`; the instructor's faults go to `class` first.
    pub fn new(class: Arc<Cluster>, max: usize) -> Self {
        Self { class, max, inner: Mutex::new(Inner::default()) }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here panics while holding the lock; a poisoned one is still whole.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Own clusters running now.
    pub fn running(&self) -> usize {
        let mut inner = self.inner();
        inner.clusters.retain(|c| c.strong_count() > 0);
        inner.clusters.len()
    }

    /// Starts a trainee's own cluster with `topic` (their own, with a topic per trainee)
    /// and the instructor's faults on it; refused past the server's limit.
    pub async fn start(&self, topic: Option<&str>) -> Result<Arc<Cluster>, ClusterError> {
        let running = self.running();
        if running >= self.max {
            let (max, got) = (self.max as u64, running as u64 + 1);
            return Err(ClusterError::Fault(Problem::Limit { limit: Limit::OwnClusters, max, got }));
        }
        let cluster = tokio::task::spawn_blocking(Cluster::embedded)
            .await
            .map_err(|e| ClusterError::Embedded(e.to_string()))??;
        let cluster = Arc::new(cluster);
        if let Some(topic) = topic {
            cluster.ensure_topic(topic).await?;
        }
        // Counted before the instructor's faults are put back: one the instructor
        // switches meanwhile reaches it either way (twice does no harm: they last).
        self.inner().clusters.push(Arc::downgrade(&cluster));
        self.put_back(&cluster).await;
        Ok(cluster)
    }

    /// Switches the instructor's lasting faults on `cluster` again (after the trainee's
    /// own fault tried to undo one, or on a new own cluster), and tells its page which
    /// brokers they hold.
    pub async fn put_back(&self, cluster: &Cluster) {
        let faults = self.inner().class_faults.clone();
        for fault in &faults {
            if let Err(e) = cluster.fault(fault).await {
                tracing::warn!("an own cluster did not take the instructor's {fault:?}: {e}");
            }
        }
        self.note(cluster);
    }

    /// Tells `cluster`'s page it is their own, and which brokers the instructor's faults hold.
    fn note(&self, cluster: &Cluster) {
        let instructor_brokers = faulty_brokers(&self.class.subscribe().borrow());
        let bootstrap_servers = cluster.bootstrap_servers().to_owned();
        cluster.note(|state| state.own = Some(OwnCluster { bootstrap_servers, instructor_brokers }));
    }

    /// The instructor's `fault`, already switched on the class's cluster: switched on
    /// every own cluster too, and remembered for those started later.
    pub async fn instructor_fault(&self, fault: &Fault) {
        let clusters: Vec<Arc<Cluster>> = {
            let mut inner = self.inner();
            match fault {
                Fault::ResetFaults => inner.class_faults.clear(),
                f if lasting(f) => {
                    if inner.class_faults.len() == CLASS_FAULTS {
                        inner.class_faults.remove(0);
                    }
                    inner.class_faults.push(f.clone());
                }
                _ => {}
            }
            inner.clusters.retain(|c| c.strong_count() > 0);
            inner.clusters.iter().filter_map(Weak::upgrade).collect()
        };
        for cluster in clusters {
            if let Err(e) = cluster.fault(fault).await {
                tracing::warn!("an own cluster did not take the instructor's {fault:?}: {e}");
            }
            cluster.note(|state| state.set_by = Some(shared::protocol::SetBy::Instructor));
            self.note(&cluster);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::BrokerState;

    fn class(brokers: &[(i32, bool, u32)]) -> ClusterState {
        ClusterState {
            brokers: brokers.iter().map(|&(id, up, rtt_ms)| BrokerState { id, up, rtt_ms, process: None }).collect(),
            ..ClusterState::default()
        }
    }

    #[test]
    fn a_trainees_fault_undoes_the_instructors_only_where_it_brings_back_what_they_took() {
        // The instructor took broker 2 down and slowed broker 3 to 500 ms.
        let state = class(&[(1, true, 0), (2, false, 0), (3, true, 500)]);
        assert_eq!(faulty_brokers(&state), [2, 3]);
        assert_eq!(undoes(&Fault::BrokerUp { broker: Some(2) }, &state), [2]);
        assert_eq!(undoes(&Fault::BrokerUp { broker: Some(1) }, &state), Vec::<i32>::new());
        assert_eq!(undoes(&Fault::BrokerUp { broker: None }, &state), [2]);
        assert_eq!(undoes(&Fault::SetRoundTripTime { broker: Some(3), ms: 100 }, &state), [3]);
        assert_eq!(undoes(&Fault::SetRoundTripTime { broker: Some(3), ms: 900 }, &state), Vec::<i32>::new());
        assert_eq!(undoes(&Fault::ResetFaults, &state), [2, 3]);
        // Taking more down undoes nothing.
        assert_eq!(undoes(&Fault::BrokerDown { broker: None }, &state), Vec::<i32>::new());
        assert_eq!(undoes(&Fault::ResetFaults, &class(&[(1, true, 0)])), Vec::<i32>::new());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn own_clusters_are_bounded_carry_the_instructors_faults_and_end_with_their_session() {
        let class = Arc::new(Cluster::embedded().unwrap());
        let own = OwnClusters::new(Arc::clone(&class), 1);
        // The instructor took broker 2 down before this trainee's first fault.
        let down = Fault::BrokerDown { broker: Some(2) };
        class.fault(&down).await.unwrap();
        own.instructor_fault(&down).await;
        let first = own.start(Some("orders.created.zoe")).await.unwrap();
        let state = first.subscribe().borrow().clone();
        assert!(state.brokers.iter().any(|b| b.id == 2 && !b.up), "the class's fault on it: {state:?}");
        assert_eq!(state.own.as_ref().map(|o| o.instructor_brokers.clone()), Some(vec![2]));
        assert!(first.describe().await.unwrap().1.iter().any(|t| t.name == "orders.created.zoe"), "her topic");
        // A second, past the server's limit: refused, with the limit named.
        let Err(refused) = own.start(None).await else { panic!("a second own cluster past a limit of one") };
        let refused = refused.problem();
        assert_eq!(refused, Problem::Limit { limit: Limit::OwnClusters, max: 1, got: 2 });
        // Her session ends, her cluster with it: there is room again.
        drop(first);
        assert_eq!(own.running(), 0);
        assert!(own.start(None).await.is_ok());
    }

    #[test]
    fn only_the_faults_that_last_are_put_back() {
        assert!(lasting(&Fault::BrokerDown { broker: Some(1) }));
        assert!(lasting(&Fault::MovePartitionLeader { partition: 0, broker: 2 }));
        assert!(!lasting(&Fault::InjectErrors { error: shared::protocol::ProduceError::NotEnoughReplicas, count: 3 }));
        assert!(!lasting(&Fault::ResetFaults));
    }
}
