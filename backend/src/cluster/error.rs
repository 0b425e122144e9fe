//! Why the cluster could not be started or asked, and how the page words it.

use shared::problem::Problem;

/// Why the cluster could not be started or asked.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// librdkafka refused to create the mock cluster or its topic.
    #[error("could not start the embedded cluster: {0}")]
    Embedded(String),
    /// Apache Kafka on this machine could not be started or signalled.
    #[error("Apache Kafka on this machine: {0}")]
    LocalKafka(String),
    /// The metadata client could not be created (bad bootstrap servers, for example).
    #[error("could not create a Kafka client for {bootstrap}: {reason}")]
    Client {
        /// The bootstrap servers used.
        bootstrap: String,
        /// librdkafka's reason.
        reason: String,
    },
    /// A topic that the cluster does not have; producing never creates one.
    #[error("topic {topic} does not exist on this cluster (it has: {known})")]
    UnknownTopic {
        /// The topic asked for.
        topic: String,
        /// The topics it has, comma-separated.
        known: String,
    },
    /// A fault command that cannot be carried out.
    #[error("{0}")]
    Fault(Problem),
    /// Reading a topic back failed.
    #[error("could not read {topic}: {reason}")]
    Consume {
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// Writing to the class's log failed.
    #[error("could not write to {topic}: {reason}")]
    Write {
        /// The topic.
        topic: String,
        /// Why.
        reason: String,
    },
    /// Creating a topic failed (`--create-topics`).
    #[error("could not create {topic}: {reason}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// Why.
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

impl ClusterError {
    /// The error as the page shows it, in the trainee's language.
    pub fn problem(&self) -> Problem {
        match self {
            ClusterError::UnknownTopic { topic, known } => {
                Problem::UnknownTopic { topic: topic.clone(), known: known.clone() }
            }
            ClusterError::Fault(problem) => problem.clone(),
            other => Problem::Kafka { detail: other.to_string() },
        }
    }
}
