//! The delivery table: one row per message's delivery report.

use leptos::prelude::*;

use crate::app::Ctx;
use crate::model::{Row, format_latency};

/// Seq, key, partition, offset, latency and outcome of each message of the run.
#[component]
pub fn DeliveryTable() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = move || {
        // Each row carries whether it landed where the preview said.
        ctx.page.with(|p| {
            p.run
                .as_ref()
                .map(|r| r.rows.iter().map(|row| (r.run, row.clone(), p.as_predicted(row))).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="panel" id="deliveries">
            <h2>"Delivery reports"</h2>
            <table>
                <thead>
                    <tr>
                        <th>"#"</th>
                        <th>"Key"</th>
                        <th>"Partition"</th>
                        <th>"Offset"</th>
                        <th>"Latency"</th>
                        <th>"Preview"</th>
                        <th>"Outcome"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=rows
                        key=|(run, row, _): &(u64, Row, Option<bool>)| (*run, row.seq)
                        children=|(_, row, predicted): (u64, Row, Option<bool>)| {
                            let outcome = match &row.failure {
                                None => "delivered".to_owned(),
                                Some((name, message)) => format!("{name}: {message}"),
                            };
                            view! {
                                <tr class:failed=row.failure.is_some()>
                                    <td class="seq">{row.seq}</td>
                                    <td class="key">{row.key.unwrap_or_default()}</td>
                                    <td class="partition">{row.partition.map(|p| p.to_string()).unwrap_or_else(|| "–".into())}</td>
                                    <td class="offset">{row.offset.map(|o| o.to_string()).unwrap_or_else(|| "none".into())}</td>
                                    <td class="latency">{format_latency(row.latency_us)}</td>
                                    <td class="prediction" class:refuted=predicted == Some(false)>
                                        {match predicted {
                                            Some(true) => "✓ as predicted",
                                            Some(false) => "✗ elsewhere",
                                            None => "–",
                                        }}
                                    </td>
                                    <td class="outcome">{outcome}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </section>
    }
}
