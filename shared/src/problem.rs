//! What can be wrong, as codes with parameters, and their words in English and French.
//!
//! The server never sends a sentence alone: each error carries a [`Problem`], so the page
//! shows it in the trainee's language (the lab is in French), and the English text goes
//! along for anyone reading the raw protocol. Both languages live side by side here, one
//! `match` arm per problem, so a problem without its French cannot compile.

use serde::{Deserialize, Serialize};

/// A language of the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// French, the lab's language.
    Fr,
}

impl Lang {
    /// Every language, in the order the page lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 code (`en`, `fr`), for `<html lang>` and storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language with `code`, if the page has it.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| code.eq_ignore_ascii_case(l.code()) || code.starts_with(l.code()))
    }
}

/// A fixed text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// French.
    pub fr: &'static str,
}

impl Text {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// Why a key, value or header template cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateProblem {
    /// A placeholder the templates do not have, such as `{id}`.
    Unknown {
        /// The placeholder as written, without braces.
        placeholder: String,
    },
    /// `{i:4}`: the width must look like `04`.
    Width {
        /// The placeholder as written, without braces.
        placeholder: String,
    },
    /// `{rand:x}`: not `{rand:MIN-MAX}`.
    Rand {
        /// The placeholder as written, without braces.
        placeholder: String,
    },
    /// `{rand:9-1}`: MIN above MAX.
    RandOrder {
        /// The placeholder as written, without braces.
        placeholder: String,
    },
    /// `{now` with no closing brace.
    Unclosed {
        /// The start of the placeholder.
        start: String,
    },
}

/// The placeholders a template may use, as the page lists them.
pub const PLACEHOLDERS: &str = "{i}, {i:04}, {i*10+100}, {now}, {uuid}, {rand:MIN-MAX}";

impl<'de> Deserialize<'de> for TemplateProblem {
    /// Written out, as [`Problem`]'s is, and for the same reason.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let mut take = |key: &'static str| match fields.remove(key) {
            Some(serde_json::Value::String(text)) => Ok(text),
            Some(_) => Err(D::Error::custom(format!("{key} is not a string"))),
            None => Err(D::Error::missing_field(key)),
        };
        Ok(match take("kind")?.as_str() {
            "unknown" => TemplateProblem::Unknown { placeholder: take("placeholder")? },
            "width" => TemplateProblem::Width { placeholder: take("placeholder")? },
            "rand" => TemplateProblem::Rand { placeholder: take("placeholder")? },
            "rand_order" => TemplateProblem::RandOrder { placeholder: take("placeholder")? },
            "unclosed" => TemplateProblem::Unclosed { start: take("start")? },
            other => {
                return Err(D::Error::unknown_variant(other, &["unknown", "width", "rand", "rand_order", "unclosed"]));
            }
        })
    }
}

impl TemplateProblem {
    /// The problem in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use TemplateProblem::*;
        match (self, lang) {
            (Unknown { placeholder }, Lang::En) => {
                format!("unknown placeholder {{{placeholder}}}; use {PLACEHOLDERS}, or {{{{ for a literal brace")
            }
            (Unknown { placeholder }, Lang::Fr) => format!(
                "variable inconnue {{{placeholder}}} ; utilisez {PLACEHOLDERS}, ou {{{{ pour une accolade littérale"
            ),
            (Width { placeholder }, Lang::En) => {
                format!("{{{placeholder}}}: the width must look like 04 (1 to 20 digits)")
            }
            (Width { placeholder }, Lang::Fr) => {
                format!("{{{placeholder}}} : la largeur s'écrit comme 04 (1 à 20 chiffres)")
            }
            (Rand { placeholder }, Lang::En) => {
                format!("{{{placeholder}}}: write {{rand:MIN-MAX}}, for example {{rand:1-100}}")
            }
            (Rand { placeholder }, Lang::Fr) => {
                format!("{{{placeholder}}} : écrivez {{rand:MIN-MAX}}, par exemple {{rand:1-100}}")
            }
            (RandOrder { placeholder }, Lang::En) => format!("{{{placeholder}}}: MIN must not be greater than MAX"),
            (RandOrder { placeholder }, Lang::Fr) => format!("{{{placeholder}}} : MIN ne doit pas dépasser MAX"),
            (Unclosed { start }, Lang::En) => format!("placeholder {start} is not closed with }}"),
            (Unclosed { start }, Lang::Fr) => format!("la variable {start} n'est pas fermée par }}"),
        }
    }
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for TemplateProblem {}

/// Something the server or the page refuses, with what the trainee needs to fix it.
///
/// A new problem has its words in [`Problem::text`], its code in [`Problem::CODES`] and
/// its arm in the written-out `Deserialize` below (the test of every code reads it back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// A number outside its bounds.
    OutOfRange {
        /// The field's name (its librdkafka name for settings).
        field: String,
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
        /// The value given.
        got: i64,
    },
    /// Text where a whole number belongs.
    NotANumber {
        /// The field's name.
        field: String,
        /// What was typed.
        got: String,
    },
    /// A `client.id` with other characters or too long.
    ClientId {
        /// The longest accepted.
        max: usize,
    },
    /// `enable.idempotence` with acks other than all.
    IdempotenceNeedsAcksAll,
    /// `enable.idempotence` with more than 5 requests in flight.
    IdempotenceMaxInFlight {
        /// The largest accepted.
        max: u32,
        /// The value given.
        got: u32,
    },
    /// `enable.idempotence` with no retries.
    IdempotenceNeedsRetries,
    /// `retry.backoff.max.ms` below `retry.backoff.ms`.
    BackoffMaxBelowBackoff {
        /// `retry.backoff.max.ms`.
        max: u32,
        /// `retry.backoff.ms`.
        backoff: u32,
    },
    /// `message.timeout.ms` not above `linger.ms`.
    TimeoutNotAboveLinger {
        /// `message.timeout.ms`.
        timeout: u32,
        /// `linger.ms`.
        linger: u32,
    },
    /// Not a Kafka topic name.
    TopicName,
    /// A partition or offset below 0.
    Negative {
        /// `partition` or `offset`.
        field: String,
        /// The value given.
        got: i64,
    },
    /// A template longer than the server takes.
    TooLong {
        /// The template's field.
        field: String,
        /// The most bytes accepted.
        max: usize,
    },
    /// More headers than the server takes.
    TooManyHeaders {
        /// The most accepted.
        max: usize,
        /// How many were given.
        got: usize,
    },
    /// An empty or too long header name.
    HeaderName,
    /// A template that does not parse.
    Template {
        /// The template's field (`key_template`, `value_template` or the header's name).
        field: String,
        /// What is wrong with it.
        problem: TemplateProblem,
    },
    /// A produce request with fields to fix; the fields come along.
    InvalidRequest {
        /// How many fields are at fault.
        fields: usize,
    },
    /// A binary WebSocket frame.
    BinaryFrame,
    /// A frame that is not a command.
    UnreadableCommand {
        /// serde's reason, naming the position.
        detail: String,
    },
    /// `produce` while a run goes on.
    RunInProgress,
    /// `stop` with no run.
    NoRun,
    /// librdkafka refused the producer's configuration.
    ProducerNotCreated {
        /// librdkafka's reason.
        detail: String,
    },
    /// A topic the cluster does not have (producing never creates one).
    UnknownTopic {
        /// The topic asked for.
        topic: String,
        /// The topics the cluster has, comma-separated.
        known: String,
    },
    /// A fault command on a real cluster.
    FaultsNeedEmbedded,
    /// A fault of librdkafka's mock (a delay, injected errors, a leader moved) on Apache
    /// Kafka started by the playground.
    MockFaultOnLocalKafka,
    /// A fault on a broker's process (stop, crash, pause) on the embedded cluster.
    ProcessFaultNeedsLocalKafka,
    /// A broker id the cluster does not have.
    NoSuchBroker {
        /// The id asked for.
        id: i32,
        /// The highest id.
        max: i32,
    },
    /// A partition the topic does not have.
    NoSuchPartition {
        /// The topic.
        topic: String,
        /// Its highest partition.
        max: i32,
        /// The partition asked for.
        got: i32,
    },
    /// The cluster or librdkafka failed; its own words come along.
    Kafka {
        /// What failed, in English (librdkafka's words are English).
        detail: String,
    },
    /// The page has no connection to the server.
    NotConnected,
    /// A trainee name that cannot be one.
    NameInvalid {
        /// The name given (cut short).
        name: String,
        /// The longest name.
        max: usize,
    },
    /// A name whose letters come from more than one script (a Cyrillic "а" among Latin
    /// letters looks like a Latin "a").
    NameMixedScripts {
        /// The name given.
        name: String,
    },
    /// A name another connected trainee has.
    NameTaken {
        /// The name.
        name: String,
    },
    /// A command that needs the trainee's name first (topic per trainee).
    NameNeeded,
    /// Another trainee's topic, on a server with a topic per trainee.
    NotYourTopic {
        /// The topic asked for.
        topic: String,
        /// The trainee's own topic.
        own: String,
    },
    /// A fault command from a trainee where only the instructor switches faults.
    FaultsByInstructor,
    /// A trainee's fault that would undo the instructor's (a broker brought back up,
    /// faults reset): the instructor's stays, for the whole class.
    InstructorFaultStays {
        /// The brokers whose fault is the instructor's.
        brokers: Vec<i32>,
    },
    /// A trainee's first fault during their run: it starts a cluster of their own, which
    /// a run already going cannot move to.
    FirstFaultDuringRun,
    /// The instructor named a trainee session that is not on this server.
    NoSuchTrainee {
        /// The session's number.
        id: u64,
    },
    /// The instructor's change to a trainee whose page is away: it waits for no one.
    TraineeAway {
        /// The session's number.
        id: u64,
    },
    /// The instructor's token is missing or wrong.
    InstructorToken,
    /// A broadcast that is empty or too long.
    BroadcastText {
        /// The longest broadcast.
        max: usize,
    },
    /// A page of another site, or a host name that is not this server's (DNS
    /// rebinding): refused before a session exists.
    OriginRefused {
        /// The page's origin, as its browser sent it (empty without one).
        origin: String,
        /// The host name the request was sent to.
        host: String,
    },
    /// A server open beyond this machine needs its class's code (`?class=` on `/ws`),
    /// and this page gave none, or a wrong one: refused before a session exists.
    ClassCode {
        /// True when a code was given, and it was wrong.
        given: bool,
    },
    /// Beyond one of the server's limits (see `hello`).
    Limit {
        /// Which limit.
        limit: Limit,
        /// The most allowed.
        max: u64,
        /// What was asked.
        got: u64,
    },
}

impl Problem {
    /// Every problem's code, in the order the enum declares them.
    pub const CODES: [&'static str; 43] = [
        "out_of_range",
        "not_a_number",
        "client_id",
        "idempotence_needs_acks_all",
        "idempotence_max_in_flight",
        "idempotence_needs_retries",
        "backoff_max_below_backoff",
        "timeout_not_above_linger",
        "topic_name",
        "negative",
        "too_long",
        "too_many_headers",
        "header_name",
        "template",
        "invalid_request",
        "binary_frame",
        "unreadable_command",
        "run_in_progress",
        "no_run",
        "producer_not_created",
        "unknown_topic",
        "faults_need_embedded",
        "mock_fault_on_local_kafka",
        "process_fault_needs_local_kafka",
        "no_such_broker",
        "no_such_partition",
        "kafka",
        "not_connected",
        "name_invalid",
        "name_mixed_scripts",
        "name_taken",
        "name_needed",
        "not_your_topic",
        "faults_by_instructor",
        "instructor_fault_stays",
        "first_fault_during_run",
        "no_such_trainee",
        "trainee_away",
        "instructor_token",
        "broadcast_text",
        "origin_refused",
        "class_code",
        "limit",
    ];
}

impl<'de> Deserialize<'de> for Problem {
    /// Written out, not derived: serde's derive of this internally tagged enum was 66 KB
    /// of the page's WebAssembly (buffered content and a visitor per variant); this reads
    /// the same JSON (what the derived `Serialize` writes) through one map.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        macro_rules! take {
            ($key:literal) => {
                serde_json::from_value(fields.remove($key).ok_or_else(|| D::Error::missing_field($key))?)
                    .map_err(D::Error::custom)?
            };
        }
        let code: String = take!("code");
        Ok(match code.as_str() {
            "out_of_range" => {
                Problem::OutOfRange { field: take!("field"), min: take!("min"), max: take!("max"), got: take!("got") }
            }
            "not_a_number" => Problem::NotANumber { field: take!("field"), got: take!("got") },
            "client_id" => Problem::ClientId { max: take!("max") },
            "idempotence_needs_acks_all" => Problem::IdempotenceNeedsAcksAll,
            "idempotence_max_in_flight" => Problem::IdempotenceMaxInFlight { max: take!("max"), got: take!("got") },
            "idempotence_needs_retries" => Problem::IdempotenceNeedsRetries,
            "backoff_max_below_backoff" => {
                Problem::BackoffMaxBelowBackoff { max: take!("max"), backoff: take!("backoff") }
            }
            "timeout_not_above_linger" => {
                Problem::TimeoutNotAboveLinger { timeout: take!("timeout"), linger: take!("linger") }
            }
            "topic_name" => Problem::TopicName,
            "negative" => Problem::Negative { field: take!("field"), got: take!("got") },
            "too_long" => Problem::TooLong { field: take!("field"), max: take!("max") },
            "too_many_headers" => Problem::TooManyHeaders { max: take!("max"), got: take!("got") },
            "header_name" => Problem::HeaderName,
            "template" => Problem::Template { field: take!("field"), problem: take!("problem") },
            "invalid_request" => Problem::InvalidRequest { fields: take!("fields") },
            "binary_frame" => Problem::BinaryFrame,
            "unreadable_command" => Problem::UnreadableCommand { detail: take!("detail") },
            "run_in_progress" => Problem::RunInProgress,
            "no_run" => Problem::NoRun,
            "producer_not_created" => Problem::ProducerNotCreated { detail: take!("detail") },
            "unknown_topic" => Problem::UnknownTopic { topic: take!("topic"), known: take!("known") },
            "faults_need_embedded" => Problem::FaultsNeedEmbedded,
            "mock_fault_on_local_kafka" => Problem::MockFaultOnLocalKafka,
            "process_fault_needs_local_kafka" => Problem::ProcessFaultNeedsLocalKafka,
            "no_such_broker" => Problem::NoSuchBroker { id: take!("id"), max: take!("max") },
            "no_such_partition" => {
                Problem::NoSuchPartition { topic: take!("topic"), max: take!("max"), got: take!("got") }
            }
            "kafka" => Problem::Kafka { detail: take!("detail") },
            "not_connected" => Problem::NotConnected,
            "name_invalid" => Problem::NameInvalid { name: take!("name"), max: take!("max") },
            "name_mixed_scripts" => Problem::NameMixedScripts { name: take!("name") },
            "name_taken" => Problem::NameTaken { name: take!("name") },
            "name_needed" => Problem::NameNeeded,
            "not_your_topic" => Problem::NotYourTopic { topic: take!("topic"), own: take!("own") },
            "faults_by_instructor" => Problem::FaultsByInstructor,
            "instructor_fault_stays" => Problem::InstructorFaultStays { brokers: take!("brokers") },
            "first_fault_during_run" => Problem::FirstFaultDuringRun,
            "no_such_trainee" => Problem::NoSuchTrainee { id: take!("id") },
            "trainee_away" => Problem::TraineeAway { id: take!("id") },
            "instructor_token" => Problem::InstructorToken,
            "broadcast_text" => Problem::BroadcastText { max: take!("max") },
            "origin_refused" => Problem::OriginRefused { origin: take!("origin"), host: take!("host") },
            "class_code" => Problem::ClassCode { given: take!("given") },
            "limit" => Problem::Limit { limit: take!("limit"), max: take!("max"), got: take!("got") },
            other => return Err(D::Error::unknown_variant(other, &Problem::CODES)),
        })
    }
}

/// Broker ids as a list: `2` or `1, 3`.
fn ids(brokers: &[i32]) -> String {
    brokers.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

/// One of the server's limits (see `hello`), by the name the protocol gives it
/// (`"limit": "sessions"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Sessions at once.
    Sessions,
    /// Sessions at once from one address.
    SessionsPerAddress,
    /// Names one session may take.
    NamesPerSession,
    /// Trainees' own topics on the server.
    TraineeTopics,
    /// Read-backs of one page at once.
    ReadBacks,
    /// Wrong instructor tokens a minute from one address.
    InstructorTokens,
    /// Messages per run.
    MessagesPerRun,
    /// Bytes per message.
    MessageBytes,
    /// Messages per second.
    Rate,
    /// Bytes per WebSocket frame.
    FrameBytes,
    /// WebSocket frames per second.
    FramesPerSecond,
    /// Wrong class codes a minute from one address.
    ClassCodes,
    /// Trainees' own clusters on the server.
    OwnClusters,
}

impl Limit {
    /// Every limit, in the order declared.
    pub const ALL: [Limit; 13] = [
        Limit::Sessions,
        Limit::SessionsPerAddress,
        Limit::NamesPerSession,
        Limit::TraineeTopics,
        Limit::ReadBacks,
        Limit::InstructorTokens,
        Limit::MessagesPerRun,
        Limit::MessageBytes,
        Limit::Rate,
        Limit::FrameBytes,
        Limit::FramesPerSecond,
        Limit::ClassCodes,
        Limit::OwnClusters,
    ];

    /// Its name in the protocol, such as `sessions_per_address`.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Sessions => "sessions",
            Limit::SessionsPerAddress => "sessions_per_address",
            Limit::NamesPerSession => "names_per_session",
            Limit::TraineeTopics => "trainee_topics",
            Limit::ReadBacks => "read_backs",
            Limit::InstructorTokens => "instructor_tokens",
            Limit::MessagesPerRun => "messages_per_run",
            Limit::MessageBytes => "message_bytes",
            Limit::Rate => "rate",
            Limit::FrameBytes => "frame_bytes",
            Limit::FramesPerSecond => "frames_per_second",
            Limit::ClassCodes => "class_codes",
            Limit::OwnClusters => "own_clusters",
        }
    }

    /// What it counts, in `lang`.
    pub fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Limit::Sessions, Lang::En) => "sessions at once",
            (Limit::Sessions, Lang::Fr) => "sessions simultanées",
            (Limit::SessionsPerAddress, Lang::En) => "sessions at once from one address",
            (Limit::SessionsPerAddress, Lang::Fr) => "sessions simultanées depuis une même adresse",
            (Limit::NamesPerSession, Lang::En) => "names one session may take",
            (Limit::NamesPerSession, Lang::Fr) => "noms qu'une session peut prendre",
            (Limit::TraineeTopics, Lang::En) => "trainees' own topics on this server",
            (Limit::TraineeTopics, Lang::Fr) => "topics propres aux stagiaires sur ce serveur",
            (Limit::ReadBacks, Lang::En) => "read-backs of one page at once (running or waiting)",
            (Limit::ReadBacks, Lang::Fr) => "relectures d'une même page à la fois (en cours ou en attente)",
            (Limit::InstructorTokens, Lang::En) => "wrong instructor tokens a minute from one address",
            (Limit::InstructorTokens, Lang::Fr) => "jetons formateur faux par minute depuis une même adresse",
            (Limit::MessagesPerRun, Lang::En) => "messages per run",
            (Limit::MessagesPerRun, Lang::Fr) => "messages par envoi",
            (Limit::MessageBytes, Lang::En) => "bytes per message",
            (Limit::MessageBytes, Lang::Fr) => "octets par message",
            (Limit::Rate, Lang::En) => "messages per second",
            (Limit::Rate, Lang::Fr) => "messages par seconde",
            (Limit::FrameBytes, Lang::En) => "bytes per WebSocket frame",
            (Limit::FrameBytes, Lang::Fr) => "octets par trame WebSocket",
            (Limit::FramesPerSecond, Lang::En) => "WebSocket frames per second",
            (Limit::FramesPerSecond, Lang::Fr) => "trames WebSocket par seconde",
            (Limit::ClassCodes, Lang::En) => "wrong class codes a minute from one address",
            (Limit::ClassCodes, Lang::Fr) => "codes de classe faux par minute depuis une même adresse",
            (Limit::OwnClusters, Lang::En) => "trainees' own clusters on this server",
            (Limit::OwnClusters, Lang::Fr) => "clusters propres aux stagiaires sur ce serveur",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Problem {
    /// The problem in `lang`, begun with a capital: for a page that says it as a hint of
    /// its own, in the same words as the refusal.
    pub fn sentence(&self, lang: Lang) -> String {
        let text = self.text(lang);
        let mut chars = text.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }

    /// The problem in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use Problem::*;
        // Four groups, each a match of its own that words both languages side by side.
        match self {
            OutOfRange { .. }
            | NotANumber { .. }
            | ClientId { .. }
            | IdempotenceNeedsAcksAll
            | IdempotenceMaxInFlight { .. }
            | IdempotenceNeedsRetries
            | BackoffMaxBelowBackoff { .. }
            | TimeoutNotAboveLinger { .. } => self.setting_text(lang),
            TopicName
            | Negative { .. }
            | TooLong { .. }
            | TooManyHeaders { .. }
            | HeaderName
            | Template { .. }
            | InvalidRequest { .. }
            | BinaryFrame
            | UnreadableCommand { .. }
            | RunInProgress
            | NoRun
            | ProducerNotCreated { .. } => self.request_text(lang),
            UnknownTopic { .. }
            | FaultsNeedEmbedded
            | MockFaultOnLocalKafka
            | ProcessFaultNeedsLocalKafka
            | NoSuchBroker { .. }
            | NoSuchPartition { .. }
            | Kafka { .. }
            | NotConnected => self.cluster_text(lang),
            NameInvalid { .. }
            | NameMixedScripts { .. }
            | NameTaken { .. }
            | NameNeeded
            | NotYourTopic { .. }
            | FaultsByInstructor
            | InstructorFaultStays { .. }
            | FirstFaultDuringRun
            | NoSuchTrainee { .. }
            | TraineeAway { .. }
            | InstructorToken
            | BroadcastText { .. }
            | OriginRefused { .. }
            | ClassCode { .. }
            | Limit { .. } => self.class_text(lang),
        }
    }

    /// A producer setting that is refused.
    fn setting_text(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (OutOfRange { field, min, max, got }, Lang::Fr) => {
                format!("{field} doit être entre {min} et {max}, reçu {got}")
            }
            (OutOfRange { field, min, max, got }, Lang::En) => {
                format!("{field} must be between {min} and {max}, got {got}")
            }
            (NotANumber { field, got }, Lang::Fr) => format!("{field} doit être un nombre entier, reçu « {got} »"),
            (NotANumber { field, got }, Lang::En) => format!("{field} must be a whole number, got \"{got}\""),
            (ClientId { max }, Lang::Fr) => {
                format!("client.id compte 1 à {max} lettres, chiffres, '.', '_' ou '-'")
            }
            (ClientId { max }, Lang::En) => format!("client.id must be 1 to {max} letters, digits, '.', '_' or '-'"),
            (IdempotenceNeedsAcksAll, Lang::Fr) => "enable.idempotence exige acks=all".to_owned(),
            (IdempotenceNeedsAcksAll, Lang::En) => "enable.idempotence needs acks=all".to_owned(),
            (IdempotenceMaxInFlight { max, got }, Lang::Fr) => {
                format!("enable.idempotence exige max.in.flight.requests.per.connection d'au plus {max}, reçu {got}")
            }
            (IdempotenceMaxInFlight { max, got }, Lang::En) => {
                format!("enable.idempotence needs max.in.flight.requests.per.connection of at most {max}, got {got}")
            }
            (IdempotenceNeedsRetries, Lang::Fr) => {
                "enable.idempotence exige message.send.max.retries au-dessus de 0".into()
            }
            (IdempotenceNeedsRetries, Lang::En) => {
                "enable.idempotence needs message.send.max.retries above 0".to_owned()
            }
            (BackoffMaxBelowBackoff { max, backoff }, Lang::Fr) => {
                format!("retry.backoff.max.ms ({max}) ne doit pas être inférieur à retry.backoff.ms ({backoff})")
            }
            (BackoffMaxBelowBackoff { max, backoff }, Lang::En) => {
                format!("retry.backoff.max.ms ({max}) must not be below retry.backoff.ms ({backoff})")
            }
            (TimeoutNotAboveLinger { timeout, linger }, Lang::Fr) => {
                format!("message.timeout.ms ({timeout}) doit être supérieur à linger.ms ({linger})")
            }
            (TimeoutNotAboveLinger { timeout, linger }, Lang::En) => {
                format!("message.timeout.ms ({timeout}) must be greater than linger.ms ({linger})")
            }
            // Routed elsewhere by `text`: never reached (a test words every problem).
            _ => String::new(),
        }
    }

    /// A command or run that is refused.
    fn request_text(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (TopicName, Lang::Fr) => "un nom de topic compte 1 à 249 lettres, chiffres, '.', '_' ou '-'".to_owned(),
            (TopicName, Lang::En) => "a topic name is 1 to 249 letters, digits, '.', '_' or '-'".to_owned(),
            (Negative { field, got }, Lang::Fr) => format!("{field} doit être 0 ou plus, reçu {got}"),
            (Negative { field, got }, Lang::En) => format!("{field} must be 0 or more, got {got}"),
            (TooLong { field, max }, Lang::Fr) => format!("{field} dépasse {max} octets"),
            (TooLong { field, max }, Lang::En) => format!("{field} is longer than {max} bytes"),
            (TooManyHeaders { max, got }, Lang::Fr) => format!("au plus {max} en-têtes, reçu {got}"),
            (TooManyHeaders { max, got }, Lang::En) => format!("at most {max} headers, got {got}"),
            (HeaderName, Lang::Fr) => "un nom d'en-tête compte 1 à 255 caractères".to_owned(),
            (HeaderName, Lang::En) => "a header name is 1 to 255 characters".to_owned(),
            (Template { field, problem }, _) => format!("{field}: {}", problem.text(lang)),
            (InvalidRequest { fields }, Lang::Fr) => format!("{fields} champ(s) à corriger avant l'envoi"),
            (InvalidRequest { fields }, Lang::En) => format!("{fields} field(s) to fix before sending"),
            (BinaryFrame, Lang::Fr) => "les trames binaires ne sont pas comprises ; envoyez du texte JSON".to_owned(),
            (BinaryFrame, Lang::En) => "binary frames are not understood; send JSON text".to_owned(),
            (UnreadableCommand { detail }, Lang::Fr) => format!("commande illisible : {detail}"),
            (UnreadableCommand { detail }, Lang::En) => format!("could not read the command: {detail}"),
            (RunInProgress, Lang::Fr) => "un envoi est déjà en cours ; arrêtez-le ou attendez sa fin".to_owned(),
            (RunInProgress, Lang::En) => "a run is already in progress; stop it or wait for it to finish".to_owned(),
            (NoRun, Lang::Fr) => "aucun envoi en cours".to_owned(),
            (NoRun, Lang::En) => "no run is in progress".to_owned(),
            (ProducerNotCreated { detail }, Lang::Fr) => format!("impossible de créer le producer : {detail}"),
            (ProducerNotCreated { detail }, Lang::En) => format!("could not create the producer: {detail}"),
            // Routed elsewhere by `text`: never reached (a test words every problem).
            _ => String::new(),
        }
    }

    /// What the cluster cannot do or answer.
    fn cluster_text(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (UnknownTopic { topic, known }, Lang::Fr) => {
                format!("le topic {topic} n'existe pas sur ce cluster (il a : {known})")
            }
            (UnknownTopic { topic, known }, Lang::En) => {
                format!("topic {topic} does not exist on this cluster (it has: {known})")
            }
            (FaultsNeedEmbedded, Lang::Fr) => "les pannes ne se déclenchent que sur le cluster embarqué ; sur un vrai \
                 cluster, arrêtez un broker vous-même (par exemple `docker compose stop kafka-2`)"
                .to_owned(),
            (FaultsNeedEmbedded, Lang::En) => {
                "faults are only available on the embedded cluster; on a real cluster, stop a \
                 broker yourself (for example `docker compose stop kafka-2`)"
                    .to_owned()
            }
            (MockFaultOnLocalKafka, Lang::Fr) => "ce cluster est un vrai Apache Kafka : on n'y injecte ni délai, ni \
                 erreur, ni changement de leader ; arrêtez, tuez ou gelez un broker"
                .to_owned(),
            (MockFaultOnLocalKafka, Lang::En) => {
                "this cluster is real Apache Kafka: it takes no added delay, injected \
                 error or moved leader; stop, crash or pause a broker instead"
                    .to_owned()
            }
            (ProcessFaultNeedsLocalKafka, Lang::Fr) => "arrêter, tuer ou geler le processus d'un broker demande le \
                 vrai Apache Kafka que lance le playground (`cargo xtask run --kafka`) ; ici, mettez un broker en panne"
                .to_owned(),
            (ProcessFaultNeedsLocalKafka, Lang::En) => "stopping, crashing or pausing a broker's process needs the \
                 Apache Kafka that the playground starts (`cargo xtask run --kafka`); here, take a broker down"
                .to_owned(),
            (NoSuchBroker { id, max }, Lang::Fr) => {
                format!("il n'y a pas de broker {id} ; le cluster a les brokers 1 à {max}")
            }
            (NoSuchBroker { id, max }, Lang::En) => {
                format!("there is no broker {id}; the cluster has brokers 1 to {max}")
            }
            (NoSuchPartition { topic, max, got }, Lang::Fr) => {
                format!("{topic} a les partitions 0 à {max}, pas {got}")
            }
            (NoSuchPartition { topic, max, got }, Lang::En) => format!("{topic} has partitions 0 to {max}, not {got}"),
            (Kafka { detail }, Lang::Fr) => format!("Kafka : {detail}"),
            (Kafka { detail }, Lang::En) => format!("Kafka: {detail}"),
            (NotConnected, Lang::Fr) => "pas connecté au serveur ; nouvelle tentative…".to_owned(),
            (NotConnected, Lang::En) => "not connected to the server; reconnecting…".to_owned(),
            // Routed elsewhere by `text`: never reached (a test words every problem).
            _ => String::new(),
        }
    }

    /// What the class's server refuses: names, topics, the instructor, limits.
    fn class_text(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (NameInvalid { name, max }, Lang::Fr) => format!(
                "« {name} » ne peut pas être un nom : 1 à {max} lettres (de toute écriture) ou chiffres, avec espaces simples, - _ ' ou ."
            ),
            (NameInvalid { name, max }, Lang::En) => format!(
                "\"{name}\" cannot be a name: 1 to {max} letters (any script) or digits, with single spaces, - _ ' or ."
            ),
            (NameMixedScripts { name }, Lang::Fr) => format!(
                "« {name} » mêle plusieurs écritures (un « а » cyrillique ressemble à un « a » latin) : une écriture par nom"
            ),
            (NameMixedScripts { name }, Lang::En) => {
                format!("\"{name}\" mixes scripts (a Cyrillic \"а\" looks like a Latin \"a\"): one script per name")
            }
            (NameTaken { name }, Lang::Fr) => {
                format!("un autre stagiaire connecté s'appelle déjà {name} (ou un nom qui s'écrit ou se lit pareil)")
            }
            (NameTaken { name }, Lang::En) => {
                format!("another connected trainee is already called {name} (or a name spelt or read the same)")
            }
            (NameNeeded, Lang::Fr) => {
                "entrez d'abord votre nom : sur ce serveur chaque stagiaire a son propre topic".to_owned()
            }
            (NameNeeded, Lang::En) => {
                "enter your name first: on this server each trainee has their own topic".to_owned()
            }
            (NotYourTopic { topic, own }, Lang::Fr) => {
                format!("sur ce serveur vous écrivez dans votre topic {own}, pas dans {topic}")
            }
            (NotYourTopic { topic, own }, Lang::En) => {
                format!("on this server you produce to your own topic {own}, not to {topic}")
            }
            (FaultsByInstructor, Lang::Fr) => {
                "sur ce serveur, c'est le formateur qui déclenche les pannes, pour toute la classe".to_owned()
            }
            (FaultsByInstructor, Lang::En) => {
                "on this server the instructor switches faults on, for the whole class".to_owned()
            }
            (InstructorFaultStays { brokers }, Lang::Fr) => format!(
                "la panne du broker {} est celle du formateur, pour toute la classe : seul le formateur l'annule",
                ids(brokers)
            ),
            (InstructorFaultStays { brokers }, Lang::En) => format!(
                "broker {}'s fault is the instructor's, for the whole class: only the instructor undoes it",
                ids(brokers)
            ),
            (FirstFaultDuringRun, Lang::Fr) => "votre première panne démarre un cluster à vous, que cet envoi en cours ne peut pas rejoindre : attendez sa fin (ou arrêtez-le), puis recommencez".to_owned(),
            (FirstFaultDuringRun, Lang::En) => "your first fault starts a cluster of your own, which the run going on cannot move to: wait for it to end (or stop it), then try again".to_owned(),
            (NoSuchTrainee { id }, Lang::Fr) => format!("aucune session {id} sur ce serveur"),
            (NoSuchTrainee { id }, Lang::En) => format!("no session {id} on this server"),
            (TraineeAway { id }, Lang::Fr) => {
                format!("la page de la session {id} est partie : réessayez quand elle est connectée")
            }
            (TraineeAway { id }, Lang::En) => format!("session {id}'s page is away: try again once it is connected"),
            (InstructorToken, Lang::Fr) => "jeton formateur absent ou faux".to_owned(),
            (InstructorToken, Lang::En) => "missing or wrong instructor token".to_owned(),
            (BroadcastText { max }, Lang::Fr) => format!("un message à la classe fait 1 à {max} caractères"),
            (BroadcastText { max }, Lang::En) => format!("a message to the class is 1 to {max} characters"),
            (OriginRefused { origin, host }, Lang::En) => format!(
                "this server does not answer a page from \"{origin}\" sent to \"{host}\": open the playground at the \
                 address the instructor gave (the instructor adds another one with --public-url)"
            ),
            (OriginRefused { origin, host }, Lang::Fr) => format!(
                "ce serveur ne répond pas à une page venue de « {origin} » envoyée à « {host} » : ouvrez le playground \
                 à l'adresse donnée par le formateur (il en ajoute une autre avec --public-url)"
            ),
            (ClassCode { given: false }, Lang::En) => {
                "this class needs its code: your instructor gives it with the link".to_owned()
            }
            (ClassCode { given: false }, Lang::Fr) => {
                "cette classe demande son code : votre formateur le donne avec le lien".to_owned()
            }
            (ClassCode { given: true }, Lang::En) => {
                "this is not the class's code: check it with your instructor".to_owned()
            }
            (ClassCode { given: true }, Lang::Fr) => {
                "ce n'est pas le code de la classe : vérifiez-le avec votre formateur".to_owned()
            }
            (Limit { limit, max, got }, Lang::En) => {
                format!("this server allows at most {max} {} (limit {limit}), got {got}", limit.words(Lang::En))
            }
            (Limit { limit, max, got }, Lang::Fr) => {
                format!("ce serveur permet au plus {max} {} (limite {limit}), reçu {got}", limit.words(Lang::Fr))
            }

            // Routed elsewhere by `text`: never reached (a test words every problem).
            _ => String::new(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_named_as_serde_writes_it_and_worded_in_both_languages() {
        let mut words = std::collections::BTreeSet::new();
        for limit in Limit::ALL {
            assert_eq!(serde_json::to_value(limit).unwrap(), limit.as_str(), "{limit:?}");
            assert!(words.insert(limit.words(Lang::En)) && words.insert(limit.words(Lang::Fr)), "{limit:?}");
        }
        let misspelt = serde_json::json!({"code": "limit", "limit": "sesions", "max": 1, "got": 2});
        assert!(serde_json::from_value::<Problem>(misspelt).is_err(), "a limit the protocol does not name");
    }

    #[test]
    fn problems_travel_as_codes_with_parameters() {
        let p = Problem::OutOfRange { field: "linger.ms".into(), min: 0, max: 900_000, got: 1_000_000 };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["code"], "out_of_range");
        assert_eq!(json["field"], "linger.ms");
        assert_eq!(serde_json::from_value::<Problem>(json).unwrap(), p);
    }

    #[test]
    fn each_language_has_its_own_words() {
        let p = Problem::IdempotenceNeedsAcksAll;
        assert_eq!(p.text(Lang::En), "enable.idempotence needs acks=all");
        assert_eq!(p.text(Lang::Fr), "enable.idempotence exige acks=all");
        let t = Problem::Template {
            field: "key_template".into(),
            problem: TemplateProblem::Unknown { placeholder: "id".into() },
        };
        assert!(t.text(Lang::Fr).contains("variable inconnue {id}"), "{}", t.text(Lang::Fr));
        assert!(t.to_string().contains("unknown placeholder {id}"));
    }

    #[test]
    fn every_problem_is_worded_in_both_languages() {
        // Every code, made from one set of sample fields (a code ignores the ones it lacks).
        let error = serde_json::from_str::<Problem>(r#"{"code":"~"}"#).unwrap_err().to_string();
        assert!(error.contains("unknown variant `~`") && error.contains("`out_of_range`"), "{error}");
        for code in Problem::CODES {
            let sample = |got: serde_json::Value| {
                serde_json::json!({
                    "code": code, "field": "linger.ms", "min": 0, "max": 5, "got": got, "backoff": 100,
                    "timeout": 10, "linger": 20, "fields": 2, "detail": "why", "topic": "orders.created",
                    "known": "orders.created", "id": 4, "name": "alice", "own": "orders.created.alice",
                    "limit": "rate", "problem": {"kind": "unknown", "placeholder": "id"},
                    "origin": "http://evil.example", "host": "127.0.0.1:3000", "given": true, "brokers": [2]
                })
            };
            let problem = serde_json::from_value::<Problem>(sample(7.into()))
                .or_else(|_| serde_json::from_value::<Problem>(sample("seven".into())))
                .unwrap_or_else(|e| panic!("{code}: {e}"));
            let (en, fr) = (problem.text(Lang::En), problem.text(Lang::Fr));
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{code}: {en} / {fr}");
            // What the derived `Serialize` writes, the written-out `Deserialize` reads back.
            let json = serde_json::to_string(&problem).unwrap();
            assert!(json.starts_with(&format!("{{\"code\":\"{code}\"")), "{json}");
            assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), problem, "{json}");
        }
    }

    #[test]
    fn language_codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("fr-FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_code("de"), None);
    }

    #[test]
    fn a_hint_says_a_problem_in_its_own_words() {
        assert_eq!(
            Problem::FaultsByInstructor.sentence(Lang::En),
            "On this server the instructor switches faults on, for the whole class"
        );
        assert!(Problem::NameNeeded.sentence(Lang::Fr).starts_with("Entrez d'abord votre nom"));
    }
}
