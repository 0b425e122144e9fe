//! What the browser keeps of a trainee's lab across reloads, and what the instructor's
//! view gets of it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use shared::protocol::FailedCheck;

use super::checklist::tick_tries;
use super::{Exercise, Finding, QUIZ, Tick, short_answer, ticks};
use crate::model::Page;

/// What the browser keeps of a trainee's lab across reloads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Checklist items ticked.
    pub ticks: BTreeSet<Tick>,
    /// Exercises whose check passed.
    pub passed: BTreeSet<Exercise>,
    /// The quiz's answers, by question.
    pub quiz: Vec<Option<u8>>,
    /// Checks tried that did not pass (yet), by id, with their short answers.
    #[serde(default)]
    pub failed: BTreeMap<String, FailedCheck>,
}

impl Progress {
    /// What is done, as ids for the instructor's view: the ticks (`ten_sent`) and the
    /// exercises passed (`exercise:spread`).
    pub fn done_ids(&self) -> Vec<String> {
        let ticks = self.ticks.iter().map(|t| t.id());
        let passed = self.passed.iter().map(|e| e.id());
        ticks.chain(passed).collect()
    }

    /// What was tried and did not pass yet, for the instructor's view.
    pub fn failed_checks(&self) -> Vec<FailedCheck> {
        self.failed.values().cloned().collect()
    }

    /// Adds what the page shows now; true when something changed.
    pub fn earn(&mut self, page: &Page) -> bool {
        let before = (self.ticks.clone(), self.passed.len(), self.failed.clone());
        self.ticks.extend(ticks(page));
        if self.quiz_right() {
            self.ticks.insert(Tick::Quiz);
        }
        if self.passed.contains(&Exercise::Performance) {
            self.ticks.insert(Tick::Bonus);
        }
        for (tick, answer) in tick_tries(page, self) {
            if !self.ticks.contains(&tick) {
                self.failed.insert(tick.id(), answer);
            }
        }
        let done = self.done_ids();
        self.failed.retain(|id, _| !done.contains(id));
        before != (self.ticks.clone(), self.passed.len(), self.failed.clone())
    }

    /// Records a check of `exercise` that did not pass, with what it found.
    pub fn fail(&mut self, exercise: Exercise, findings: &[Finding]) {
        if !self.passed.contains(&exercise) {
            self.failed.insert(exercise.id(), short_answer(exercise.id(), findings));
        }
    }

    /// Whether every quiz answer is right.
    pub fn quiz_right(&self) -> bool {
        QUIZ.iter().enumerate().all(|(n, q)| self.quiz.get(n).copied().flatten() == Some(q.right))
    }

    /// Records an exercise that passed.
    pub fn pass(&mut self, exercise: Exercise) {
        self.passed.insert(exercise);
        self.failed.remove(&exercise.id());
        if exercise == Exercise::Performance {
            self.ticks.insert(Tick::Bonus);
        }
    }
}
