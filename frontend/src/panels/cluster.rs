//! The cluster: which cluster this is, who set the faults it shows, its brokers and the
//! in-sync replicas of a real cluster. Its fault buttons are in `faults.rs`.

use leptos::prelude::*;
use shared::protocol::{BrokerProcess, BrokerState, ClusterMode, Fault, FaultKind, SetBy};

use super::faults::{FaultButtons, broker_actions};
use crate::context::Ctx;
use crate::i18n::lang;
use crate::t;

/// Mode, bootstrap address and a ready kcat command, under the page's title.
#[component]
pub fn ClusterLine() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Memos: deliveries streaming into the page must not redraw what did not change.
    let hello = Memo::new(move |_| ctx.page.with(|p| p.hello.clone()));
    let own_topic = Memo::new(move |_| ctx.page.with(|p| p.joined.as_ref().and_then(|j| j.1.clone())));
    // The trainee's own cluster, once their first fault started one.
    let own_bootstrap = Memo::new(move |_| {
        ctx.page.with(|p| p.cluster.as_ref().and_then(|c| c.own.as_ref()).map(|o| o.bootstrap_servers.clone()))
    });
    view! {
        <div id="cluster-line" class="cluster-line">
            {move || match hello.get() {
                None => view! { <span>{t!("Waiting for the server…", "En attente du serveur…")}</span> }.into_any(),
                Some(h) => {
                    let mode = move || match h.mode {
                        ClusterMode::Embedded => t!(lang(); "Embedded cluster (librdkafka mock)", "Cluster embarqué (mock librdkafka)"),
                        ClusterMode::External => t!(lang(); "Kafka cluster", "Cluster Kafka"),
                        ClusterMode::Local => t!(lang(); "Apache Kafka on this machine (KRaft)", "Apache Kafka sur cette machine (KRaft)"),
                    };
                    let brokers = h.brokers.len();
                    let class_bootstrap = h.bootstrap_servers.clone();
                    let bootstrap = Signal::derive(move || own_bootstrap.get().unwrap_or_else(|| class_bootstrap.clone()));
                    let kcat = move || {
                        // The trainee's own topic when they have one.
                        let topic = own_topic.get().unwrap_or_else(|| shared::lab::TOPIC.to_owned());
                        format!("kcat -b {} -C -t {topic} -f '%p:%o %k %s\\n'", bootstrap.get())
                    };
                    view! {
                        <span class="mode">{mode}</span>
                        <span>{format!("{brokers} brokers")}</span>
                        <span>"bootstrap " <code id="bootstrap">{bootstrap}</code></span>
                        <span class="tools">{t!("Use your own tools: ", "Vos propres outils : ")} <code id="kcat">{kcat}</code></span>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

/// Brokers with their state and round-trip time; on the embedded cluster, the faults.
#[component]
pub fn ClusterPanel() -> impl IntoView {
    view! {
        <section class="panel" id="cluster">
            <h2>{t!("Cluster", "Cluster")}</h2>
            <BrokerTable />
            <FaultScope />
            <IsrTable />
            <FaultButtons />
        </section>
    }
}

/// Whose faults the page sees, and whom its own faults touch.
#[component]
fn FaultScope() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let scope = Memo::new(move |_| {
        ctx.page.with(|p| {
            let trainee_faults = p.hello.as_ref().is_some_and(|h| h.limits.trainee_faults);
            p.cluster.as_ref().map(|c| (c.faults, c.own.clone(), c.set_by.clone(), trainee_faults))
        })
    });
    move || {
        let (kind, own, set_by, trainee_faults) = scope.get()?;
        let text = fault_scope(kind, own.as_ref(), set_by.as_ref(), trainee_faults, lang())?;
        Some(view! { <p class="hint" id="fault-scope" class:own=own.is_some()>{text}</p> })
    }
}

/// What the page says of whose faults it sees: on a trainee's own cluster, that theirs
/// touch their runs only and which brokers hold the instructor's; on the class's
/// embedded cluster, that a first fault starts a cluster of their own; on brokers
/// everyone shares, who switched the last fault on.
pub(crate) fn fault_scope(
    kind: Option<FaultKind>,
    own: Option<&shared::protocol::OwnCluster>,
    set_by: Option<&SetBy>,
    trainee_faults: bool,
    lang: shared::problem::Lang,
) -> Option<String> {
    let by = |set_by: &SetBy| match set_by {
        SetBy::Instructor => t!(lang; "the instructor, for the whole class", "le formateur, pour toute la classe"),
        SetBy::Trainee(Some(name)) => name.clone(),
        SetBy::Trainee(None) => t!(lang; "a trainee with no name yet", "un stagiaire encore sans nom"),
    };
    if let Some(own) = own {
        let mut text = t!(lang;
            "Your own cluster ({}), started by your first fault: your faults change your runs only.",
            "Votre propre cluster ({}), démarré par votre première panne : vos pannes ne changent que vos envois.",
            own.bootstrap_servers);
        if !own.instructor_brokers.is_empty() {
            let ids = own.instructor_brokers.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
            text += &t!(lang;
                " Broker {}: the instructor's fault, for the whole class; only the instructor undoes it.",
                " Broker {} : panne du formateur, pour toute la classe ; seul le formateur l'annule.",
                ids);
        }
        return Some(text);
    }
    match kind? {
        FaultKind::Mock => {
            let mut text = if trainee_faults {
                t!(lang;
                    "The class's cluster. Your first fault starts a cluster of your own, where your next runs go: it costs no one else a run.",
                    "Le cluster de la classe. Votre première panne démarre un cluster à vous, où vont vos envois suivants : elle ne coûte rien aux autres.")
            } else {
                String::new()
            };
            if let Some(set_by) = set_by {
                text +=
                    &t!(lang; " Last fault here switched by {}.", " Dernière panne ici déclenchée par {}.", by(set_by));
            }
            (!text.is_empty()).then(|| text.trim_start().to_owned())
        }
        FaultKind::Process => set_by.map(|set_by| {
            t!(lang;
                "Last fault switched by {}: these brokers are everyone's on this server.",
                "Dernière panne déclenchée par {} : ces brokers sont ceux de tous sur ce serveur.",
                by(set_by))
        }),
    }
}

/// Each broker: up or down, the partitions it leads, and what the producer measures of it.
#[component]
fn BrokerTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let faults = Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().and_then(|c| c.faults)));
    let brokers = Memo::new(move |_| {
        ctx.page.with(|p| {
            let Some(cluster) = &p.cluster else { return Vec::new() };
            cluster
                .brokers
                .iter()
                .map(|b| {
                    let measured = p
                        .producer_stats
                        .as_ref()
                        .and_then(|s| s.brokers.iter().find(|m| m.id == b.id))
                        .map(|m| (m.state.clone(), m.rtt_avg_us));
                    let leads: Vec<String> = cluster
                        .leaders
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| **l == b.id)
                        .map(|(p, _)| format!("P{p}"))
                        .collect();
                    (b.clone(), measured, leads.join(" "))
                })
                .collect::<Vec<_>>()
        })
    });
    let send = move |fault: Fault| ctx.send(fault.into());
    view! {
        <table class="brokers">
            <thead>
                <tr>
                    <th>"Broker"</th>
                    <th>{t!("State", "État")}</th>
                    <Show when=move || faults.get() == Some(FaultKind::Mock)>
                        <th>{t!("Added delay", "Délai ajouté")}</th>
                    </Show>
                    <th>{t!("Producer sees", "Vu du producer")}</th>
                    <th>{t!("Leads", "Leader de")}</th>
                    <Show when=move || faults.get().is_some()>
                        <th>{t!("Fault", "Panne")}</th>
                    </Show>
                </tr>
            </thead>
            <tbody>
                {move || {
                    brokers
                        .get()
                        .into_iter()
                        .map(|(broker, measured, leads)| {
                            let id = broker.id;
                            let up = broker.up;
                            let state = broker_state(&broker);
                            let seen = move || {
                                measured.clone().map_or_else(
                                    || t!(lang(); "no producer yet", "pas encore de producer"),
                                    |(state, rtt)| format!("{state}, rtt {:.1} ms", rtt as f64 / 1000.0),
                                )
                            };
                            view! {
                                <tr class="broker" data-broker=id.to_string() class:down=!up>
                                    <td>{id}</td>
                                    <td class="state">{move || state.words(lang()).to_owned()}</td>
                                    // The mock's added delay: nothing a real broker has.
                                    <Show when=move || faults.get() == Some(FaultKind::Mock)>
                                        <td>{format!("{} ms", broker.rtt_ms)}</td>
                                    </Show>
                                    <td class="seen">{seen}</td>
                                    <td class="leads">{leads}</td>
                                    <Show when=move || faults.get().is_some()>
                                        <td class="actions">
                                            {broker_actions(&broker, faults.get())
                                                .into_iter()
                                                .map(|action| {
                                                    view! {
                                                        <button class="small" data-action=action.name() title=move || action.hint(lang()) on:click=move |_| send(action.fault(id))>
                                                            {move || action.label(lang())}
                                                        </button>
                                                    }
                                                })
                                                .collect_view()}
                                        </td>
                                    </Show>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}

/// Each partition of the lab's topic on a real cluster: its leader and its in-sync
/// replicas, as the cluster's metadata says (read every 2 s).
#[component]
fn IsrTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let partitions = Memo::new(move |_| {
        ctx.page.with(|p| {
            let Some(cluster) = &p.cluster else { return Vec::new() };
            let brokers = cluster.brokers.len();
            cluster
                .isr
                .iter()
                .enumerate()
                .map(|(partition, isr)| {
                    let leader = cluster.leaders.get(partition).copied().unwrap_or(-1);
                    let ids: Vec<String> = isr.iter().map(i32::to_string).collect();
                    (partition, leader, ids.join(", "), isr.len() < brokers)
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || !partitions.with(Vec::is_empty)>
            <table class="brokers isr" id="isr">
                <caption>
                    {t!(
                        "In-sync replicas of orders.created, as the cluster's metadata says. With acks=all a write needs min.insync.replicas (2) of them: a partition with fewer refuses it (NOT_ENOUGH_REPLICAS).",
                        "Réplicas synchronisés (ISR) de orders.created, tels que les métadonnées du cluster les donnent. Avec acks=all, une écriture en exige min.insync.replicas (2) : une partition qui en a moins la refuse (NOT_ENOUGH_REPLICAS)."
                    )}
                </caption>
                <thead>
                    <tr>
                        <th>"Partition"</th>
                        <th>"Leader"</th>
                        <th>{t!("In-sync replicas", "Réplicas synchronisés")}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        partitions
                            .get()
                            .into_iter()
                            .map(|(partition, leader, isr, short)| {
                                let leader = move || if leader < 0 { t!(lang(); "none", "aucun") } else { leader.to_string() };
                                view! {
                                    <tr data-partition=partition class:short=short>
                                        <td>{format!("P{partition}")}</td>
                                        <td class="leader">{leader}</td>
                                        <td class="in-sync">{isr}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </Show>
    }
}

/// A broker's state in words: up or down on the embedded cluster, and on Apache Kafka
/// its process and whether the cluster's metadata lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BrokerWords {
    /// In the metadata (or up on the mock).
    Up,
    /// Out of it (or down on the mock).
    Down,
    /// Its process runs, and the metadata does not list it yet: starting.
    Starting,
    /// Frozen, still listed until the controller fences it.
    PausedListed,
    /// Frozen and fenced.
    PausedFenced,
    /// Its process has stopped.
    Stopped,
}

impl BrokerWords {
    /// In `lang`.
    pub(crate) fn words(self, lang: shared::problem::Lang) -> &'static str {
        use shared::problem::Lang::{En, Fr};
        match (self, lang) {
            (BrokerWords::Up, En) => "up",
            (BrokerWords::Up, Fr) => "en marche",
            (BrokerWords::Down, En) => "down",
            (BrokerWords::Down, Fr) => "arrêté",
            (BrokerWords::Starting, En) => "starting",
            (BrokerWords::Starting, Fr) => "démarre",
            (BrokerWords::PausedListed, En) => "paused (not yet fenced)",
            (BrokerWords::PausedListed, Fr) => "gelé (pas encore exclu)",
            (BrokerWords::PausedFenced, En) => "paused, fenced",
            (BrokerWords::PausedFenced, Fr) => "gelé, exclu",
            (BrokerWords::Stopped, En) => "stopped",
            (BrokerWords::Stopped, Fr) => "arrêté",
        }
    }
}

/// What the page says of `broker`.
pub(crate) fn broker_state(broker: &BrokerState) -> BrokerWords {
    match (broker.process, broker.up) {
        (None | Some(BrokerProcess::Running), true) => BrokerWords::Up,
        (None, false) => BrokerWords::Down,
        (Some(BrokerProcess::Running), false) => BrokerWords::Starting,
        (Some(BrokerProcess::Paused), true) => BrokerWords::PausedListed,
        (Some(BrokerProcess::Paused), false) => BrokerWords::PausedFenced,
        (Some(BrokerProcess::Stopped), _) => BrokerWords::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use shared::problem::Lang;
    use shared::protocol::OwnCluster;

    use super::*;

    #[test]
    fn the_page_says_whose_faults_it_sees_and_whom_its_own_touch() {
        let own = OwnCluster { bootstrap_servers: "127.0.0.1:4000".into(), instructor_brokers: vec![2] };
        let text = fault_scope(Some(FaultKind::Mock), Some(&own), None, true, Lang::En).unwrap();
        assert!(text.contains("Your own cluster (127.0.0.1:4000)") && text.contains("your runs only"), "{text}");
        assert!(text.contains("Broker 2: the instructor's fault"), "{text}");
        let text = fault_scope(Some(FaultKind::Mock), None, Some(&SetBy::Instructor), true, Lang::Fr).unwrap();
        assert!(
            text.starts_with("Le cluster de la classe") && text.ends_with("par le formateur, pour toute la classe."),
            "{text}"
        );
        let zoe = SetBy::Trainee(Some("Zoé".into()));
        let text = fault_scope(Some(FaultKind::Process), None, Some(&zoe), true, Lang::En).unwrap();
        assert_eq!(text, "Last fault switched by Zoé: these brokers are everyone's on this server.");
        // Nothing to say: an external cluster, or shared brokers nobody faulted yet.
        assert_eq!(fault_scope(None, None, None, true, Lang::En), None);
        assert_eq!(fault_scope(Some(FaultKind::Process), None, None, true, Lang::En), None);
    }

    fn broker(up: bool, process: Option<BrokerProcess>) -> BrokerState {
        BrokerState { id: 2, up, rtt_ms: 0, process }
    }

    #[test]
    fn a_paused_broker_is_told_apart_from_a_stopped_one() {
        assert_eq!(broker_state(&broker(true, None)), BrokerWords::Up);
        assert_eq!(broker_state(&broker(false, None)), BrokerWords::Down);
        assert_eq!(broker_state(&broker(false, Some(BrokerProcess::Running))), BrokerWords::Starting);
        assert_eq!(broker_state(&broker(true, Some(BrokerProcess::Paused))), BrokerWords::PausedListed);
        assert_eq!(broker_state(&broker(false, Some(BrokerProcess::Paused))), BrokerWords::PausedFenced);
        assert_eq!(broker_state(&broker(false, Some(BrokerProcess::Stopped))), BrokerWords::Stopped);
    }
}
