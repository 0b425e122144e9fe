//! The fault buttons: the mock's on the embedded cluster, the brokers' processes on
//! Apache Kafka started by the playground, and each broker's row of them.

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{BrokerProcess, BrokerState, Fault, FaultKind, ProduceError, Shutdown};

use crate::context::Ctx;
use crate::i18n::lang;
use crate::t;

/// A button of a broker's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BrokerAction {
    /// The mock: take it down.
    Down,
    /// The mock: bring it up.
    Up,
    /// Apache Kafka: SIGTERM.
    Stop,
    /// Apache Kafka: SIGKILL.
    Crash,
    /// Apache Kafka: SIGSTOP.
    Pause,
    /// Apache Kafka: SIGCONT.
    Resume,
    /// Apache Kafka: its JVM started again.
    Start,
    /// Apache Kafka: the response to the next produce request it writes is lost.
    LoseResponse,
    /// Apache Kafka: the next produce request to it is lost before it sees it.
    LoseRequest,
}

impl BrokerAction {
    /// The fault it sends for broker `id`.
    pub(crate) fn fault(self, id: i32) -> Fault {
        match self {
            BrokerAction::Down => Fault::BrokerDown { broker: Some(id) },
            BrokerAction::Up => Fault::BrokerUp { broker: Some(id) },
            BrokerAction::Stop => Fault::StopBroker { broker: id, how: Shutdown::Controlled },
            BrokerAction::Crash => Fault::StopBroker { broker: id, how: Shutdown::Crash },
            BrokerAction::Pause => Fault::PauseBroker { broker: id },
            BrokerAction::Resume => Fault::ResumeBroker { broker: id },
            BrokerAction::Start => Fault::StartBroker { broker: id },
            BrokerAction::LoseResponse => Fault::LoseProduceResponses { broker: id, count: 1 },
            BrokerAction::LoseRequest => Fault::LoseProduceRequests { broker: id, count: 1 },
        }
    }

    /// Its name for tests and styles (`data-action`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            BrokerAction::Down => "down",
            BrokerAction::Up => "up",
            BrokerAction::Stop => "stop",
            BrokerAction::Crash => "crash",
            BrokerAction::Pause => "pause",
            BrokerAction::Resume => "resume",
            BrokerAction::Start => "start",
            BrokerAction::LoseResponse => "lose-response",
            BrokerAction::LoseRequest => "lose-request",
        }
    }

    /// The button's words.
    pub(crate) fn label(self, lang: shared::problem::Lang) -> &'static str {
        use shared::problem::Lang::{En, Fr};
        match (self, lang) {
            (BrokerAction::Down, En) => "Take down",
            (BrokerAction::Down, Fr) => "Arrêter",
            (BrokerAction::Up, En) => "Bring up",
            (BrokerAction::Up, Fr) => "Redémarrer",
            (BrokerAction::Stop, En) => "Stop",
            (BrokerAction::Stop, Fr) => "Arrêter",
            (BrokerAction::Crash, En) => "Crash",
            (BrokerAction::Crash, Fr) => "Tuer",
            (BrokerAction::Pause, En) => "Pause",
            (BrokerAction::Pause, Fr) => "Geler",
            (BrokerAction::Resume, En) => "Resume",
            (BrokerAction::Resume, Fr) => "Reprendre",
            (BrokerAction::Start, En) => "Start",
            (BrokerAction::Start, Fr) => "Démarrer",
            (BrokerAction::LoseResponse, En) => "Lose a response",
            (BrokerAction::LoseResponse, Fr) => "Perdre une réponse",
            (BrokerAction::LoseRequest, En) => "Lose a request",
            (BrokerAction::LoseRequest, Fr) => "Perdre une requête",
        }
    }

    /// What it does, for the button's title (the mock's buttons say it in their words).
    pub(crate) fn hint(self, lang: shared::problem::Lang) -> &'static str {
        use shared::problem::Lang::{En, Fr};
        match (self, lang) {
            (BrokerAction::Stop, En) => "SIGTERM: a controlled shutdown; the broker hands its leaders over first.",
            (BrokerAction::Stop, Fr) => "SIGTERM : arrêt contrôlé ; le broker cède d'abord ses partitions leader.",
            (BrokerAction::Crash, En) => {
                "SIGKILL: no goodbye; the controller moves its leaders after broker.session.timeout.ms (9 s)."
            }
            (BrokerAction::Crash, Fr) => {
                "SIGKILL : sans prévenir ; le contrôleur déplace ses leaders après broker.session.timeout.ms (9 s)."
            }
            (BrokerAction::Pause, En) => {
                "SIGSTOP: the process freezes, connections open; fenced after 9 s, out of the ISR after \
                 replica.lag.time.max.ms (10 s here, Kafka's default is 30 s)."
            }
            (BrokerAction::Pause, Fr) => {
                "SIGSTOP : le processus se fige, connexions ouvertes ; exclu après 9 s, hors de l'ISR après \
                 replica.lag.time.max.ms (10 s ici, 30 s par défaut dans Kafka)."
            }
            (BrokerAction::Resume, En) => "SIGCONT: the broker runs again and catches up.",
            (BrokerAction::Resume, Fr) => "SIGCONT : le broker repart et rattrape son retard.",
            (BrokerAction::Start, En) => "Starts the broker's JVM again, on its data as it was left.",
            (BrokerAction::Start, Fr) => "Relance la JVM du broker, sur ses données telles qu'il les a laissées.",
            (BrokerAction::Down, En) => "The mock stops answering as this broker.",
            (BrokerAction::Down, Fr) => "Le mock cesse de répondre pour ce broker.",
            (BrokerAction::Up, En) => "The mock answers as this broker again.",
            (BrokerAction::Up, Fr) => "Le mock répond de nouveau pour ce broker.",
            (BrokerAction::LoseResponse, En) => {
                "The broker writes the next produce request of this playground's producers; its response is lost \
                 with the connection, as in a network cut: the producer retries, and writes the messages twice \
                 unless it is idempotent."
            }
            (BrokerAction::LoseResponse, Fr) => {
                "Le broker écrit la prochaine requête produce des producers de ce playground ; sa réponse se perd \
                 avec la connexion, comme lors d'une coupure réseau : le producer réessaie, et écrit les messages \
                 deux fois s'il n'est pas idempotent."
            }
            (BrokerAction::LoseRequest, En) => {
                "The next produce request to this broker is lost before it sees it; those behind it pass, then the \
                 connection closes: retried, it lands behind them, unless the producer is idempotent."
            }
            (BrokerAction::LoseRequest, Fr) => {
                "La prochaine requête produce vers ce broker se perd avant qu'il la voie ; celles qui suivent \
                 passent, puis la connexion se ferme : réessayée, elle arrive après elles, sauf si le producer est \
                 idempotent."
            }
        }
    }
}

/// The buttons `broker` offers on a cluster taking `faults`.
pub(crate) fn broker_actions(broker: &BrokerState, faults: Option<FaultKind>) -> Vec<BrokerAction> {
    use BrokerAction::*;
    match (faults, broker.process) {
        (None, _) => Vec::new(),
        (Some(FaultKind::Mock), _) if broker.up => vec![Down],
        (Some(FaultKind::Mock), _) => vec![Up],
        (Some(FaultKind::Process), Some(BrokerProcess::Running)) => vec![Stop, Crash, Pause, LoseResponse, LoseRequest],
        (Some(FaultKind::Process), Some(BrokerProcess::Paused)) => vec![Resume, Crash],
        (Some(FaultKind::Process), _) => vec![Start],
    }
}

/// The faults of the cluster, or who switches them.
#[component]
pub(crate) fn FaultButtons() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let kind = Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().and_then(|c| c.faults)));
    let faults = Memo::new(move |_| kind.get() == Some(FaultKind::Mock));
    let processes = Memo::new(move |_| kind.get() == Some(FaultKind::Process));
    // A workshop server where the instructor switches faults for the whole class.
    let instructor_only =
        Memo::new(move |_| ctx.page.with(|p| p.hello.as_ref().is_some_and(|h| !h.limits.trainee_faults)));
    let send = move |fault: Fault| ctx.send(fault.into());
    view! {
        <Show when=move || processes.get()>
            <p class="hint" id="process-faults">
                {t!(
                    "Real Apache Kafka, 3 brokers and a KRaft controller on this machine: each broker's buttons signal its process. Stop (SIGTERM) hands leaders over at once; Crash (SIGKILL) leaves them leaderless until the controller gives up on the broker after broker.session.timeout.ms (9 s); Pause (SIGSTOP) freezes it: fenced after 9 s, out of the in-sync replicas after replica.lag.time.max.ms (10 s here, 30 s by default).",
                    "Un vrai Apache Kafka, 3 brokers et un contrôleur KRaft sur cette machine : les boutons d'un broker envoient un signal à son processus. Arrêter (SIGTERM) cède les leaders aussitôt ; Tuer (SIGKILL) les laisse sans leader jusqu'à ce que le contrôleur renonce au broker après broker.session.timeout.ms (9 s) ; Geler (SIGSTOP) le fige : exclu après 9 s, hors des réplicas synchronisés après replica.lag.time.max.ms (10 s ici, 30 s par défaut)."
                )}
            </p>
            <div class="faults" role="group" aria-label=t!("Faults", "Pannes")>
                <button id="reset-faults" on:click=move |_| send(Fault::ResetFaults)>
                    {t!("Every broker running", "Tous les brokers en marche")}
                </button>
            </div>
        </Show>
        <Show when=move || faults.get() && instructor_only.get()>
            <p class="hint" id="faults-by-instructor">
                // The refusal's own words, said before a button is pressed.
                {move || Problem::FaultsByInstructor.sentence(lang())}
                {t!(": watch what they do to your producer.", " : observez leur effet sur votre producer.")}
            </p>
        </Show>
        <Show
            when=move || faults.get() && !instructor_only.get()
            fallback=move || {
                if kind.get().is_some() {
                    return ().into_any();
                }
                view! {
                    <p class="hint">
                        {t!(
                            "Faults are for the embedded cluster. On a real cluster, stop a broker yourself (for example ",
                            "Les pannes sont pour le cluster embarqué. Sur un vrai cluster, arrêtez un broker vous-même (par exemple "
                        )}
                        <code>"docker compose stop kafka-2"</code>
                        {t!(") and watch the producer here.", ") et observez le producer ici.")}
                    </p>
                }
                .into_any()
            }
        >
            <div class="faults" role="group" aria-label=t!("Faults", "Pannes")>
                <button id="all-brokers-down" on:click=move |_| send(Fault::BrokerDown { broker: None })>
                    {t!("All brokers down", "Arrêter tous les brokers")}
                </button>
                <button id="all-brokers-up" on:click=move |_| send(Fault::BrokerUp { broker: None })>
                    {t!("All brokers up", "Redémarrer tous les brokers")}
                </button>
                <button id="add-latency" on:click=move |_| send(Fault::SetRoundTripTime { broker: None, ms: 200 })>
                    {t!("+200 ms latency", "+200 ms de latence")}
                </button>
                <button
                    id="inject-errors"
                    title=t!(
                        "The next 3 produce requests are refused with NOT_ENOUGH_REPLICAS: the producer retries them.",
                        "Les 3 prochaines requêtes produce sont refusées avec NOT_ENOUGH_REPLICAS : le producer les réessaie."
                    )
                    on:click=move |_| send(Fault::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 })
                >
                    {t!("Inject 3 NOT_ENOUGH_REPLICAS", "Injecter 3 NOT_ENOUGH_REPLICAS")}
                </button>
                <button id="reset-faults" on:click=move |_| send(Fault::ResetFaults)>
                    {t!("Reset", "Réinitialiser")}
                </button>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(up: bool, process: Option<BrokerProcess>) -> BrokerState {
        BrokerState { id: 2, up, rtt_ms: 0, process }
    }

    #[test]
    fn each_cluster_offers_only_its_own_faults() {
        use BrokerAction::*;
        assert!(broker_actions(&broker(true, None), None).is_empty(), "an external cluster: none");
        assert_eq!(broker_actions(&broker(true, None), Some(FaultKind::Mock)), [Down]);
        assert_eq!(broker_actions(&broker(false, None), Some(FaultKind::Mock)), [Up]);
        let running = broker_actions(&broker(true, Some(BrokerProcess::Running)), Some(FaultKind::Process));
        assert_eq!(running, [Stop, Crash, Pause, LoseResponse, LoseRequest]);
        assert_eq!(LoseResponse.fault(3), Fault::LoseProduceResponses { broker: 3, count: 1 });
        assert_eq!(Crash.fault(2), Fault::StopBroker { broker: 2, how: Shutdown::Crash });
        assert_eq!(Stop.fault(2), Fault::StopBroker { broker: 2, how: Shutdown::Controlled });
        let paused = broker_actions(&broker(true, Some(BrokerProcess::Paused)), Some(FaultKind::Process));
        assert_eq!(paused, [Resume, Crash]);
        let stopped = broker_actions(&broker(false, Some(BrokerProcess::Stopped)), Some(FaultKind::Process));
        assert_eq!(stopped, [Start]);
        for action in [Down, Up, Stop, Crash, Pause, Resume, Start, LoseResponse, LoseRequest] {
            use shared::problem::Lang::{En, Fr};
            assert_ne!(action.label(En), action.label(Fr));
            assert_ne!(action.hint(En), action.hint(Fr));
        }
    }
}
