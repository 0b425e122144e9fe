//! The delivery table: one row per delivery report, virtualized so 100,000 rows scroll
//! smoothly, filtered by partition and outcome; a row opens its details, read back from
//! the cluster, with Resend and Edit as new.

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{Command, ErrorName, Persistence};
use shared::template::iso8601;
use wasm_bindgen::JsCast;

use super::acks::AcksFlow;
use crate::context::Ctx;
use crate::i18n::lang;
use crate::model::{Filter, Row};
use crate::t;

/// Height of a row, in pixels (the CSS sets the same).
const ROW_H: f64 = 28.0;
/// Height of the scrolling area, in pixels (the CSS sets the same).
const VIEW_H: f64 = 392.0;
/// Rows drawn above and below the visible ones.
const OVERSCAN: usize = 8;

/// The rows drawn now: the first one's index, how many pass the filter, and each with its
/// run and whether it went where the preview said.
type Window = (usize, usize, Vec<(u64, Row, Option<bool>)>);

/// The rows of the run, a window at a time.
#[component]
pub fn DeliveryTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let filter = RwSignal::new(Filter::default());
    let scroll_top = RwSignal::new(0.0_f64);
    let selected = RwSignal::new(None::<Row>);
    let window = Memo::new(move |_| {
        let first = ((scroll_top.get() / ROW_H) as usize).saturating_sub(OVERSCAN);
        let len = (VIEW_H / ROW_H) as usize + 2 * OVERSCAN;
        ctx.page.with(|p| {
            let run = p.run.as_ref();
            let (total, rows) = run.map(|r| r.window(filter.get(), first, len)).unwrap_or_default();
            let rows: Vec<_> = rows
                .into_iter()
                .map(|row| {
                    let predicted = p.as_predicted(&row);
                    (run.map_or(0, |r| r.run), row, predicted)
                })
                .collect();
            (first, total, rows)
        })
    });
    view! {
        <section class="panel" id="deliveries">
            <h2>{t!("Delivery reports", "Rapports de livraison")}</h2>
            <DeliveryFilters filter=filter window=window />
            <DeliveryRows window=window scroll_top=scroll_top selected=selected />
            {move || selected.get().map(|row| view! { <Details row=row on_close=move || selected.set(None) /> })}
        </section>
    }
}

/// The filters: by partition and by outcome.
#[component]
fn DeliveryFilters(filter: RwSignal<Filter>, window: Memo<Window>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let partitions = Memo::new(move |_| ctx.page.with(|p| p.partitions()));
    view! {
        <div class="filters">
            <label>
                {t!("Partition ", "Partition ")}
                <select
                    id="filter-partition"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        filter.update(|f| f.partition = v.parse().ok());
                    }
                >
                    <option value="all">{t!("all", "toutes")}</option>
                    {move || {
                        (0..partitions.get())
                            .map(|p| view! { <option value=p.to_string()>{p.to_string()}</option> })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>
                {t!("Outcome ", "Résultat ")}
                <select
                    id="filter-outcome"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        filter.update(|f| {
                            f.delivered = match v.as_str() {
                                "delivered" => Some(true),
                                "failed" => Some(false),
                                _ => None,
                            }
                        });
                    }
                >
                    <option value="all">{t!("all", "tous")}</option>
                    <option value="delivered">{t!("delivered", "livrés")}</option>
                    <option value="failed">{t!("failed", "en échec")}</option>
                </select>
            </label>
            <span id="rows-shown" class="hint">{move || t!(lang(); "{} rows", "{} lignes", window.get().1)}</span>
        </div>
    }
}

/// The rows that pass the filter, drawn a window at a time; a row opens its details.
#[component]
fn DeliveryRows(window: Memo<Window>, scroll_top: RwSignal<f64>, selected: RwSignal<Option<Row>>) -> impl IntoView {
    view! {
        <div
            class="table-scroll"
            id="table-scroll"
            on:scroll=move |ev| {
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    scroll_top.set(f64::from(el.scroll_top()));
                }
            }
        >
            <table>
                <thead>
                    <tr>
                        <th>"#"</th>
                        <th>{t!("Key", "Clé")}</th>
                        <th>"Partition"</th>
                        <th>"Offset"</th>
                        <th>{t!("Latency", "Latence")}</th>
                        <th>{t!("Preview", "Aperçu")}</th>
                        <th>{t!("Outcome", "Résultat")}</th>
                    </tr>
                </thead>
                <tbody>
                    <tr class="spacer" style=move || format!("height: {}px", window.get().0 as f64 * ROW_H)></tr>
                    <For
                        each=move || window.get().2
                        key=|(run, row, _): &(u64, Row, Option<bool>)| (*run, row.seq)
                        children=move |(_, row, predicted): (u64, Row, Option<bool>)| {
                            let failure = row.failure.clone();
                            // librdkafka's own words stay as they are: they are what a log shows.
                            let outcome = move || match &failure {
                                None => t!(lang(); "delivered", "livré"),
                                Some((name, message)) => format!("{name}: {}", failure_words(name, message)),
                            };
                            let chosen = row.clone();
                            view! {
                                <tr
                                    class="row"
                                    class:failed=row.failure.is_some()
                                    tabindex="0"
                                    on:click=move |_| selected.set(Some(chosen.clone()))
                                    on:keydown={
                                        let chosen = row.clone();
                                        move |ev| {
                                            if ev.key() == "Enter" {
                                                // Or the same Enter, reaching Close once the
                                                // details take the focus, closes them again.
                                                ev.prevent_default();
                                                selected.set(Some(chosen.clone()));
                                            }
                                        }
                                    }
                                >
                                    <td class="seq">{row.seq}</td>
                                    <td class="key">{row.key.clone().unwrap_or_default()}</td>
                                    <td class="partition">{row.partition.map(|p| p.to_string()).unwrap_or_else(|| "–".into())}</td>
                                    <td class="offset">
                                        {
                                            let offset = row.offset;
                                            move || offset.map(|o| o.to_string()).unwrap_or_else(|| t!(lang(); "none", "aucun"))
                                        }
                                    </td>
                                    <td class="latency">{crate::i18n::latency(row.latency_us)}</td>
                                    <td class="prediction" class:refuted=predicted == Some(false)>
                                        {move || match predicted {
                                            Some(true) => t!(lang(); "✓ as predicted", "✓ comme prévu"),
                                            Some(false) => t!(lang(); "✗ elsewhere", "✗ ailleurs"),
                                            None => "–".to_owned(),
                                        }}
                                    </td>
                                    <td class="outcome">{outcome}</td>
                                </tr>
                            }
                        }
                    />
                    <tr
                        class="spacer"
                        style=move || {
                            let (first, total, rows) = window.get();
                            format!("height: {}px", total.saturating_sub(first + rows.len()) as f64 * ROW_H)
                        }
                    ></tr>
                </tbody>
            </table>
        </div>
    }
}

/// A failure in the page's language: the playground's own and the common librdkafka
/// errors are worded by `shared`; any other in librdkafka's words.
fn failure_words(name: &ErrorName, message: &str) -> String {
    name.words(crate::i18n::lang()).unwrap_or(message).to_owned()
}

/// One message's full details, read back from the cluster when it was written.
#[component]
fn Details(row: Row, on_close: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let topic = ctx
        .page
        .with_untracked(|p| p.sent.as_ref().map(|r| r.topic.clone()))
        .unwrap_or_else(|| shared::lab::TOPIC.into());
    if let (Some(partition), Some(offset)) = (row.partition, row.offset) {
        ctx.send(Command::Fetch { topic: topic.clone(), partition, offset });
    }
    // The keyboard goes into the details as they open (Close has the focus), and Escape
    // closes them.
    let on_close = std::sync::Arc::new(on_close);
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    let on_escape = {
        let on_close = std::sync::Arc::clone(&on_close);
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                on_close();
            }
        }
    };
    view! {
        <div class="details" id="details" role="dialog" aria-label=t!("Message details", "Détails du message") on:keydown=on_escape>
            <h3>{format!("Message {}", row.seq)}</h3>
            <DeliveryFacts row=row.clone() />
            {
                let (acks, leader, followers, breakdown) = ctx.page.with_untracked(|p| {
                    let acks = p.sent.as_ref().map_or(shared::settings::Acks::All, |r| r.settings.acks);
                    let breakdown = crate::model::run_breakdown(p);
                    let cluster = p.cluster.as_ref();
                    let leader = row.partition.and_then(|part| cluster?.leaders.get(part as usize).copied());
                    let followers: Vec<i32> = cluster
                        .map(|c| c.brokers.iter().map(|b| b.id).filter(|id| Some(*id) != leader).collect())
                        .unwrap_or_default();
                    (acks, leader, followers, breakdown)
                });
                row.failure.is_none().then(|| view! {
                    <AcksFlow acks=acks latency_us=row.latency_us breakdown=breakdown leader=leader followers=followers embedded=ctx.embedded() />
                })
            }
            <ReadBack row=row.clone() />
            <button class="close" node_ref=close_button aria-label=t!("Close details", "Fermer les détails") on:click=move |_| on_close()>
                {t!("Close", "Fermer")}
            </button>
        </div>
    }
}

/// What the delivery report said of one message.
#[component]
fn DeliveryFacts(row: Row) -> impl IntoView {
    let persistence = |p: Persistence| match p {
        Persistence::NotPersisted => {
            t!(lang(); "not persisted: it never reached a broker, sending it again is safe", "non persisté : il n'a jamais atteint un broker, le renvoyer est sans risque")
        }
        Persistence::PossiblyPersisted => {
            t!(lang(); "possibly persisted: a resend may write it twice", "peut-être persisté : un renvoi peut l'écrire deux fois")
        }
        Persistence::Persisted => t!(lang(); "persisted", "persisté"),
    };
    view! {
    <dl>
        <dt>{t!("Key", "Clé")}</dt>
        <dd>{
            let key = row.key.clone();
            move || key.clone().unwrap_or_else(|| t!(lang(); "(none)", "(aucune)"))
        }</dd>
        <dt>"Partition, offset"</dt>
        <dd>{move || format!(
            "{}, {}",
            row.partition.map_or("–".into(), |p| p.to_string()),
            row.offset.map_or(t!(lang(); "none (acks=0 or failed)", "aucun (acks=0 ou échec)"), |o| o.to_string())
        )}</dd>
        <dt>"CreateTime"</dt>
        <dd>{row.timestamp_ms.map(iso8601).unwrap_or_else(|| "–".into())}</dd>
        {row.log_append_time_ms.map(|ms| view! {
            <dt>"LogAppendTime"</dt>
            <dd>{move || t!(lang(); "{ms} (synthetic: the embedded cluster answers 1234 for every message)", "{ms} (factice : le cluster embarqué répond 1234 pour chaque message)")}</dd>
        })}
        <dt>{t!("Latency", "Latence")}</dt>
        <dd>{crate::i18n::latency(row.latency_us)}</dd>
        {row.failure.clone().map(|(name, message)| view! {
            <dt>{t!("Error", "Erreur")}</dt>
            <dd class="bad">{move || format!("{name}: {}", failure_words(&name, &message))}</dd>
        })}
        {row.failure_detail.map(|(retriable, p)| view! {
            <dt>{t!("Retriable", "Réessayable")}</dt>
            <dd>
                {move || if retriable {
                    t!(lang(); "yes: the producer retried until message.timeout.ms", "oui : le producer a réessayé jusqu'à message.timeout.ms")
                } else {
                    t!(lang(); "no", "non")
                }}
            </dd>
            <dt>{t!("Persistence", "Persistance")}</dt>
            <dd id="persistence">{move || persistence(p)}</dd>
        })}
    </dl>
    }
}

/// The message read back from the cluster, with Resend and Edit as new.
#[component]
fn ReadBack(row: Row) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let wanted = (row.partition, row.offset);
    let record = move || {
        ctx.page.with(|p| {
            p.records
                .as_ref()
                .and_then(|r| r.records.iter().find(|r| (Some(r.partition), Some(r.offset)) == wanted).cloned())
        })
    };
    view! {
    {move || match record() {
        Some(record) => {
            let edit = record.clone();
            let resend = record.clone();
            view! {
                <h4>{t!("Read back from the cluster", "Relu depuis le cluster")}</h4>
                <pre id="details-value">{record.value.clone().unwrap_or_default()}</pre>
                <ul class="headers">
                    {record.headers.iter().map(|(n, v)| view! { <li><code>{format!("{n}: {v}")}</code></li> }).collect_view()}
                </ul>
                <div class="actions">
                    <button
                        id="resend"
                        on:click=move |_| {
                            match ctx.form.with(|f| f.for_record(&resend).request()) {
                                Ok(request) => {
                                    ctx.page.update(|p| p.sent = Some(request.clone()));
                                    ctx.send(Command::Produce(request));
                                }
                                Err(errors) => ctx.notice.set(Some(Problem::InvalidRequest { fields: errors.len() })),
                            }
                        }
                    >
                        {t!("Resend", "Renvoyer")}
                    </button>
                    <button
                        id="edit-as-new"
                        on:click=move |_| {
                            ctx.form.update(|f| *f = f.for_record(&edit));
                        }
                    >
                        {t!("Edit as new", "Modifier comme nouveau")}
                    </button>
                </div>
            }
            .into_any()
        }
        None if row.offset.is_some() => view! { <p class="hint">{t!("Reading it back…", "Relecture…")}</p> }.into_any(),
        None => view! {
            <p class="hint">{t!("Not in the topic: nothing to read back.", "Absent du topic : rien à relire.")}</p>
        }
        .into_any(),
    }}
    }
}
