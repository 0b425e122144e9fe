//! Charts as a PNG image, for slides and reports where an SVG does not go: each SVG drawn
//! on a canvas by the browser itself, one below the other.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Pixels per SVG unit: sharp on a projector.
const SCALE: f64 = 2.0;

/// `svgs`, each `width` × `height` SVG units, drawn one below the other on a white
/// canvas: the image as a `data:image/png;base64,` address.
pub async fn png(svgs: &[String], (width, height): (f64, f64)) -> Result<String, JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width((width * SCALE) as u32);
    canvas.set_height((height * SCALE * svgs.len() as f64) as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or("no 2d context")?.dyn_into()?;
    context.set_fill_style_str("white");
    context.fill_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
    for (n, svg) in svgs.iter().enumerate() {
        let image = web_sys::HtmlImageElement::new()?;
        // Waits for the browser to decode the SVG: drawing before would draw nothing.
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            image.set_onload(Some(&resolve));
            image.set_onerror(Some(&reject));
        });
        let source = format!("data:image/svg+xml;charset=utf-8,{}", String::from(js_sys::encode_uri_component(svg)));
        image.set_src(&source);
        JsFuture::from(loaded).await?;
        let top = height * SCALE * n as f64;
        context.draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, top, width * SCALE, height * SCALE)?;
    }
    canvas.to_data_url_with_type("image/png")
}
