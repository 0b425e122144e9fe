//! The instructor's downloads and cells.

use shared::problem::Lang;
use shared::protocol::{Experiment, ExperimentResult, ExperimentRun, FailedCheck, TraineeView};

use super::lab_grid::{Cell, cell};
use super::*;

#[test]
fn the_grid_and_the_experiments_download_as_csv_with_every_field_inert() {
    let trainee = TraineeView {
        id: 3,
        name: Some("=HYPERLINK(\"x\")".into()),
        runs: 2,
        done: vec!["ten_sent".into()],
        failed: vec![FailedCheck { id: "exercise:spread".into(), en: "P0 50, P1 0".into(), fr: "P0 50".into() }],
        experiments: vec![ExperimentResult {
            experiment: Experiment::Linger,
            runs: vec![ExperimentRun {
                setting: "linger.ms=5".into(),
                sent: 10,
                delivered: 10,
                failed: 0,
                msgs_per_sec: 812.34,
                p50_us: 1_500,
                p99_us: 4_000,
            }],
        }],
        ..TraineeView::default()
    };
    let grid = grid_csv(std::slice::from_ref(&trainee), Lang::En);
    let lines: Vec<&str> = grid.lines().collect();
    assert!(lines[0].starts_with("trainee,server,connected,runs,C1 "), "{grid}");
    assert!(lines[1].starts_with("\"'=HYPERLINK(\"\"x\"\")\",,false,2,"), "a formula made text: {grid}");
    assert!(lines[1].contains(",passed,") && lines[1].contains("\"failed: P0 50, P1 0\""), "{grid}");
    let experiments = experiments_csv(&[trainee]);
    assert_eq!(
        experiments.lines().nth(1),
        Some("\"'=HYPERLINK(\"\"x\"\")\",linger,linger.ms=5,10,10,0,812.3,1.500,4.000")
    );
}

#[test]
fn a_cell_is_passed_failed_with_its_answer_or_not_tried() {
    let trainee = TraineeView {
        done: vec!["ten_sent".into()],
        failed: vec![FailedCheck { id: "exercise:spread".into(), en: "P0 50".into(), fr: "P0 50 (fr)".into() }],
        ..TraineeView::default()
    };
    assert_eq!(cell(&trainee, "ten_sent", Lang::En), Cell::Passed);
    assert_eq!(cell(&trainee, "exercise:spread", Lang::Fr), Cell::Failed("P0 50 (fr)".into()));
    assert_eq!(cell(&trainee, "exercise:header", Lang::En), Cell::NotTried);
}
