//! Faults for the whole class (every trainee's own cluster too), and a partition
//! leader moved.
use leptos::prelude::*;
use shared::protocol::{Fault, ProduceError};

use super::Console;
use crate::i18n::lang;
use crate::t;

/// The embedded cluster's faults, for the whole class.
#[component]
pub(super) fn ClassFaults(
    console: Console,
    faults: Option<shared::protocol::FaultKind>,
    brokers: Vec<shared::protocol::BrokerState>,
    partitions: usize,
) -> impl IntoView {
    let ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
    // Apache Kafka started by the playground: each broker's process, as on a trainee's page.
    let processes = brokers.clone();
    let process_buttons = move || {
        let rows = processes.clone().into_iter().map(|b| {
            let id = b.id;
            let state = crate::panels::cluster::broker_state(&b);
            let actions = crate::panels::faults::broker_actions(&b, faults);
            view! {
                <div class="broker-actions" data-broker=id>
                    <span>{move || format!("Broker {id}: {}", state.words(lang()))}</span>
                    {actions
                        .into_iter()
                        .map(|action| {
                            view! {
                                <button class="small" data-action=action.name() title=move || action.hint(lang()) on:click=move |_| console.fault(action.fault(id))>
                                    {move || action.label(lang())}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
        });
        view! {
            <div class="brokers">
                {rows.collect_view()}
                <button class="small" id="class-reset" on:click=move |_| console.fault(Fault::ResetFaults)>
                    {t!("Every broker running", "Tous les brokers en marche")}
                </button>
            </div>
        }
    };
    let buttons = move || {
        let each = brokers.clone().into_iter().map(|b| {
            let id = b.id;
            let (label, fault) = if b.up {
                (t!(lang(); "Broker {id} ↓", "Broker {id} ↓"), Fault::BrokerDown { broker: Some(id) })
            } else {
                (t!(lang(); "Broker {id} ↑", "Broker {id} ↑"), Fault::BrokerUp { broker: Some(id) })
            };
            view! {
                <button class="small" data-broker=id class:down=!b.up on:click=move |_| console.fault(fault.clone())>{label}</button>
            }
        });
        view! {
            <div class="brokers">
                {each.collect_view()}
                <button class="small" id="class-all-down" on:click=move |_| console.fault(Fault::BrokerDown { broker: None })>
                    {t!("Every broker down", "Tous les brokers arrêtés")}
                </button>
                <button class="small" id="class-latency" on:click=move |_| console.fault(Fault::SetRoundTripTime { broker: None, ms: 200 })>
                    {t!("+200 ms latency", "+200 ms de latence")}
                </button>
                <button
                    class="small"
                    id="class-inject-errors"
                    title=t!(
                        "The next 3 produce requests are refused with NOT_ENOUGH_REPLICAS: the producers retry them.",
                        "Les 3 prochaines requêtes produce sont refusées avec NOT_ENOUGH_REPLICAS : les producers les réessaient."
                    )
                    on:click=move |_| console.fault(Fault::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 })
                >
                    {t!("Inject 3 NOT_ENOUGH_REPLICAS", "Injecter 3 NOT_ENOUGH_REPLICAS")}
                </button>
                <button class="small" id="class-reset" on:click=move |_| console.fault(Fault::ResetFaults)>
                    {t!("Reset faults", "Réinitialiser les pannes")}
                </button>
            </div>
            <LeaderMove console=console partitions=partitions brokers=ids.clone() />
        }
    };
    view! {
        <section class="panel" id="class-faults">
            <h2>{t!("Faults for the whole class", "Pannes pour toute la classe")}</h2>
            {if faults == Some(shared::protocol::FaultKind::Mock) {
                buttons().into_any()
            } else if faults == Some(shared::protocol::FaultKind::Process) {
                process_buttons().into_any()
            } else {
                view! { <p class="hint">{t!("A real Kafka cluster: stop a broker with docker compose stop kafka-2.", "Un vrai cluster Kafka : arrêtez un broker avec docker compose stop kafka-2.")}</p> }.into_any()
            }}
        </section>
    }
}

/// Moves a partition's leader to another broker, for the whole class: the producers get
/// NOT_LEADER_FOR_PARTITION, refresh their metadata and send to the new leader.
#[component]
fn LeaderMove(console: Console, partitions: usize, brokers: Vec<i32>) -> impl IntoView {
    let partition = RwSignal::new(0_i32);
    let broker = RwSignal::new(brokers.first().copied().unwrap_or(1));
    view! {
        <form class="leader-move" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            console.fault(Fault::MovePartitionLeader { partition: partition.get_untracked(), broker: broker.get_untracked() });
        }>
            <label for="move-partition">{t!("Move the leader of", "Déplacer le leader de")}</label>
            <select id="move-partition" on:change=move |ev| partition.set(event_target_value(&ev).parse().unwrap_or(0))>
                {(0..partitions as i32).map(|p| view! { <option value=p.to_string()>{format!("P{p}")}</option> }).collect_view()}
            </select>
            <label for="move-broker">{t!("to broker", "vers le broker")}</label>
            <select id="move-broker" on:change=move |ev| broker.set(event_target_value(&ev).parse().unwrap_or(1))>
                {brokers.iter().map(|b| view! { <option value=b.to_string()>{b.to_string()}</option> }).collect_view()}
            </select>
            <button class="small" id="class-move-leader" type="submit">{t!("Move", "Déplacer")}</button>
        </form>
    }
}
