//! Mounts the instructor's view, a page of its own at `/instructor` (see `app::App`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(frontend::instructor::InstructorPage);
}
