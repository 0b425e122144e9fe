//! The page's components in a real browser (wasm-bindgen-test in headless Chromium).
//! `cargo xtask test` runs them; there is no server here, so the page stays disconnected.
#![cfg(target_arch = "wasm32")]
#![allow(missing_docs)]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, EventInit, HtmlButtonElement, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the page in a fresh container of its own.
fn mount_page() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let container = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    let container: HtmlElement = container.unchecked_into();
    leptos::mount::mount_to(container.clone(), frontend::app::App).forget();
    container.into()
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"))
}

fn input(root: &Element, selector: &str) -> HtmlInputElement {
    find(root, selector).unchecked_into()
}

/// Types `text` into an input as a person would: the value changes, `input` bubbles.
fn type_into(field: &HtmlInputElement, text: &str) {
    field.set_value(text);
    let init = EventInit::new();
    init.set_bubbles(true);
    field.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
}

async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_form_starts_as_the_labs_program() {
    let page = mount_page();
    tick().await;
    assert_eq!(input(&page, "#client-id").value(), "dotnet-basic-producer");
    assert!(input(&page, "#acks-all").checked(), "acks=all is the lab's choice");
    assert!(!input(&page, "#acks-1").checked());
    assert_eq!(input(&page, "#message-send-max-retries").value(), "3");
    assert_eq!(input(&page, "#count").value(), "10");
    assert!(!input(&page, "#keyed").checked(), "the lab's messages have no key");
    assert_eq!(input(&page, "#retry-backoff-ms").value(), "1000");
    assert_eq!(page.query_selector_all(".partition").unwrap().length(), 6, "one box per partition");
}

#[wasm_bindgen_test]
async fn a_bad_count_is_marked_at_the_field_in_plain_words() {
    let page = mount_page();
    tick().await;
    let count = input(&page, "#count");
    type_into(&count, "ten");
    tick().await;
    let field = count.parent_element().unwrap();
    assert!(field.class_list().contains("invalid"));
    let error = find(&page, "#run .count-error").text_content().unwrap();
    assert_eq!(error, "count must be a whole number, got \"ten\"");

    type_into(&count, "2000000");
    tick().await;
    assert!(find(&page, "#run .count-error").text_content().unwrap().contains("between 1 and 1000000"));

    type_into(&count, "50");
    tick().await;
    assert!(!field.class_list().contains("invalid"));
    assert_eq!(find(&page, "#run .count-error").text_content().unwrap(), "");
}

#[wasm_bindgen_test]
async fn an_unknown_placeholder_is_an_error_not_text() {
    let page = mount_page();
    tick().await;
    input(&page, "#keyed").click();
    tick().await;
    let key = input(&page, "#key-template");
    type_into(&key, "ORD-{id}");
    tick().await;
    let error = find(&key.parent_element().unwrap(), ".error").text_content().unwrap();
    assert!(error.contains("unknown placeholder {id}"), "{error}");
}

#[wasm_bindgen_test]
async fn without_a_server_send_is_disabled_and_the_page_says_why() {
    let page = mount_page();
    for _ in 0..50 {
        tick().await;
        if find(&page, "#connection").text_content().unwrap().contains("disconnected") {
            break;
        }
    }
    assert_eq!(find(&page, "#connection").text_content().unwrap(), "disconnected, reconnecting…");
    let send: HtmlButtonElement = find(&page, "#send").unchecked_into();
    assert!(send.disabled());
}

/// Chooses a language in the header's select, as a person would.
fn choose_language(root: &Element, code: &str) {
    let select: web_sys::HtmlSelectElement = find(root, "#lang").unchecked_into();
    select.set_value(code);
    let init = EventInit::new();
    init.set_bubbles(true);
    select.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn in_french_labels_explanations_and_field_errors_are_french() {
    let page = mount_page();
    tick().await;
    choose_language(&page, "fr");
    tick().await;
    let text = |selector: &str| find(&page, selector).text_content().unwrap();
    assert_eq!(text("#send"), "Envoyer");
    assert_eq!(text("#config h2"), "Configuration du producer");
    let retries_doc = find(&input(&page, "#message-send-max-retries").parent_element().unwrap(), ".doc");
    assert!(retries_doc.text_content().unwrap().starts_with("Combien de fois librdkafka"), "a bound's explanation");
    type_into(&input(&page, "#count"), "dix");
    tick().await;
    assert_eq!(text("#run .count-error"), "count doit être un nombre entier, reçu « dix »");
    let lang = web_sys::window().unwrap().document().unwrap().document_element().unwrap().get_attribute("lang");
    assert_eq!(lang.as_deref(), Some("fr"), "<html lang> follows");
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("playground.lang").unwrap();
    assert_eq!(stored.as_deref(), Some("fr"), "the choice survives a reload");

    // Back to English, so the other tests of this page read English.
    choose_language(&page, "en");
    tick().await;
    assert_eq!(text("#send"), "Send");
    assert_eq!(text("#run .count-error"), "count must be a whole number, got \"dix\"");
}

#[wasm_bindgen_test]
fn a_shared_link_brings_hostile_names_back_as_they_were_and_the_kcat_export_quotes_them() {
    use shared::protocol::{HeaderTemplate, ProduceRequest};
    let names = ["$(touch PWNED)", "`id`", "x\"; rm -rf ~; \"", "a'b", "line\nbreak", "50% & ?#=/"];
    let request = ProduceRequest {
        headers: names.iter().map(|n| HeaderTemplate { name: (*n).into(), value: "{i}".into() }).collect(),
        ..ProduceRequest::lab()
    };
    let link = frontend::share::fragment(&request);
    assert!(!link.contains(' ') && !link.contains('\n'), "the link is one URI fragment: {link}");
    assert_eq!(frontend::share::parse(&link), Some(request.clone()), "the link brings the same request back");
    let kcat = frontend::export::export(frontend::export::Language::Kcat, &request, "127.0.0.1:9092");
    for name in names {
        let quoted = format!("-H '{}='", name.replace('\'', "'\\''"));
        assert!(kcat.contains(&quoted), "{quoted} not in\n{kcat}");
    }
}
