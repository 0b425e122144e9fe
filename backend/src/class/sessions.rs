//! Each session's entry in the class: opened and closed, its runs, the lab progress and
//! experiments its page reports, and what its page did and was told last.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use shared::problem::Problem;
use shared::protocol::{ExperimentResult, FailedCheck, MAX_ANSWER_LEN, MAX_EXPERIMENT_RUNS, MAX_SETTING_LEN};

use super::{Class, Entry};
use crate::run::Run;

/// Ids of lab progress a page may report, and how long each may be: enough for the
/// checklist and the exercises, bounded so a page cannot grow the server.
const MAX_DONE: usize = 64;
const MAX_DONE_LEN: usize = 40;

impl Class {
    /// A new session: its id and the key its page resumes it with (random, so that no
    /// one else can take it over).
    pub fn enter(&self) -> (u64, String) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let key = uuid::Uuid::new_v4().simple().to_string();
        let entry = Entry {
            key: key.clone(),
            name: None,
            names: 0,
            connected: true,
            topic: None,
            run: None,
            done: Vec::new(),
            failed: Vec::new(),
            experiments: BTreeMap::new(),
            reconnect: None,
            take_over: None,
            orders: None,
            active: std::time::Instant::now(),
            errors: std::collections::VecDeque::new(),
        };
        self.entries().insert(id, entry);
        (id, key)
    }

    /// The session is over.
    pub fn leave(&self, id: u64) {
        let mut entries = self.entries();
        if let Some(run) = entries.remove(&id).and_then(|e| e.run) {
            self.run_out_of_sight(&run);
        }
    }

    /// `run` is no session's current run any more: its totals go to the server's. Called
    /// under the entries' lock, which [`Class::snapshot`] reads them under too, so that a
    /// scrape sees the run in one place or the other, never in neither (a counter of
    /// messages that went down would read as a reset).
    fn run_out_of_sight(&self, run: &Run) {
        let stats = run.stats();
        self.counts.run_ended(stats.sent, stats.delivered, stats.failed);
    }

    /// Session `id` started `run`.
    pub fn run_started(&self, id: u64, run: Arc<Run>) {
        self.counts.run_started();
        let mut entries = self.entries();
        if let Some(replaced) = entries.get_mut(&id).and_then(|entry| entry.run.replace(run)) {
            self.run_out_of_sight(&replaced);
        }
    }

    /// The lab progress session `id`'s page reported (bounded).
    pub fn progress(&self, id: u64, done: Vec<String>, failed: Vec<FailedCheck>) {
        let done = done.into_iter().filter(|d| d.len() <= MAX_DONE_LEN).take(MAX_DONE).collect();
        let failed = failed
            .into_iter()
            .filter(|f| f.id.len() <= MAX_DONE_LEN && f.en.len() <= MAX_ANSWER_LEN && f.fr.len() <= MAX_ANSWER_LEN)
            .take(MAX_DONE)
            .collect();
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.done = done;
            entry.failed = failed;
        }
    }

    /// Session `id`'s page ran an experiment: kept as its last of that kind, for the
    /// class comparison. A result with too many runs or too long a setting is dropped
    /// (a page of this server never sends one).
    pub fn experiment(&self, id: u64, result: ExperimentResult) {
        let fits = !result.runs.is_empty()
            && result.runs.len() <= MAX_EXPERIMENT_RUNS
            && result.runs.iter().all(|r| r.setting.len() <= MAX_SETTING_LEN && r.msgs_per_sec.is_finite());
        if !fits {
            return;
        }
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.experiments.insert(result.experiment, result);
        }
    }

    /// Session `id`'s page sent a command now.
    pub fn active(&self, id: u64) {
        if let Some(entry) = self.entries().get_mut(&id) {
            entry.active = std::time::Instant::now();
        }
    }

    /// Session `id`'s page was told of `problem`: the instructor sees its last few.
    pub fn told(&self, id: u64, problem: &Problem) {
        if let Some(entry) = self.entries().get_mut(&id) {
            if entry.errors.len() == shared::protocol::TRAINEE_ERRORS {
                entry.errors.pop_front();
            }
            entry.errors.push_back(problem.clone());
        }
    }
}
