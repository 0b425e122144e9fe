//! The trainees' experiments side by side, and their CSV.

use leptos::prelude::*;
use shared::protocol::{Experiment, ExperimentRun, TraineeView};

use super::lab_grid::{csv_url, trainee_name};
use crate::i18n::lang;
use crate::t;

/// Each trainee's last run of each experiment, one line per trainee: the class's results
/// side by side.
#[component]
pub(super) fn ClassExperiments(trainees: Vec<TraineeView>) -> impl IntoView {
    let empty = trainees.iter().all(|t| t.experiments.is_empty());
    let csv = csv_url(&experiments_csv(&trainees));
    // In a closure: a component's body does not redraw when the language changes.
    let tables = move || {
        Experiment::ALL
            .into_iter()
            .filter_map(|experiment| {
                let lines: Vec<(String, &[ExperimentRun])> = trainees
                    .iter()
                    .filter_map(|t| {
                        let result = t.experiments.iter().find(|r| r.experiment == experiment)?;
                        Some((trainee_name(t), result.runs.as_slice()))
                    })
                    .collect();
                if lines.is_empty() {
                    return None;
                }
                // The settings in the order the runs came, across every trainee's result.
                let mut settings: Vec<String> = Vec::new();
                for (_, runs) in &lines {
                    for run in *runs {
                        if !settings.contains(&run.setting) {
                            settings.push(run.setting.clone());
                        }
                    }
                }
                let id = format!("class-{}", serde_json::to_value(experiment).ok()?.as_str()?.replace('_', "-"));
                let head = settings.iter().map(|s| view! { <th><code>{s.clone()}</code></th> }).collect_view();
                let rows = lines
                    .iter()
                    .map(|(name, runs)| {
                        let cells = settings
                            .iter()
                            .map(|s| {
                                let run = runs.iter().find(|r| r.setting == *s);
                                view! { <td>{run.map(experiment_cell)}</td> }
                            })
                            .collect_view();
                        view! { <tr><th class="name" scope="row">{name.clone()}</th>{cells}</tr> }
                    })
                    .collect_view();
                Some(view! {
                    <h3>{crate::compare::experiment_name(experiment)}</h3>
                    <table id=id class="class-experiment">
                        <thead><tr><th>{t!("Trainee", "Stagiaire")}</th>{head}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                })
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="panel" id="class-experiments">
            <h2>{t!("The class's experiments", "Les expériences de la classe")}</h2>
            {empty.then(|| view! {
                <p class="hint">{t!(
                    "When trainees run an experiment (Compare runs), each one's last result shows here, one line per trainee.",
                    "Quand les stagiaires lancent une expérience (Comparer des envois), le dernier résultat de chacun s'affiche ici, une ligne par stagiaire."
                )}</p>
            })}
            {tables}
            {(!empty).then(|| view! {
                <a id="class-experiments-csv" class="button" download="class-experiments.csv" href=csv.clone()>
                    {t!("Download the experiments (CSV)", "Télécharger les expériences (CSV)")}
                </a>
            })}
        </section>
    }
}

/// One run of an experiment in a cell: msgs/s, p50 and p99, failures if any.
fn experiment_cell(run: &ExperimentRun) -> String {
    let rate = crate::i18n::number(run.msgs_per_sec, 0);
    let (p50, p99) = (crate::i18n::latency(run.p50_us), crate::i18n::latency(run.p99_us));
    let failed =
        if run.failed > 0 { t!(lang(); " · {} failed", " · {} en échec", run.failed) } else { String::new() };
    t!(lang(); "{rate} msgs/s · p50 {p50} · p99 {p99}{failed}", "{rate} msgs/s · p50 {p50} · p99 {p99}{failed}")
}

/// The class's experiments as CSV: one line per trainee's run of an experiment.
pub fn experiments_csv(trainees: &[TraineeView]) -> String {
    let mut csv = String::from("trainee,experiment,setting,sent,delivered,failed,msgs_per_sec,p50_ms,p99_ms\n");
    for t in trainees {
        let name = t.name.clone().unwrap_or_else(|| format!("#{}", t.id));
        for result in &t.experiments {
            let experiment = serde_json::to_value(result.experiment)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            for run in &result.runs {
                let fields = [
                    crate::compare::csv_field(&name),
                    experiment.clone(),
                    crate::compare::csv_field(&run.setting),
                    run.sent.to_string(),
                    run.delivered.to_string(),
                    run.failed.to_string(),
                    format!("{:.1}", run.msgs_per_sec),
                    format!("{:.3}", run.p50_us as f64 / 1000.0),
                    format!("{:.3}", run.p99_us as f64 / 1000.0),
                ];
                csv.push_str(&fields.join(","));
                csv.push('\n');
            }
        }
    }
    csv
}
