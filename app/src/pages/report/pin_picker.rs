//! Where the problem is: the city's districts drawn by the server, and this island around
//! them, which lets a resident tap to drop the pin, drag it, zoom, use the phone's
//! location, and see open reports of the same kind nearby to say "me too" to.
//!
//! The drawing stays the server's (the island gets it as children, so its paths are not
//! sent twice); the island keeps the pin, the view and the answers in signals and draws the
//! pin, the zoom and any raster tiles into it. Without JavaScript the two coordinate fields
//! below the map do the job.

use leptos::{html, prelude::*};
use serde::{Deserialize, Serialize};

use super::map_view::{Point, Position, Projection, ViewBox};
use crate::reports::NearbyReport;

/// The words the island shows, in the page's language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinWords {
    pub latitude: String,
    pub longitude: String,
    pub use_location: String,
    pub zoom_in: String,
    pub zoom_out: String,
    /// Followed by the district's name.
    pub inside: String,
    pub outside: String,
    pub no_location: String,
    pub nearby_title: String,
    pub nearby_hint: String,
    pub me_too: String,
    pub thanks: String,
    pub offline: String,
}

/// What the island needs of the form and the city's drawing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinSetup {
    pub city: String,
    pub category: String,
    pub projection: Projection,
    pub width: f64,
    pub height: f64,
    /// Raster tiles to draw beneath the districts (`{z}/{x}/{y}`).
    pub tiles: Option<String>,
    /// The pin of a form shown again, as typed.
    pub lat: String,
    pub lon: String,
    pub words: PinWords,
}

/// What the status line says about the pin.
#[derive(Clone, Debug, PartialEq)]
enum PinStatus {
    Unset,
    Inside(String),
    Outside,
    NoLocation,
}

#[island]
pub fn PinPicker(setup: PinSetup, children: Children) -> impl IntoView {
    let PinSetup {
        city,
        category,
        projection,
        width,
        height,
        tiles,
        lat: kept_lat,
        lon: kept_lon,
        words,
    } = setup;
    let full = ViewBox {
        x: 0.0,
        y: 0.0,
        width,
        height,
    };
    let words = StoredValue::new(words);
    let ready = RwSignal::new(false);
    let can_locate = RwSignal::new(false);
    let lat = RwSignal::new(kept_lat.clone());
    let lon = RwSignal::new(kept_lon.clone());
    let view = RwSignal::new(full);
    let pin = RwSignal::new(None::<Point>);
    let status = RwSignal::new(PinStatus::Unset);
    let nearby = RwSignal::new(Vec::<NearbyReport>::new());
    let dragging = StoredValue::new(false);
    let pending_lookup = StoredValue::new(None::<TimeoutHandle>);
    let frame = NodeRef::<html::Div>::new();
    let asked_about = StoredValue::new((city, category));

    // Open reports of the same kind near the pin, asked for once the pin rests a moment.
    let look_nearby = move || {
        if let Some(handle) = pending_lookup.get_value() {
            handle.clear();
        }
        let url = asked_about.with_value(|(city, category)| {
            format!(
                "/api/c/{}/reports/nearby?category={}&lat={}&lon={}",
                encode(city),
                encode(category),
                lat.get_untracked(),
                lon.get_untracked()
            )
        });
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let found = match crate::browser::send("GET", &url, None).await {
                        Ok(answer) if answer.ok() => answer.json().unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    nearby.set(found);
                });
            },
            std::time::Duration::from_millis(300),
        );
        pending_lookup.set_value(handle.ok());
    };

    let place = move |point: Point| {
        pin.set(Some(point));
        let position = projection.position(point);
        lat.set(format!("{:.6}", position.lat));
        lon.set(format!("{:.6}", position.lon));
        let district = drawing(frame).and_then(|svg| svg::select_district(&svg, point));
        status.set(district.map_or(PinStatus::Outside, PinStatus::Inside));
        look_nearby();
    };
    let zoom = move |factor: f64, around: Option<Point>| {
        view.update(|v| {
            let centre = around.unwrap_or_else(|| v.centre());
            *v = v.zoomed(&full, factor, centre);
        });
    };

    // Once in the browser: the map takes over from the coordinate fields, and a pin kept
    // from a refused form is placed again.
    let kept = (kept_lat.clone(), kept_lon.clone());
    Effect::new(move |_| {
        ready.set(true);
        can_locate.set(svg::has_geolocation());
        let (kept_lat, kept_lon) = &kept;
        let kept = kept_lat
            .trim()
            .parse::<f64>()
            .ok()
            .zip(kept_lon.trim().parse::<f64>().ok());
        if let Some((lat, lon)) = kept {
            let point = projection.point(Position { lat, lon });
            if point.x.is_finite() && point.y.is_finite() {
                place(point);
                zoom(0.25, Some(point));
            }
        }
    });
    // The drawing follows the pin and the view.
    let tiles = StoredValue::new(tiles);
    Effect::new(move |_| {
        let (current, pinned) = (view.get(), pin.get());
        if let Some(svg) = drawing(frame) {
            svg::show(&svg, &current, pinned);
            if let Some(template) = tiles.get_value() {
                svg::draw_tiles(&svg, &template, &projection, &current);
            }
        }
    });

    // A tap drops the pin (and zooms in on the first); dragging the pin moves it.
    let on_pointer_down = move |event: web_sys::PointerEvent| {
        if svg::is_pin(&event) {
            dragging.set_value(true);
            if let Some(svg) = drawing(frame) {
                let _ = svg.set_pointer_capture(event.pointer_id());
            }
        }
    };
    let on_pointer_move = move |event: web_sys::PointerEvent| {
        if dragging.get_value() {
            if let Some(point) = drawing(frame).and_then(|svg| svg::to_drawing(&svg, &event)) {
                place(point);
            }
        }
    };
    let on_pointer_up = move |event: web_sys::PointerEvent| {
        if dragging.get_value() {
            dragging.set_value(false);
            return;
        }
        if let Some(point) = drawing(frame).and_then(|svg| svg::to_drawing(&svg, &event)) {
            let first = pin.get_untracked().is_none();
            place(point);
            if first {
                zoom(0.25, Some(point));
            }
        }
    };
    let locate = move |_| {
        let found = move |position: Position| {
            let point = projection.point(position);
            place(point);
            let close = (full.width / 64.0) / view.get_untracked().width;
            zoom(close.min(1.0), Some(point));
        };
        if svg::locate(found, move || status.set(PinStatus::NoLocation)).is_err() {
            status.set(PinStatus::NoLocation);
        }
    };

    let status_text = move || {
        words.with_value(|w| match status.get() {
            PinStatus::Unset => String::new(),
            PinStatus::Inside(name) => format!("{} {name}", w.inside),
            PinStatus::Outside => w.outside.clone(),
            PinStatus::NoLocation => w.no_location.clone(),
        })
    };
    let status_is_error =
        move || matches!(status.get(), PinStatus::Outside | PinStatus::NoLocation);
    let word = move |pick: fn(&PinWords) -> &String| words.with_value(|w| pick(w).clone());

    view! {
        <div class="pin-map-frame" node_ref=frame on:pointerdown=on_pointer_down
            on:pointermove=on_pointer_move on:pointerup=on_pointer_up>
            {children()}
        </div>
        <p id="pin-status" class="pin-status" class:error=status_is_error role="status" aria-live="polite">
            {status_text}
        </p>
        <div class="button-row map-controls" hidden=move || !ready.get()>
            <button type="button" class="button secondary" hidden=move || !can_locate.get() on:click=locate>
                {word(|w| &w.use_location)}
            </button>
            <button type="button" class="button secondary zoom" aria-label=word(|w| &w.zoom_in)
                on:click=move |_| zoom(0.5, pin.get_untracked())>"+"</button>
            <button type="button" class="button secondary zoom" aria-label=word(|w| &w.zoom_out)
                on:click=move |_| zoom(2.0, None)>"−"</button>
        </div>
        <div class="pin-fallback" hidden=move || ready.get()>
            <label>{word(|w| &w.latitude)}" "
                <input type="text" inputmode="decimal" name="lat" id="pin-lat" autocomplete="off"
                    value=kept_lat.clone() prop:value=move || lat.get()/>
            </label>
            <label>{word(|w| &w.longitude)}" "
                <input type="text" inputmode="decimal" name="lon" id="pin-lon" autocomplete="off"
                    value=kept_lon.clone() prop:value=move || lon.get()/>
            </label>
        </div>
        <div id="nearby" class="nearby" hidden=move || nearby.with(Vec::is_empty)>
            <h2>{word(|w| &w.nearby_title)}</h2>
            <p class="hint">{word(|w| &w.nearby_hint)}</p>
            <ul class="plain-list" id="nearby-list">
                <For each=move || nearby.get() key=|report| report.reference.clone() let:report>
                    <NearbyRow report words/>
                </For>
            </ul>
        </div>
    }
}

/// Where "me too" stands for one nearby report.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Support {
    Offered,
    Sending,
    Taken,
    Failed,
}

#[component]
fn NearbyRow(report: NearbyReport, words: StoredValue<PinWords>) -> impl IntoView {
    let support = RwSignal::new(Support::Offered);
    let reference = report.reference.clone();
    let say_me_too = move |_| {
        support.set(Support::Sending);
        let reference = reference.clone();
        leptos::task::spawn_local(async move {
            let fields = web_sys::UrlSearchParams::new().ok();
            if let Some(fields) = &fields {
                fields.append("reference", &reference);
            }
            let body = fields.map(crate::browser::Body::Fields);
            let taken = matches!(
                crate::browser::send("POST", "/r/support", body).await,
                Ok(answer) if answer.ok()
            );
            support.set(if taken {
                Support::Taken
            } else {
                Support::Failed
            });
        });
    };
    let summary = format!(
        "{} · {} m · {}",
        report.reference, report.distance_m, report.filed
    );
    view! {
        <li class="card">
            <p>{summary}</p>
            {move || words.with_value(|w| match support.get() {
                Support::Taken => view! { <p class="notice">{w.thanks.clone()}</p> }.into_any(),
                state => {
                    let label = if state == Support::Failed { w.offline.clone() } else { w.me_too.clone() };
                    view! {
                        <button type="button" class="button secondary"
                            disabled=state == Support::Sending on:click=say_me_too.clone()>
                            {label}
                        </button>
                    }.into_any()
                }
            })}
        </li>
    }
}

/// The server-drawn map inside the frame.
fn drawing(frame: NodeRef<html::Div>) -> Option<web_sys::SvgsvgElement> {
    use wasm_bindgen::JsCast;
    frame
        .get_untracked()?
        .query_selector("svg")
        .ok()??
        .dyn_into()
        .ok()
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

/// What is done to the server's drawing, with the browser's SVG geometry.
mod svg {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{Element, SvgsvgElement};

    use super::{Point, Position, Projection, ViewBox};
    use crate::pages::report::map_view::tiles_for;

    const SVG: &str = "http://www.w3.org/2000/svg";

    /// A pointer event's place on the drawing, through the drawing's own transform (so the
    /// zoom and the page's layout are accounted for).
    pub fn to_drawing(svg: &SvgsvgElement, event: &web_sys::PointerEvent) -> Option<Point> {
        let point = svg.create_svg_point();
        point.set_x(event.client_x() as f32);
        point.set_y(event.client_y() as f32);
        let inverse = svg.get_screen_ctm()?.inverse().ok()?;
        let mapped = point.matrix_transform(&inverse);
        Some(Point {
            x: f64::from(mapped.x()),
            y: f64::from(mapped.y()),
        })
    }

    pub fn is_pin(event: &web_sys::PointerEvent) -> bool {
        event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .is_some_and(|element| element.class_list().contains("pin"))
    }

    /// Marks the district holding `point` as selected and returns its name; `None` when
    /// the point is outside every district.
    pub fn select_district(svg: &SvgsvgElement, point: Point) -> Option<String> {
        if let Ok(Some(previous)) = svg.query_selector("path.selected") {
            let _ = previous.class_list().remove_1("selected");
        }
        let at = web_sys::DomPointInit::new();
        at.set_x(point.x);
        at.set_y(point.y);
        let districts = svg.query_selector_all("path.district").ok()?;
        (0..districts.length())
            .filter_map(|i| {
                districts
                    .item(i)?
                    .dyn_into::<web_sys::SvgGeometryElement>()
                    .ok()
            })
            .find(|district| district.is_point_in_fill_with_point(&at))
            .map(|district| {
                let _ = district.class_list().add_1("selected");
                district.get_attribute("data-name").unwrap_or_default()
            })
    }

    /// The view and the pin, as the signals have them.
    pub fn show(svg: &SvgsvgElement, view: &ViewBox, pin: Option<Point>) {
        let _ = svg.set_attribute("viewBox", &view.attribute());
        let Some(pin) = pin else { return };
        let circle = match svg.query_selector("circle.pin") {
            Ok(Some(circle)) => circle,
            _ => {
                let Some(circle) = svg
                    .owner_document()
                    .and_then(|document| document.create_element_ns(Some(SVG), "circle").ok())
                else {
                    return;
                };
                let _ = circle.set_attribute("class", "pin");
                let _ = svg.append_child(&circle);
                circle
            }
        };
        let _ = circle.set_attribute("cx", &pin.x.to_string());
        let _ = circle.set_attribute("cy", &pin.y.to_string());
        let _ = circle.set_attribute("r", &view.pin_radius().to_string());
    }

    /// The raster tiles covering the view, beneath the districts; left as they were when
    /// the view would need too many.
    pub fn draw_tiles(
        svg: &SvgsvgElement,
        template: &str,
        projection: &Projection,
        view: &ViewBox,
    ) {
        let pixels_wide = match svg.get_bounding_client_rect().width() {
            width if width > 0.0 => width,
            _ => 360.0,
        };
        let Some(tiles) = tiles_for(template, projection, view, pixels_wide) else {
            return;
        };
        let Some(document) = svg.owner_document() else {
            return;
        };
        let layer = match svg.query_selector("g.tiles") {
            Ok(Some(layer)) => layer,
            _ => {
                let Ok(layer) = document.create_element_ns(Some(SVG), "g") else {
                    return;
                };
                let _ = layer.set_attribute("class", "tiles");
                let _ = svg.insert_before(&layer, svg.first_child().as_ref());
                layer
            }
        };
        layer.set_text_content(None);
        for tile in tiles {
            let Ok(image) = document.create_element_ns(Some(SVG), "image") else {
                continue;
            };
            for (name, value) in [
                ("href", tile.href),
                ("x", tile.x.to_string()),
                ("y", tile.y.to_string()),
                ("width", tile.width.to_string()),
                ("height", tile.height.to_string()),
                ("preserveAspectRatio", "none".to_owned()),
            ] {
                let _ = image.set_attribute(name, &value);
            }
            let _ = layer.append_child(&image);
        }
    }

    pub fn has_geolocation() -> bool {
        web_sys::window().is_some_and(|window| window.navigator().geolocation().is_ok())
    }

    /// Asks the phone where it is: `found` with the position, or `failed`.
    pub fn locate(
        found: impl FnOnce(Position) + 'static,
        failed: impl FnOnce() + 'static,
    ) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let geolocation = window.navigator().geolocation()?;
        let on_success = Closure::once_into_js(move |position: JsValue| {
            let coordinate = |name: &str| {
                js_sys::Reflect::get(&position, &"coords".into())
                    .and_then(|coords| js_sys::Reflect::get(&coords, &name.into()))
                    .ok()
                    .and_then(|value| value.as_f64())
            };
            if let (Some(lat), Some(lon)) = (coordinate("latitude"), coordinate("longitude")) {
                found(Position { lat, lon });
            }
        });
        let on_failure = Closure::once_into_js(move |_error: JsValue| failed());
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(15_000);
        geolocation.get_current_position_with_error_callback_and_options(
            on_success.unchecked_ref(),
            Some(on_failure.unchecked_ref()),
            &options,
        )
    }
}
