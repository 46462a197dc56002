//! Where the problem is: the city's districts drawn by the server, and an island on them
//! that lets a resident tap to drop the pin, drag it, zoom, use the phone's location, and
//! see open reports of the same kind nearby to say "me too" to.
//!
//! The server draws all of it ([`PinPicker`]): the districts, the status line, the
//! controls (hidden), the coordinate fields and the empty nearby list, with what the
//! island needs in `data-` attributes. The island ([`PinPickerIsland`]) keeps the pin and the view
//! and redraws the parts that change. Without JavaScript the coordinate fields do the job.

use leptos::{html, prelude::*};
use wasm_bindgen::JsValue;

pub use super::place_search::PlaceSearchSetup;
use super::{
    map_view::{drawing_number, Point, Position, Projection, ViewBox},
    place_search::PlaceSearchBox,
};
use crate::{
    browser::{self, fixed_digits, wire},
    components::islands::parse_number,
};

/// The words the island shows, in the page's language.
#[derive(Clone, Debug, PartialEq)]
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

/// What the map needs of the form (the drawing carries its own projection and size).
#[derive(Clone, Debug, PartialEq)]
pub struct PinSetup {
    pub city: String,
    pub category: String,
    /// The pin of a form shown again, as typed.
    pub lat: String,
    pub lon: String,
    pub words: PinWords,
}

/// The pin map's markup, whole; `children` is the server's drawing of the districts, and
/// `search` the address search above it, when the city has one.
#[component]
pub fn PinPicker(
    setup: PinSetup,
    search: Option<PlaceSearchSetup>,
    children: Children,
) -> impl IntoView {
    let PinSetup {
        city,
        category,
        lat,
        lon,
        words: w,
    } = setup;
    view! {
        <PinPickerIsland>
            <div id="pin-picker" data-city=city data-category=category
                data-inside=w.inside data-outside=w.outside data-no-location=w.no_location
                data-me-too=w.me_too data-thanks=w.thanks data-offline=w.offline>
                {search.map(|search| view! { <PlaceSearchBox setup=search/> })}
                <div class="pin-map-frame">{children()}</div>
                <p id="pin-status" class="pin-status" role="status" aria-live="polite"></p>
                <div class="button-row map-controls" hidden>
                    <button type="button" class="button secondary" data-action="locate" hidden>
                        {w.use_location}
                    </button>
                    <button type="button" class="button secondary zoom" data-action="zoom-in"
                        aria-label=w.zoom_in>"+"</button>
                    <button type="button" class="button secondary zoom" data-action="zoom-out"
                        aria-label=w.zoom_out>"−"</button>
                </div>
                <div class="pin-fallback">
                    <label>{w.latitude}" "
                        <input type="text" inputmode="decimal" name="lat" id="pin-lat"
                            autocomplete="off" value=lat/>
                    </label>
                    <label>{w.longitude}" "
                        <input type="text" inputmode="decimal" name="lon" id="pin-lon"
                            autocomplete="off" value=lon/>
                    </label>
                </div>
                <div id="nearby" class="nearby" hidden>
                    <h2>{w.nearby_title}</h2>
                    <p class="hint">{w.nearby_hint}</p>
                    <ul class="plain-list" id="nearby-list"></ul>
                </div>
            </div>
        </PinPickerIsland>
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

/// An open report of the same kind near the pin.
struct Nearby {
    reference: String,
    /// Where it is on the drawing.
    at: Point,
    distance_m: f64,
    filed: String,
    support: Support,
}

/// The island's state, made once hydrated from the markup's `data-` attributes.
struct MapState {
    projection: Projection,
    full: ViewBox,
    view: ViewBox,
    pin: Option<Point>,
    /// The pin is held (pressed, not yet let go).
    dragging: bool,
    /// ... and has moved since it was pressed: letting go of a pin that did not move is a
    /// tap, which places it where it was tapped.
    dragged: bool,
    /// Counts the look-ups, so that an answer overtaken by a later one is dropped.
    lookups: u32,
    pending_lookup: Option<TimeoutHandle>,
    nearby: Vec<Nearby>,
}

type Map = StoredValue<Option<MapState>>;

/// The map's behaviour, on the markup [`PinPicker`] draws.
#[island]
pub fn PinPickerIsland(children: Children) -> impl IntoView {
    let map: Map = StoredValue::new(None);
    let root = NodeRef::<html::Div>::new();

    // Once in the browser: the map takes over from the coordinate fields, and a pin kept
    // from a refused form is placed again.
    Effect::new(move |_| {
        if root.get().is_some() {
            start(map);
        }
    });

    // A tap drops the pin (and zooms in on the first); dragging the pin moves it.
    let on_pointer_down = move |event: web_sys::PointerEvent| {
        if svg::is_pin(&event) {
            with_map(map, |m| {
                m.dragging = true;
                m.dragged = false;
            });
            if let Some(svg) = drawing() {
                let _ = svg.set_pointer_capture(event.pointer_id());
            }
        }
    };
    let on_pointer_move = move |event: web_sys::PointerEvent| {
        let dragging = with_map(map, |m| {
            m.dragged |= m.dragging;
            m.dragging
        });
        if dragging == Some(true) {
            if let Some(point) = drawing().and_then(|svg| svg::to_drawing(&svg, &event)) {
                place(map, point);
            }
        }
    };
    let on_pointer_up = move |event: web_sys::PointerEvent| {
        let dragged = with_map(map, |m| std::mem::take(&mut m.dragging) && m.dragged);
        if dragged != Some(false) || browser::target_in(&event, "#pin-map").is_none() {
            return;
        }
        if let Some(point) = drawing().and_then(|svg| svg::to_drawing(&svg, &event)) {
            let first = with_map(map, |m| m.pin.is_none()).unwrap_or(false);
            place(map, point);
            if first {
                zoom(map, 0.25, Some(point));
            }
        }
    };
    let on_click = move |event: web_sys::MouseEvent| {
        if let Some(button) = browser::target_in(&event, "[data-reference]") {
            return say_me_too(map, browser::data(&button, "reference"));
        }

        match browser::target_in(&event, "[data-action]")
            .map(|button| browser::data(&button, "action"))
            .as_deref()
        {
            Some("zoom-in") => {
                let pin = with_map(map, |m| m.pin).flatten();
                zoom(map, 0.5, pin);
            }
            Some("zoom-out") => zoom(map, 2.0, None),
            Some("locate") => locate(map),
            _ => {}
        }
    };

    // The keyboard: on the focused map, the arrow keys move the pin (placing it in the
    // middle first), + and − zoom.
    let on_key_down = move |event: web_sys::KeyboardEvent| {
        if browser::target_in(&event, "#pin-map").is_none() {
            return;
        }
        let step = |m: &MapState| m.view.width / if event.shift_key() { 100.0 } else { 20.0 };
        let moved = with_map(map, |m| {
            let from = m.pin.unwrap_or_else(|| m.view.centre());
            let step = if m.pin.is_some() { step(m) } else { 0.0 };
            match event.key().as_str() {
                "ArrowUp" => Some(Point {
                    y: from.y - step,
                    ..from
                }),
                "ArrowDown" => Some(Point {
                    y: from.y + step,
                    ..from
                }),
                "ArrowLeft" => Some(Point {
                    x: from.x - step,
                    ..from
                }),
                "ArrowRight" => Some(Point {
                    x: from.x + step,
                    ..from
                }),
                "Enter" | " " if m.pin.is_none() => Some(from),
                _ => None,
            }
        })
        .flatten();
        match (moved, event.key().as_str()) {
            (Some(point), _) => {
                event.prevent_default();
                place(map, point);
                follow(map, point);
            }
            (None, "+" | "=") => {
                event.prevent_default();
                let pin = with_map(map, |m| m.pin).flatten();
                zoom(map, 0.5, pin);
            }
            (None, "-" | "_") => {
                event.prevent_default();
                zoom(map, 2.0, None);
            }
            _ => {}
        }
    };

    view! {
        <div class="island" node_ref=root on:pointerdown=on_pointer_down
            on:pointermove=on_pointer_move on:pointerup=on_pointer_up on:click=on_click
            on:keydown=on_key_down>
            {children()}
        </div>
    }
}

/// `f` on the state, once there is one.
fn with_map<T>(map: Map, f: impl FnOnce(&mut MapState) -> T) -> Option<T> {
    map.try_update_value(|m| m.as_mut().map(f)).flatten()
}

/// Reads the projection and size off the drawing, shows the controls, draws the view and
/// places a kept pin.
fn start(map: Map) {
    let (Some(setup), Some(svg)) = (setup(), drawing()) else {
        return;
    };
    let number = |name: &str| parse_number(&browser::data(&svg, name));
    let (Some(west), Some(north), Some(x_scale), Some(y_scale)) = (
        number("west"),
        number("north"),
        number("x-scale"),
        number("y-scale"),
    ) else {
        return;
    };
    let projection = Projection {
        west,
        north,
        x_scale,
        y_scale,
    };
    // `0 0 {width} {height}`, as the server draws it.
    let view_box: Vec<f64> = svg
        .get_attribute("viewBox")
        .unwrap_or_default()
        .split(' ')
        .filter_map(parse_number)
        .collect();
    let [_, _, width, height] = view_box[..] else {
        return;
    };
    let full = ViewBox {
        x: 0.0,
        y: 0.0,
        width,
        height,
    };
    // Only now does the map do anything with the keyboard: it joins the tab order.
    let _ = svg.set_attribute("tabindex", "0");
    for (selector, shown) in [
        (".map-controls", true),
        (".pin-fallback", false),
        ("[data-action=locate]", svg::has_geolocation()),
    ] {
        if let Some(part) = browser::child(&setup, selector) {
            part.set_hidden(!shown);
        }
    }
    let kept = browser::input_by_id("pin-lat")
        .and_then(|lat| parse_number(&lat.value()))
        .zip(browser::input_by_id("pin-lon").and_then(|lon| parse_number(&lon.value())));
    map.set_value(Some(MapState {
        projection,
        full,
        view: full,
        pin: None,
        dragging: false,
        dragged: false,
        lookups: 0,
        pending_lookup: None,
        nearby: Vec::new(),
    }));
    // The city's raster tiles, if it has any, under the whole city.
    redraw(map);
    if let Some((lat, lon)) = kept {
        let point = projection.point(Position { lat, lon });
        if point.x.is_finite() && point.y.is_finite() {
            // Close enough to see its streets (a place found by name, or a refused form's
            // pin, which the resident had placed with care).
            place(map, point);
            zoom(map, 1.0 / 64.0, Some(point));
        }
    }
}

/// Moves the pin to `point`: its district, its coordinates in the fields, and the nearby
/// reports looked up again.
fn place(map: Map, point: Point) {
    let Some(projection) = with_map(map, |m| {
        m.pin = Some(point);
        m.projection
    }) else {
        return;
    };
    let position = projection.position(point);
    let (lat, lon) = (fixed_digits(position.lat, 6), fixed_digits(position.lon, 6));
    for (id, value) in [("pin-lat", &lat), ("pin-lon", &lon)] {
        if let Some(field) = browser::input_by_id(id) {
            field.set_value(value);
        }
    }
    match drawing().and_then(|svg| svg::select_district(&svg, point)) {
        Some(name) => say_status(
            &format!(
                "{} {name} · {}, {}",
                word("inside"),
                fixed_digits(position.lat, 5),
                fixed_digits(position.lon, 5)
            ),
            false,
        ),
        None => say_status(&word("outside"), true),
    }
    redraw(map);
    look_nearby(map, &lat, &lon);
}

/// Keeps `point` in view: the view moves to centre on it when it leaves.
fn follow(map: Map, point: Point) {
    let moved = with_map(map, |m| {
        let v = m.view;
        let inside =
            (v.x..=v.x + v.width).contains(&point.x) && (v.y..=v.y + v.height).contains(&point.y);
        if !inside {
            m.view = v.zoomed(&m.full, 1.0, point);
        }
        !inside
    });
    if moved == Some(true) {
        redraw(map);
    }
}

fn zoom(map: Map, factor: f64, around: Option<Point>) {
    with_map(map, |m| {
        let centre = around.unwrap_or_else(|| m.view.centre());
        m.view = m.view.zoomed(&m.full, factor, centre);
    });
    redraw(map);
}

/// The drawing follows the pin and the view, with the city's raster tiles, if any.
fn redraw(map: Map) {
    let Some((view, pin, projection, nearby)) = with_map(map, |m| {
        let nearby: Vec<Point> = m.nearby.iter().map(|n| n.at).collect();
        (m.view, m.pin, m.projection, nearby)
    }) else {
        return;
    };
    if let Some(svg) = drawing() {
        svg::mark_nearby(&svg, &nearby, view.pin_radius() * 0.6);
        svg::show(&svg, &view, pin);
        if let Some(template) = svg.get_attribute("data-tiles") {
            svg::draw_tiles(&svg, &template, &projection, &view);
        }
    }
}

/// The markup's root, holding the setup and the words.
fn setup() -> Option<web_sys::Element> {
    browser::element_by_id("pin-picker")
}

/// One of the words on `#pin-picker`.
fn word(name: &str) -> String {
    setup()
        .map(|setup| browser::data(&setup, name))
        .unwrap_or_default()
}

/// The status line under the map: the pin's district, or what went wrong.
fn say_status(text: &str, error: bool) {
    if let Some(status) = browser::element_by_id("pin-status") {
        status.set_text_content(Some(text));
        let _ = status.class_list().toggle_with_force("error", error);
    }
}

fn locate(map: Map) {
    let no_location = move || say_status(&word("no-location"), true);
    let found = move |position: Position| {
        let Some((point, close)) = with_map(map, |m| {
            let point = m.projection.point(position);
            (point, (m.full.width / 64.0) / m.view.width)
        }) else {
            return;
        };
        place(map, point);
        zoom(map, close.min(1.0), Some(point));
    };
    if svg::locate(found, no_location).is_err() {
        no_location();
    }
}

/// Open reports of the same kind near the pin, asked for once the pin rests a moment.
fn look_nearby(map: Map, lat: &str, lon: &str) {
    let url = format!(
        "/api/c/{}/reports/nearby?category={}&lat={lat}&lon={lon}",
        encode(&word("city")),
        encode(&word("category")),
    );
    let Some(this) = with_map(map, |m| {
        m.lookups += 1;
        m.lookups
    }) else {
        return;
    };
    let handle = set_timeout_with_handle(
        move || {
            leptos::task::spawn_local(async move {
                // No answer keeps the list as it was, with what the resident said of it.
                let found = match browser::send("GET", &url, None).await {
                    Ok(answer) if answer.ok() => answer.js().unwrap_or(JsValue::UNDEFINED),
                    _ => return,
                };
                let current = with_map(map, |m| {
                    // A slow answer for an earlier pin must not replace a later one.
                    if m.lookups != this {
                        return false;
                    }
                    // A report still listed keeps what the resident already said of it.
                    let said = std::mem::take(&mut m.nearby);
                    let projection = m.projection;
                    m.nearby = wire::items(&found, None)
                        .iter()
                        .filter_map(|report| {
                            let reference = wire::text(report, wire::NEARBY_REFERENCE)?;
                            let support = said
                                .iter()
                                .find(|earlier| earlier.reference == reference)
                                .map_or(Support::Offered, |earlier| earlier.support);
                            let at = projection.point(Position {
                                lat: wire::number(report, wire::NEARBY_LAT)?,
                                lon: wire::number(report, wire::NEARBY_LON)?,
                            });
                            Some(Nearby {
                                at,
                                distance_m: wire::number(report, wire::NEARBY_DISTANCE)?,
                                filed: wire::text(report, wire::NEARBY_FILED)?,
                                reference,
                                support,
                            })
                        })
                        .collect();
                    true
                });
                if current == Some(true) {
                    show_nearby(map);
                    redraw(map);
                }
            });
        },
        std::time::Duration::from_millis(300),
    );
    with_map(map, |m| {
        if let Some(earlier) = m.pending_lookup.take() {
            earlier.clear();
        }
        m.pending_lookup = handle.ok();
    });
}

/// Redraws the nearby list: a handful of rows at most.
fn show_nearby(map: Map) {
    let (Some(section), Some(list)) = (
        browser::element_by_id("nearby"),
        browser::element_by_id("nearby-list"),
    ) else {
        return;
    };
    let words = ["me-too", "offline", "thanks"].map(word);
    let [me_too, offline, thanks] = &words;
    list.set_text_content(None);
    let shown = with_map(map, |m| {
        for report in &m.nearby {
            let (Some(item), Some(summary), Some(button), Some(notice)) = (
                browser::create("li"),
                browser::create("p"),
                browser::create("button"),
                browser::create("p"),
            ) else {
                return 0;
            };
            item.set_class_name("card");
            summary.set_text_content(Some(&format!(
                "{} · {} m · {}",
                report.reference,
                fixed_digits(report.distance_m, 0),
                report.filed
            )));
            for (name, value) in [
                ("type", "button"),
                ("class", "button secondary"),
                ("data-reference", report.reference.as_str()),
            ] {
                let _ = button.set_attribute(name, value);
            }
            let label = if report.support == Support::Failed {
                offline
            } else {
                me_too
            };
            button.set_text_content(Some(label));
            button.set_hidden(report.support == Support::Taken);
            if report.support == Support::Sending {
                let _ = button.set_attribute("disabled", "");
            }
            notice.set_class_name("notice");
            notice.set_text_content(Some(thanks));
            notice.set_hidden(report.support != Support::Taken);
            for part in [&summary, &button, &notice] {
                let _ = item.append_child(part);
            }
            let _ = list.append_child(&item);
        }
        m.nearby.len()
    })
    .unwrap_or(0);
    if let Ok(section) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(section) {
        section.set_hidden(shown == 0);
    }
}

/// "Me too" for the report `reference`.
fn say_me_too(map: Map, reference: String) {
    set_support(map, &reference, Support::Sending);
    leptos::task::spawn_local(async move {
        let fields = web_sys::UrlSearchParams::new().ok();
        if let Some(fields) = &fields {
            fields.append("reference", &reference);
        }
        let taken = matches!(
            browser::send("POST", "/r/support", fields.map(browser::Body::Fields)).await,
            Ok(answer) if answer.ok()
        );
        let support = if taken {
            Support::Taken
        } else {
            Support::Failed
        };
        set_support(map, &reference, support);
    });
}

/// Where "me too" stands for `reference`, if it is still listed.
fn set_support(map: Map, reference: &str, support: Support) {
    with_map(map, |m| {
        if let Some(report) = m.nearby.iter_mut().find(|r| r.reference == reference) {
            report.support = support;
        }
    });
    show_nearby(map);
}

/// The server-drawn map.
fn drawing() -> Option<web_sys::SvgsvgElement> {
    use wasm_bindgen::JsCast;
    browser::element_by_id("pin-map")?.dyn_into().ok()
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

/// What is done to the server's drawing, with the browser's SVG geometry.
mod svg {
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{Element, SvgsvgElement};

    use super::{drawing_number, Point, Position, Projection, ViewBox};
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
        // Last drawn, so the pin stays above the marks of nearby reports.
        let _ = svg.append_child(&circle);
        let _ = circle.set_attribute("cx", &drawing_number(pin.x));
        let _ = circle.set_attribute("cy", &drawing_number(pin.y));
        let _ = circle.set_attribute("r", &drawing_number(view.pin_radius()));
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
        // The tiles' datum, as config declares it.
        let datum = svg
            .get_attribute("data-tiles-datum")
            .and_then(|id| crate::account::Datum::from_id(&id))
            .unwrap_or_default();
        let Some(tiles) = tiles_for(template, datum, projection, view, pixels_wide) else {
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
                ("x", drawing_number(tile.x)),
                ("y", drawing_number(tile.y)),
                ("width", drawing_number(tile.width)),
                ("height", drawing_number(tile.height)),
                ("preserveAspectRatio", "none".to_owned()),
            ] {
                let _ = image.set_attribute(name, &value);
            }
            let _ = layer.append_child(&image);
        }
    }

    /// Marks open reports near the pin (drawn under the pin, over the districts).
    pub fn mark_nearby(svg: &SvgsvgElement, at: &[Point], radius: f64) {
        let Some(document) = svg.owner_document() else {
            return;
        };
        let layer = match svg.query_selector("g.nearby-reports") {
            Ok(Some(layer)) => layer,
            _ => {
                let Ok(layer) = document.create_element_ns(Some(SVG), "g") else {
                    return;
                };
                let _ = layer.set_attribute("class", "nearby-reports");
                let _ = layer.set_attribute("aria-hidden", "true");
                let _ = svg.append_child(&layer);
                layer
            }
        };
        layer.set_text_content(None);
        for point in at {
            let Ok(mark) = document.create_element_ns(Some(SVG), "circle") else {
                continue;
            };
            for (name, value) in [
                ("cx", drawing_number(point.x)),
                ("cy", drawing_number(point.y)),
                ("r", drawing_number(radius)),
            ] {
                let _ = mark.set_attribute(name, &value);
            }
            let _ = layer.append_child(&mark);
        }
    }

    pub fn has_geolocation() -> bool {
        web_sys::window().is_some_and(|window| window.navigator().geolocation().is_ok())
    }

    /// Asks the phone, precisely, where it is: `found` with the position, or `failed`.
    pub fn locate(
        found: impl FnOnce(Position) + 'static,
        failed: impl FnOnce() + 'static,
    ) -> Result<(), JsValue> {
        crate::browser::locate(true, move |lat, lon| found(Position { lat, lon }), failed)
    }
}
