//! The class: each trainee's name, connection, idle time, last run and last errors,
//! and the instructor's rename and reset of one.
use leptos::prelude::*;
use shared::protocol::{ClassView, TraineeChange, TraineeOrder, TraineeView};

use super::Console;
use super::lab_grid::{LAB_ITEMS, trainee_name};
use crate::i18n::{lang, say};
use crate::t;

/// Every session: a row each, and the class's figures.
#[component]
pub(super) fn ClassTable(view: ClassView) -> impl IntoView {
    let connected = view.trainees.iter().filter(|t| t.connected).count();
    let (sessions, in_flight, max, peak) =
        (view.trainees.len(), view.in_flight, view.limits.in_flight, view.in_flight_peak);
    let summary = move || {
        let n = |v: u64| crate::i18n::number(v as f64, 0);
        let (in_flight, max, peak) = (n(in_flight), n(u64::from(max)), n(peak));
        t!(lang(); "Sessions: {sessions} ({connected} connected) · in flight {in_flight} / {max} (peak {peak})", "Sessions : {sessions} ({connected} connectées) · en vol {in_flight} / {max} (pic {peak})")
    };
    let per_trainee =
        view.topic_per_trainee.then(|| t!("Each trainee has their own topic.", "Chaque stagiaire a son propre topic."));
    let servers = view.servers.len();
    let across = (servers > 1).then_some(
        move || t!(lang(); "The class spans {servers} servers.", "La classe s'étend sur {servers} serveurs."),
    );
    view! {
        <section class="panel" id="class">
            <h2>{t!("The class", "La classe")}</h2>
            <p id="class-summary">{summary} " " {per_trainee} " " {across}</p>
            <table id="trainees">
                <thead><tr>
                    <th>"#"</th>
                    <th>{t!("Name", "Nom")}</th>
                    <th>{t!("Page", "Page")}</th>
                    <th>{t!("Runs", "Envois")}</th>
                    <th>{t!("Last run", "Dernier envoi")}</th>
                    <th>{t!("Lab", "Lab")}</th>
                    <th>{t!("Last active", "Dernière action")}</th>
                    <th>{t!("Last errors", "Dernières erreurs")}</th>
                </tr></thead>
                <tbody>
                    // In a closure: a component's body does not redraw when the language changes.
                    {move || view.trainees.clone().into_iter().map(trainee_row).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// One trainee's row.
fn trainee_row(t: TraineeView) -> impl IntoView {
    let name = t.name.clone().unwrap_or_else(|| t!(lang(); "(no name yet)", "(pas encore de nom)"));
    let page = if t.connected { t!(lang(); "connected", "connectée") } else { t!(lang(); "away", "partie") };
    let run = match (&t.run, &t.finished) {
        (None, _) => String::new(),
        (Some(s), None) => {
            let (sent, delivered, failed) = (s.sent, s.delivered, s.failed);
            t!(lang(); "running · {sent} sent · {delivered} ✓ · {failed} ✗", "en cours · {sent} envoyés · {delivered} ✓ · {failed} ✗")
        }
        (Some(_), Some(f)) => {
            let (sent, delivered, failed) = (f.sent, f.delivered, f.failed);
            let stopped = if f.stopped { t!(lang(); " (stopped)", " (arrêté)") } else { String::new() };
            t!(lang(); "{sent} sent · {delivered} ✓ · {failed} ✗{stopped}", "{sent} envoyés · {delivered} ✓ · {failed} ✗{stopped}")
        }
    };
    let failing = t.run.as_ref().is_some_and(|s| s.failed > 0);
    let lab = format!("{} / {LAB_ITEMS}", t.done.len().min(LAB_ITEMS));
    let topic = t.topic.clone().unwrap_or_default();
    let idle = t.idle_secs.map(idle_text).unwrap_or_default();
    let errors = t.errors.iter().map(say).collect::<Vec<_>>();
    view! {
        <tr data-trainee=t.id class:away=!t.connected class:failing=failing>
            <td>{t.id}</td>
            <td class="name">{name} <small class="topic">{topic}</small> <small class="server">{t.server.clone()}</small></td>
            <td>{page}</td>
            <td>{t.runs}</td>
            <td class="run">{run}</td>
            <td class="lab-progress">{lab}</td>
            <td class="idle">{idle}</td>
            <td class="errors">
                <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            </td>
        </tr>
    }
}

/// How long ago a trainee's page last did something: `12 s ago`, `4 min ago`.
fn idle_text(secs: u64) -> String {
    match secs {
        0..60 => t!(lang(); "{secs} s ago", "il y a {secs} s"),
        60..3600 => t!(lang(); "{} min ago", "il y a {} min", secs / 60),
        _ => t!(lang(); "{} h ago", "il y a {} h", secs / 3600),
    }
}

/// One trainee: a new name, or their lab progress started again.
#[component]
pub(super) fn TraineeActions(console: Console) -> impl IntoView {
    let chosen = RwSignal::new(None::<u64>);
    let name = RwSignal::new(String::new());
    let order = move |change: TraineeChange, done: String| {
        let Some(id) = chosen.get_untracked() else {
            console.said.set(Some(t!(lang(); "Choose a trainee first.", "Choisissez d'abord un stagiaire.")));
            return;
        };
        let body = serde_json::to_string(&TraineeOrder { id, change }).unwrap_or_default();
        console.post("/api/instructor/trainee", body, done);
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new_name = name.get_untracked();
        let done = t!(lang(); "Sent to their page: renamed {}.", "Envoyé à sa page : renommé {}.", new_name);
        order(TraineeChange::Rename { name: new_name }, done);
        name.set(String::new());
    };
    let reset = move |_| {
        let done = t!(lang(); "Sent to their page: lab progress started again.", "Envoyé à sa page : progression du lab remise à zéro.");
        order(TraineeChange::ResetProgress, done);
    };
    let options = move || {
        console.class.with(|c| {
            c.iter()
                // This server's trainees: another server's sessions are its own to change.
                .flat_map(|view| view.trainees.iter().filter(|t| t.server.is_none() || t.server == view.servers.first().cloned()))
                .map(|t| {
                    let id = t.id;
                    view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{trainee_name(t)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel" id="trainee-actions">
            <h2>{t!("One trainee", "Un stagiaire")}</h2>
            <form class="actions" on:submit=rename>
                <label for="trainee-pick">{t!("Trainee", "Stagiaire")}</label>
                <select id="trainee-pick" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || chosen.get().is_none()>{t!("(choose)", "(choisir)")}</option>
                    {options}
                </select>
                <label for="trainee-new-name">{t!("New name", "Nouveau nom")}</label>
                <input id="trainee-new-name" maxlength="32" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <button id="trainee-rename" type="submit" class="small">{t!("Rename", "Renommer")}</button>
                <button id="trainee-reset" type="button" class="small" on:click=reset>
                    {t!("Start their lab progress again", "Remettre sa progression du lab à zéro")}
                </button>
            </form>
        </section>
    }
}
