//! The cluster: which cluster this is, its brokers, and (embedded) the fault buttons.

use leptos::prelude::*;
use shared::protocol::{ClusterMode, Fault, ProduceError};

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
    view! {
        <div id="cluster-line" class="cluster-line">
            {move || match hello.get() {
                None => view! { <span>{t!("Waiting for the server…", "En attente du serveur…")}</span> }.into_any(),
                Some(h) => {
                    let mode = move || match h.mode {
                        ClusterMode::Embedded => t!(lang(); "Embedded cluster (librdkafka mock)", "Cluster embarqué (mock librdkafka)"),
                        ClusterMode::External => t!(lang(); "Kafka cluster", "Cluster Kafka"),
                    };
                    let brokers = h.brokers.len();
                    let bootstrap = h.bootstrap_servers.clone();
                    let kcat = move || {
                        // The trainee's own topic when they have one.
                        let topic = own_topic.get().unwrap_or_else(|| shared::lab::TOPIC.to_owned());
                        format!("kcat -b {bootstrap} -C -t {topic} -f '%p:%o %k %s\\n'")
                    };
                    view! {
                        <span class="mode">{mode}</span>
                        <span>{format!("{brokers} brokers")}</span>
                        <span>"bootstrap " <code id="bootstrap">{h.bootstrap_servers.clone()}</code></span>
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
            <FaultButtons />
        </section>
    }
}

/// Each broker: up or down, the partitions it leads, and what the producer measures of it.
#[component]
fn BrokerTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let faults = Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().is_some_and(|c| c.faults_available)));
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
                    <th>{t!("Added delay", "Délai ajouté")}</th>
                    <th>{t!("Producer sees", "Vu du producer")}</th>
                    <th>{t!("Leads", "Leader de")}</th>
                    <Show when=move || faults.get()>
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
                            let seen = move || {
                                measured.clone().map_or_else(
                                    || t!(lang(); "no producer yet", "pas encore de producer"),
                                    |(state, rtt)| format!("{state}, rtt {:.1} ms", rtt as f64 / 1000.0),
                                )
                            };
                            view! {
                                <tr class="broker" data-broker=id.to_string() class:down=!up>
                                    <td>{id}</td>
                                    <td class="state">{move || if up { t!(lang(); "up", "en marche") } else { t!(lang(); "down", "arrêté") }}</td>
                                    <td>{format!("{} ms", broker.rtt_ms)}</td>
                                    <td class="seen">{seen}</td>
                                    <td class="leads">{leads}</td>
                                    <Show when=move || faults.get()>
                                        <td>
                                            <button
                                                class="small"
                                                on:click=move |_| {
                                                    send(
                                                        if up {
                                                            Fault::BrokerDown { broker: Some(id) }
                                                        } else {
                                                            Fault::BrokerUp { broker: Some(id) }
                                                        },
                                                    )
                                                }
                                            >
                                                {move || if up { t!(lang(); "Take down", "Arrêter") } else { t!(lang(); "Bring up", "Redémarrer") }}
                                            </button>
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

/// The faults of the embedded cluster, or who switches them.
#[component]
fn FaultButtons() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let faults = Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().is_some_and(|c| c.faults_available)));
    // A workshop server where the instructor switches faults for the whole class.
    let instructor_only =
        Memo::new(move |_| ctx.page.with(|p| p.hello.as_ref().is_some_and(|h| !h.limits.trainee_faults)));
    let send = move |fault: Fault| ctx.send(fault.into());
    view! {
        <Show when=move || faults.get() && instructor_only.get()>
            <p class="hint" id="faults-by-instructor">
                {t!(
                    "On this server the instructor switches faults on, for the whole class: watch what they do to your producer.",
                    "Sur ce serveur, c'est le formateur qui déclenche les pannes, pour toute la classe : observez leur effet sur votre producer."
                )}
            </p>
        </Show>
        <Show
            when=move || faults.get() && !instructor_only.get()
            fallback=move || {
                if faults.get() {
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
