//! Mounts the trainee's page (the instructor's view is `src/bin/instructor.rs`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(frontend::app::App);
}
