//! Who passed, failed or has not tried each checklist item and exercise, and its CSV.

use leptos::prelude::*;
use shared::protocol::TraineeView;

use crate::i18n::lang;
use crate::lab::{Exercise, Tick};
use crate::t;

/// Checklist items and exercises of the lab, as the page reports them.
pub(super) const LAB_ITEMS: usize = Tick::ALL.len() + Exercise::ALL.len();

/// How one trainee stands on one checklist item or exercise.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell {
    /// Done.
    Passed,
    /// Tried and not passed: the check's short answer.
    Failed(String),
    /// Not tried.
    NotTried,
}

/// Where `trainee` stands on the item `id`, with a failed check's answer in `lang`.
pub(super) fn cell(trainee: &TraineeView, id: &str, lang: shared::problem::Lang) -> Cell {
    if trainee.done.iter().any(|d| d == id) {
        return Cell::Passed;
    }
    match trainee.failed.iter().find(|f| f.id == id) {
        Some(f) => Cell::Failed(if lang == shared::problem::Lang::Fr { f.fr.clone() } else { f.en.clone() }),
        None => Cell::NotTried,
    }
}

/// The name a trainee goes by in the instructor's tables (with a class across servers,
/// a nameless session is numbered on its server).
pub(super) fn trainee_name(t: &TraineeView) -> String {
    let number = t.server.as_ref().map_or_else(|| format!("#{}", t.id), |s| format!("#{}@{s}", t.id));
    t.name.clone().unwrap_or_else(|| t!(lang(); "{number} (no name yet)", "{number} (pas encore de nom)"))
}

/// Trainees by checklist item and exercise: passed, tried and failed (with what the check
/// found), or not tried, so who is stuck where shows at a glance.
#[component]
pub(super) fn LabGrid(trainees: Vec<TraineeView>) -> impl IntoView {
    let trainees_csv = trainees.clone();
    // In a closure: a component's body does not redraw when the language changes.
    let grid = move || {
        let items: Vec<(String, String, String)> = Tick::ALL
            .iter()
            .enumerate()
            .map(|(n, tick)| (tick.id(), format!("C{}", n + 1), tick.text().get(lang()).to_owned()))
            .chain(Exercise::ALL.iter().map(|e| (e.id(), format!("E{}", e.number()), e.title().get(lang()).to_owned())))
            .collect();
        let head = items
            .iter()
            .map(|(id, short, title)| view! { <th data-item=id.clone() title=title.clone()>{short.clone()}</th> })
            .collect_view();
        let rows = trainees
            .iter()
            .map(|t| {
                let cells = items
                    .iter()
                    .map(|(id, _, title)| match cell(t, id, lang()) {
                        Cell::Passed => {
                            view! { <td class="passed" data-item=id.clone() title=title.clone()>"✓"</td> }.into_any()
                        }
                        Cell::Failed(answer) => view! {
                            <td class="failed" data-item=id.clone() title=format!("{title}: {answer}")>
                                "✗" <small class="answer">{answer.clone()}</small>
                            </td>
                        }
                        .into_any(),
                        Cell::NotTried => view! {
                            <td class="not-tried" data-item=id.clone() title=title.clone()>
                                <span aria-hidden="true">"·"</span>
                                <span class="sr-only">{t!(lang(); "not tried", "pas essayé")}</span>
                            </td>
                        }
                        .into_any(),
                    })
                    .collect_view();
                view! { <tr data-trainee=t.id><th class="name" scope="row">{trainee_name(t)}</th>{cells}</tr> }
            })
            .collect_view();
        view! {
            <thead><tr><th>{t!(lang(); "Trainee", "Stagiaire")}</th>{head}</tr></thead>
            <tbody>{rows}</tbody>
        }
    };
    view! {
        <section class="panel" id="lab-grid-panel">
            <h2>{t!("Where each trainee is in the lab", "Où en est chaque stagiaire du lab")}</h2>
            <p class="doc">
                {t!(
                    "C1 to C7: the checklist; E1 to E6: the exercises. ✓ passed, ✗ tried and not passed (with what the check found), · not tried.",
                    "C1 à C7 : la checklist ; E1 à E6 : les exercices. ✓ réussi, ✗ essayé sans succès (avec ce que la vérification a trouvé), · pas essayé."
                )}
            </p>
            <div class="grid-scroll">
                <table id="lab-grid">{grid}</table>
            </div>
            <a id="lab-grid-csv" class="button" download="lab-grid.csv" href=move || csv_url(&grid_csv(&trainees_csv, lang()))>
                {t!("Download the grid (CSV)", "Télécharger la grille (CSV)")}
            </a>
        </section>
    }
}

/// The lab grid as CSV: one line per trainee, one column per checklist item and
/// exercise (`passed`, `failed: what the check found`, or empty), fields made inert.
pub fn grid_csv(trainees: &[TraineeView], lang: shared::problem::Lang) -> String {
    let items: Vec<(String, String)> = Tick::ALL
        .iter()
        .enumerate()
        .map(|(n, tick)| (tick.id(), format!("C{} {}", n + 1, tick.text().get(lang))))
        .chain(Exercise::ALL.iter().map(|e| (e.id(), format!("E{} {}", e.number(), e.title().get(lang)))))
        .collect();
    let mut csv = String::from("trainee,server,connected,runs");
    for (_, title) in &items {
        csv.push(',');
        csv.push_str(&crate::compare::csv_field(title));
    }
    csv.push('\n');
    for t in trainees {
        let name = t.name.clone().unwrap_or_else(|| format!("#{}", t.id));
        let fields = [name, t.server.clone().unwrap_or_default(), t.connected.to_string(), t.runs.to_string()];
        csv.push_str(&fields.iter().map(|f| crate::compare::csv_field(f)).collect::<Vec<_>>().join(","));
        for (id, _) in &items {
            let cell = match cell(t, id, lang) {
                Cell::Passed => "passed".to_owned(),
                Cell::Failed(answer) => format!("failed: {answer}"),
                Cell::NotTried => String::new(),
            };
            csv.push(',');
            csv.push_str(&crate::compare::csv_field(&cell));
        }
        csv.push('\n');
    }
    csv
}

/// A `data:` address holding CSV `text`, for a download link.
pub(super) fn csv_url(text: &str) -> String {
    format!("data:text/csv;charset=utf-8,{}", String::from(js_sys::encode_uri_component(text)))
}
