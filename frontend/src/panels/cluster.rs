//! The cluster: which cluster this is, its brokers, and (embedded) the fault buttons.

use leptos::prelude::*;
use shared::protocol::{ClusterMode, Command, ProduceError};

use crate::app::Ctx;

/// Mode, bootstrap address and a ready kcat command, under the page's title.
#[component]
pub fn ClusterLine() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Memos: deliveries streaming into the page must not redraw what did not change.
    let hello = Memo::new(move |_| ctx.page.with(|p| p.hello.clone()));
    view! {
        <div id="cluster-line" class="cluster-line">
            {move || match hello.get() {
                None => view! { <span>"Waiting for the server…"</span> }.into_any(),
                Some(h) => {
                    let mode = match h.mode {
                        ClusterMode::Embedded => "Embedded cluster (librdkafka mock)",
                        ClusterMode::External => "Kafka cluster",
                    };
                    let kcat = format!("kcat -b {} -C -t orders.created -f '%p:%o %k %s\\n'", h.bootstrap_servers);
                    view! {
                        <span class="mode">{mode}</span>
                        <span>{format!("{} brokers", h.brokers.len())}</span>
                        <span>"bootstrap " <code id="bootstrap">{h.bootstrap_servers.clone()}</code></span>
                        <span class="tools">"Use your own tools: " <code id="kcat">{kcat}</code></span>
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
    let send = move |command: Command| ctx.send(command);
    view! {
        <section class="panel" id="cluster">
            <h2>"Cluster"</h2>
            <table class="brokers">
                <thead>
                    <tr>
                        <th>"Broker"</th>
                        <th>"State"</th>
                        <th>"Added delay"</th>
                        <th>"Producer sees"</th>
                        <th>"Leads"</th>
                        <Show when=move || faults.get()>
                            <th>"Fault"</th>
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
                                let seen = measured
                                    .map(|(state, rtt)| format!("{state}, rtt {:.1} ms", rtt as f64 / 1000.0))
                                    .unwrap_or_else(|| "no producer yet".into());
                                view! {
                                    <tr class="broker" data-broker=id.to_string() class:down=!up>
                                        <td>{id}</td>
                                        <td class="state">{if up { "up" } else { "down" }}</td>
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
                                                                Command::BrokerDown { broker: Some(id) }
                                                            } else {
                                                                Command::BrokerUp { broker: Some(id) }
                                                            },
                                                        )
                                                    }
                                                >
                                                    {if up { "Take down" } else { "Bring up" }}
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
            <Show
                when=move || faults.get()
                fallback=|| {
                    view! {
                        <p class="hint">
                            "Faults are for the embedded cluster. On a real cluster, stop a broker yourself "
                            "(for example " <code>"docker compose stop kafka-2"</code> ") and watch the producer here."
                        </p>
                    }
                }
            >
                <div class="faults" role="group" aria-label="Faults">
                    <button id="all-brokers-down" on:click=move |_| send(Command::BrokerDown { broker: None })>
                        "All brokers down"
                    </button>
                    <button id="all-brokers-up" on:click=move |_| send(Command::BrokerUp { broker: None })>
                        "All brokers up"
                    </button>
                    <button id="add-latency" on:click=move |_| send(Command::SetRoundTripTime { broker: None, ms: 200 })>
                        "+200 ms latency"
                    </button>
                    <button
                        id="inject-errors"
                        title="The next 3 produce requests are refused with NOT_ENOUGH_REPLICAS: the producer retries them."
                        on:click=move |_| send(Command::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 })
                    >
                        "Inject 3 NOT_ENOUGH_REPLICAS"
                    </button>
                    <button id="reset-faults" on:click=move |_| send(Command::ResetFaults)>
                        "Reset"
                    </button>
                </div>
            </Show>
        </section>
    }
}
