//! The class as the instructor sees it (the view, with every server's trainees, and the
//! figures of `/metrics`) and the instructor's changes to a trainee.

use shared::problem::Problem;
use shared::protocol::{ClassView, ClusterState, Limits, TraineeChange, TraineeView};
use tokio::sync::mpsc;

use super::{Class, names};
use crate::metrics::Snapshot;

impl Class {
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

    /// The class as the instructor sees it: with several servers, every server's
    /// trainees, each named with its server.
    pub fn view(&self, limits: Limits, cluster: ClusterState) -> ClassView {
        let mut trainees = self.local_views();
        let mut servers = Vec::new();
        if let Some(class_servers) = self.servers() {
            for trainee in &mut trainees {
                trainee.server = Some(class_servers.this_server().to_owned());
            }
            let (others, live) = class_servers.others();
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
            && let Some(problem) = names::name_error(&names::tidy(name))
        {
            return Err(problem);
        }
        let entries = self.entries();
        let entry = entries.get(&id).ok_or(Problem::NoSuchTrainee { id })?;
        let orders = entry.orders.as_ref().filter(|_| entry.connected).ok_or(Problem::TraineeAway { id })?;
        orders.try_send(change).map_err(|_| Problem::TraineeAway { id })
    }
}
