//! The Lab sidebar: LAB 1.2A's validation checklist, its quiz and its six exercises, each
//! ticked or checked from what really happened in this session; progress kept in the
//! browser.

use leptos::prelude::*;
use shared::partitioner::predict;
use shared::protocol::{Command, FaultKind};

use crate::context::Ctx;
use crate::i18n::lang;
use crate::lab::{Exercise, Progress, QUIZ, Tick, Verdict, check, verify};
use crate::storage::{Place, read, write};
use crate::t;

/// Where the progress is kept in the browser.
const STORAGE_KEY: &str = "playground.lab";

fn load() -> Progress {
    read(Place::Browser, STORAGE_KEY).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

fn save(progress: &Progress) {
    if let Ok(json) = serde_json::to_string(progress) {
        write(Place::Browser, STORAGE_KEY, &json);
    }
}

/// The sidebar.
#[component]
pub fn LabSidebar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let progress = RwSignal::new(load());
    // What the checks read changes when a run finishes or records come back, not with
    // each delivery: a memo keeps the sidebar still during a long run.
    let judged = Memo::new(move |_| ctx.page.with(|p| p.revision));
    Effect::new(move |_| {
        // `get`, not `track`: a memo only tracked here is not re-run on a change.
        let _ = judged.get();
        let earned = ctx.page.with_untracked(|p| progress.try_update(|g| g.earn(p)).unwrap_or(false));
        if earned {
            progress.with_untracked(save);
        }
    });
    // The instructor started this trainee's progress again: the panel does too.
    let resets = Memo::new(move |_| ctx.page.with(|p| p.progress_resets));
    Effect::new(move |previous: Option<u32>| {
        let now = resets.get();
        if previous.is_some_and(|p| p != now) {
            progress.set(Progress::default());
            progress.with_untracked(save);
        }
        now
    });
    // The instructor's view shows each trainee's progress: told on every change and on
    // every new connection.
    let session = Memo::new(move |_| ctx.page.with(|p| p.hello.as_ref().map(|h| h.session.clone())));
    Effect::new(move |_| {
        if session.get().is_some() {
            let (done, failed) = progress.with(|p| (p.done_ids(), p.failed_checks()));
            // Not the trainee's action: a closed socket is not theirs to be told about.
            let _ = crate::ws::send(&Command::Progress { done, failed });
        }
    });
    let verify_click = move |_| {
        if let Some(command) = ctx.page.with_untracked(verify) {
            ctx.send(command);
        }
    };
    let nothing_to_verify = Memo::new(move |_| ctx.page.with(verify).is_none());
    view! {
        <aside class="panel lab" id="lab" aria-label="LAB 1.2A">
            <h2>{t!("LAB 1.2A, step by step", "LAB 1.2A, pas à pas")}</h2>
            <section id="checklist">
                <h3>{t!("Validation checklist", "Checklist de validation")}</h3>
                <ul class="checklist">
                    {Tick::ALL
                        .into_iter()
                        .map(|tick| {
                            let done = move || progress.with(|p| p.ticks.contains(&tick));
                            view! {
                                <li class:done=done data-tick=format!("{tick:?}")>
                                    <span class="mark" aria-hidden="true">{move || if done() { "✓" } else { "○" }}</span>
                                    <span class="sr-only">{move || if done() { t!(lang(); "done: ", "fait : ") } else { t!(lang(); "to do: ", "à faire : ") }}</span>
                                    {move || tick.text().get(lang())}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <button id="verify" prop:disabled=move || nothing_to_verify.get() on:click=verify_click>
                    {t!("Verify: read the last run back", "Vérifier : relire le dernier envoi")}
                </button>
            </section>
            <section id="quiz">
                <h3>{t!("Quiz", "Quiz")}</h3>
                {QUIZ
                    .iter()
                    .enumerate()
                    .map(|(n, q)| {
                        let answer = move || progress.with(|p| p.quiz.get(n).copied().flatten());
                        view! {
                            <fieldset class="question" id=format!("quiz-{n}")>
                                <legend>{move || q.question.get(lang())}</legend>
                                {q.answers
                                    .iter()
                                    .enumerate()
                                    .map(|(a, text)| {
                                        let id = format!("quiz-{n}-{a}");
                                        let label_for = id.clone();
                                        view! {
                                            <label class="radio" for=label_for>
                                                <input
                                                    type="radio"
                                                    id=id
                                                    name=format!("quiz-{n}")
                                                    prop:checked=move || answer() == Some(a as u8)
                                                    on:change=move |_| {
                                                        progress.update(|p| {
                                                            p.quiz.resize(QUIZ.len(), None);
                                                            p.quiz[n] = Some(a as u8);
                                                            p.earn(&Default::default());
                                                        });
                                                        progress.with_untracked(save);
                                                    }
                                                />
                                                {move || text.get(lang())}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                                {move || answer().map(|a| {
                                    let right = a == q.right;
                                    view! {
                                        <p class="answer" class:ok=right class:bad=!right>
                                            {if right { t!(lang(); "Right. ", "Juste. ") } else { t!(lang(); "Not quite. ", "Pas tout à fait. ") }}
                                            {q.why.get(lang())}
                                        </p>
                                    }
                                })}
                            </fieldset>
                        }
                    })
                    .collect_view()}
            </section>
            <section id="exercises">
                <h3>{t!("Exercises", "Exercices")}</h3>
                {Exercise::ALL.into_iter().map(|exercise| view! { <ExerciseCard exercise progress /> }).collect_view()}
            </section>
        </aside>
    }
}

/// One exercise: instructions, set-ups, and a Check that judges the session's runs.
#[component]
fn ExerciseCard(exercise: Exercise, progress: RwSignal<Progress>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let asked = RwSignal::new(false);
    // The fields the last set-up changed, by name, for the line that says so.
    let set_up = RwSignal::new(None::<Vec<String>>);
    let judged = Memo::new(move |_| ctx.page.with(|p| p.revision));
    // A memo: the page changes with every delivery, the cluster's kind never.
    let on_kafka =
        Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().is_some_and(|c| c.faults == Some(FaultKind::Process))));
    let verdict = Memo::new(move |_| {
        let _ = judged.get();
        asked.get().then(|| ctx.page.with_untracked(|p| check(exercise, p)))
    });
    // A check that needs records asks for them once; a pass is kept.
    let last_read = StoredValue::new(None::<Command>);
    Effect::new(move |_| match verdict.get() {
        Some(Verdict::ReadBack(command)) if last_read.get_value().as_ref() != Some(&command) => {
            last_read.set_value(Some(command.clone()));
            ctx.send(command);
        }
        Some(Verdict::Judged { passed: true, .. }) if !progress.with_untracked(|p| p.passed.contains(&exercise)) => {
            progress.update(|p| p.pass(exercise));
            progress.with_untracked(save);
        }
        // Tried and not passed: the instructor's grid shows what the check found.
        Some(Verdict::Judged { passed: false, findings }) => {
            let changed = progress.try_update(|p| {
                let before = p.failed.get(&exercise.id()).cloned();
                p.fail(exercise, &findings);
                before != p.failed.get(&exercise.id()).cloned()
            });
            if changed == Some(true) {
                progress.with_untracked(save);
            }
        }
        _ => {}
    });
    let n = exercise.number();
    let passed = move || progress.with(|p| p.passed.contains(&exercise));
    view! {
        <article class="exercise" id=format!("exercise-{n}") class:passed=passed>
            <h4>
                {format!("{n}. ")}
                {move || exercise.title().get(lang())}
                <span class="badge-passed">{move || passed().then(|| t!(lang(); " ✓ passed", " ✓ réussi"))}</span>
            </h4>
            <p class="doc">{move || exercise.instructions().get(lang())}</p>
            {move || {
                exercise
                    .on_kafka()
                    .filter(|_| on_kafka.get())
                    .map(|text| view! { <p class="honest kafka-note">{move || text.get(lang())}</p> })
            }}
            <div class="actions">
                {exercise
                    .setups()
                    .iter()
                    .enumerate()
                    .map(|(i, setup)| {
                        let setup = *setup;
                        view! {
                            <button
                                class="small setup"
                                id=format!("setup-{n}-{i}")
                                on:click=move |_| {
                                    // Unique to this page and moment: the checks keep these records only.
                                    let stamp = format!(
                                        "{:x}-{:x}",
                                        js_sys::Date::now() as u64,
                                        (js_sys::Math::random() * f64::from(u32::MAX)) as u32
                                    );
                                    let (form, faults) = setup.apply(&stamp);
                                    // On Apache Kafka, its own faults, at the leader of the
                                    // partition the set-up's key goes to.
                                    let kafka_leader = ctx.page.with_untracked(|p| {
                                        let cluster = p.cluster.as_ref().filter(|c| c.faults == Some(FaultKind::Process))?;
                                        let request = form.request().ok()?;
                                        let key = request.key_template.as_deref().map(str::as_bytes);
                                        let partition = predict(request.settings.partitioner, key, p.partitions() as u32)?;
                                        cluster.leaders.get(partition as usize).copied()
                                    });
                                    let changed = ctx.form.with_untracked(|f| f.changed_fields(&form));
                                    ctx.form.set(form);
                                    set_up.set(Some(changed.iter().map(|(_, name)| name.clone()).collect()));
                                    show_changed(changed.into_iter().map(|(id, _)| id).collect());
                                    let faults = match kafka_leader {
                                        _ if ctx.embedded() => faults,
                                        Some(leader) => setup.kafka_faults(leader),
                                        None => Vec::new(),
                                    };
                                    for fault in faults {
                                        ctx.send(fault.into());
                                    }
                                }
                            >
                                {move || setup.label().get(lang())}
                            </button>
                        }
                    })
                    .collect_view()}
                <button class="small check" id=format!("check-{n}") on:click=move |_| {
                    last_read.set_value(None);
                    asked.set(false);
                    asked.set(true);
                }>
                    {t!("Check", "Vérifier")}
                </button>
            </div>
            {move || set_up.get().map(|names| view! {
                <p class="hint set-up-done" id=format!("set-up-done-{n}") role="status">
                    {if names.is_empty() {
                        t!(lang(); "Already set: the form had nothing to change.", "Déjà réglé : rien à changer dans le formulaire.")
                    } else {
                        t!(lang(); "Set in the form, highlighted: {}.", "Réglé dans le formulaire, surligné : {}.", names.join(", "))
                    }}
                </p>
            })}
            <div class="verdict" id=format!("verdict-{n}") role="status">
                {move || match verdict.get() {
                    None => None,
                    Some(Verdict::ReadBack(_)) => Some(view! { <p class="hint">{t!(lang(); "Reading the topic back…", "Relecture du topic…")}</p> }.into_any()),
                    Some(Verdict::Judged { passed, findings }) => Some(view! {
                        <p class="outcome" class:ok=passed class:bad=!passed>
                            {if passed { t!(lang(); "✓ Passed", "✓ Réussi") } else { t!(lang(); "✗ Not yet", "✗ Pas encore") }}
                        </p>
                        <ul class="findings">
                            {findings.into_iter().map(|f| view! { <li>{f.text(lang())}</li> }).collect_view()}
                        </ul>
                    }.into_any()),
                }}
            </div>
        </article>
    }
}

/// How long a field a set-up changed stays highlighted.
const HIGHLIGHT: std::time::Duration = std::time::Duration::from_secs(4);

/// Brings the first of the fields `ids` not on screen into view (only as far as needed: the lab beside
/// it stays put) and highlights each for a few seconds, once the form has redrawn them.
fn show_changed(ids: Vec<String>) {
    let fields = move || -> Vec<web_sys::Element> {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return Vec::new() };
        ids.iter()
            .filter_map(|id| document.get_element_by_id(id))
            .filter_map(|e| e.closest(".field").ok().flatten().or(Some(e)))
            .collect()
    };
    set_timeout(
        move || {
            let fields = fields();
            // The first one off the screen (the others on it stay seen): the page moves
            // only as far as it needs.
            let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0);
            let off_screen = |e: &&web_sys::Element| {
                let r = e.get_bounding_client_rect();
                r.top() < 0.0 || r.bottom() > height
            };
            if let Some(first) = fields.iter().find(off_screen) {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                first.scroll_into_view_with_scroll_into_view_options(&options);
            }
            for field in &fields {
                let _ = field.class_list().add_1("changed");
            }
            set_timeout(
                move || {
                    for field in &fields {
                        let _ = field.class_list().remove_1("changed");
                    }
                },
                HIGHLIGHT,
            );
        },
        std::time::Duration::ZERO,
    );
}
