//! The instructor's HTTP API (`/api/instructor`): the class's view and the orders.

use serde::{Deserialize, Serialize};

use super::*;

/// The instructor's view of the class (`GET /api/instructor`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassView {
    /// Every session, connected or waiting for its page to come back.
    pub trainees: Vec<TraineeView>,
    /// Messages in flight across the server now.
    pub in_flight: u64,
    /// The highest in flight since the server started.
    pub in_flight_peak: u64,
    /// The server's limits.
    pub limits: Limits,
    /// True with `--topic-per-trainee`.
    pub topic_per_trainee: bool,
    /// The cluster's brokers and faults.
    pub cluster: ClusterState,
    /// The servers of the class, this one first, when it spans several
    /// (`--class-topic`); empty otherwise.
    #[serde(default)]
    pub servers: Vec<String>,
}

/// One session as the instructor sees it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraineeView {
    /// The session's number on its server, from 1.
    pub id: u64,
    /// Its server's name, when the class spans several servers (`--class-topic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The trainee's name, once they gave it.
    pub name: Option<String>,
    /// False while the page is away (a dropped connection it may resume).
    pub connected: bool,
    /// Their own topic, with a topic per trainee.
    pub topic: Option<String>,
    /// Runs started in this session.
    pub runs: u64,
    /// Their current or last run's figures.
    pub run: Option<RunStats>,
    /// The current or last run's end, once it ended.
    pub finished: Option<RunFinished>,
    /// Their lab progress, as the page reported it.
    pub done: Vec<String>,
    /// What they tried that did not pass yet, with each check's short answer.
    #[serde(default)]
    pub failed: Vec<FailedCheck>,
    /// The last result of each experiment they ran.
    #[serde(default)]
    pub experiments: Vec<ExperimentResult>,
    /// Seconds since their page last sent a command (a run, a check, a fault), when
    /// this server knows: who is idle or stuck.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
    /// The last problems their page was told of, newest last (at most
    /// [`TRAINEE_ERRORS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::problem::Problem>,
}

/// A message for the whole class (`POST /api/instructor/broadcast`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BroadcastRequest {
    /// 1 to [`MAX_BROADCAST_LEN`] characters.
    pub text: String,
}

/// Longest broadcast.
pub const MAX_BROADCAST_LEN: usize = 500;

/// What the instructor does to one trainee (`POST /api/instructor/trainee`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraineeOrder {
    /// The trainee's session, as the class view numbers it.
    pub id: u64,
    /// What to do.
    pub change: TraineeChange,
}

/// A change the instructor makes to a trainee, carried out by the trainee's session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraineeChange {
    /// Gives the trainee this name (a typo, a name to change), checked as their own
    /// join is; with a topic per trainee, later runs go to the new name's topic.
    Rename {
        /// The new name.
        name: String,
    },
    /// Starts the trainee's lab progress again (checklist, quiz, exercises), on their
    /// page and in the grid: a machine another trainee used before, say.
    ResetProgress,
}

/// A trainee's last problems the instructor's view keeps.
pub const TRAINEE_ERRORS: usize = 3;
