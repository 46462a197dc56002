//! Where the problem is: the city's districts drawn by the server, and this island around
//! them, which lets a resident tap to drop the pin, drag it, zoom, use the phone's
//! location, and see open reports of the same kind nearby to say "me too" to.
//!
//! The drawing stays the server's (the island gets it as children, so its paths are not
//! sent twice); the island keeps the pin, the view and the answers in signals and draws the
//! pin, the zoom and any raster tiles into it. Without JavaScript the two coordinate fields
//! below the map do the job.

use std::sync::atomic::Ordering;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::map_view::{drawing_number, Point, Position, Projection, ViewBox};
use crate::{
    browser::{self, fixed_digits},
    components::islands::{parse_number, PropList},
    reports::NearbyReport,
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

/// What the island needs of the form and the city's drawing; it crosses as a list of
/// strings (see `PropList`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
pub struct PinSetup {
    pub city: String,
    pub category: String,
    pub projection: Projection,
    pub width: f64,
    pub height: f64,
    /// The pin of a form shown again, as typed.
    pub lat: String,
    pub lon: String,
    pub words: PinWords,
}

impl From<PinSetup> for Vec<String> {
    fn from(setup: PinSetup) -> Self {
        let p = setup.projection;
        let w = setup.words;
        let numbers = [
            p.west,
            p.north,
            p.x_scale,
            p.y_scale,
            setup.width,
            setup.height,
        ];
        [setup.city, setup.category, setup.lat, setup.lon]
            .into_iter()
            .chain(numbers.map(|n| n.to_string()))
            .chain([
                w.latitude,
                w.longitude,
                w.use_location,
                w.zoom_in,
                w.zoom_out,
                w.inside,
                w.outside,
                w.no_location,
                w.nearby_title,
                w.nearby_hint,
                w.me_too,
                w.thanks,
                w.offline,
            ])
            .collect()
    }
}

impl TryFrom<Vec<String>> for PinSetup {
    type Error = String;

    fn try_from(list: Vec<String>) -> Result<Self, String> {
        let mut props = PropList::new(list);
        let p = &mut props;
        Ok(PinSetup {
            city: p.text()?,
            category: p.text()?,
            lat: p.text()?,
            lon: p.text()?,
            projection: Projection {
                west: p.number()?,
                north: p.number()?,
                x_scale: p.number()?,
                y_scale: p.number()?,
            },
            width: p.number()?,
            height: p.number()?,
            words: PinWords {
                latitude: p.text()?,
                longitude: p.text()?,
                use_location: p.text()?,
                zoom_in: p.text()?,
                zoom_out: p.text()?,
                inside: p.text()?,
                outside: p.text()?,
                no_location: p.text()?,
                nearby_title: p.text()?,
                nearby_hint: p.text()?,
                me_too: p.text()?,
                thanks: p.text()?,
                offline: p.text()?,
            },
        })
    }
}

/// What the status line says about the pin.
#[derive(Clone, Debug, PartialEq)]
enum PinStatus {
    Unset,
    Inside(String),
    Outside,
    NoLocation,
}

/// Where "me too" stands for one nearby report.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Support {
    Offered,
    Sending,
    Taken,
    Failed,
}

/// Everything the island shows that changes. One signal for the lot (and one for the
/// nearby reports): each signal type costs the wasm its own copy of the reactive code,
/// while redrawing a few elements costs a phone nothing.
#[derive(Clone, Debug, PartialEq)]
struct PinState {
    /// Hydrated: the map works, so the coordinate fields step aside.
    ready: bool,
    can_locate: bool,
    lat: String,
    lon: String,
    view: ViewBox,
    pin: Option<Point>,
    status: PinStatus,
}

/// What does not change, or changes without being shown.
struct PinFixed {
    setup: PinSetup,
    dragging: std::sync::atomic::AtomicBool,
    pending_lookup: std::sync::Mutex<Option<TimeoutHandle>>,
    /// Counts the look-ups, so that an answer overtaken by a later one is dropped.
    lookups: std::sync::atomic::AtomicU32,
}

#[island]
pub fn PinPicker(setup: PinSetup, children: Children) -> impl IntoView {
    let full = ViewBox {
        x: 0.0,
        y: 0.0,
        width: setup.width,
        height: setup.height,
    };
    let state = RwSignal::new(PinState {
        ready: false,
        can_locate: false,
        lat: setup.lat.clone(),
        lon: setup.lon.clone(),
        view: full,
        pin: None,
        status: PinStatus::Unset,
    });
    let nearby = RwSignal::new(Vec::<(NearbyReport, Support)>::new());
    let fixed = StoredValue::new(PinFixed {
        setup,
        dragging: false.into(),
        pending_lookup: None.into(),
        lookups: 0.into(),
    });
    let projection = fixed.with_value(|f| f.setup.projection);

    // Open reports of the same kind near the pin, asked for once the pin rests a moment.
    let look_nearby = move || {
        let url = state.with_untracked(|s| {
            fixed.with_value(|f| {
                format!(
                    "/api/c/{}/reports/nearby?category={}&lat={}&lon={}",
                    encode(&f.setup.city),
                    encode(&f.setup.category),
                    s.lat,
                    s.lon
                )
            })
        });
        let this = fixed.with_value(|f| f.lookups.fetch_add(1, Ordering::Relaxed) + 1);
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let found: Vec<NearbyReport> = match browser::send("GET", &url, None).await {
                        Ok(answer) if answer.ok() => answer.json().unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    // A slow answer for an earlier pin must not replace a later one.
                    if fixed.with_value(|f| f.lookups.load(Ordering::Relaxed)) != this {
                        return;
                    }
                    // A report still listed keeps what the resident already said of it.
                    nearby.update(|rows| {
                        let said = std::mem::take(rows);
                        *rows = found
                            .into_iter()
                            .map(|report| {
                                let support = said
                                    .iter()
                                    .find(|(earlier, _)| earlier.reference == report.reference)
                                    .map_or(Support::Offered, |(_, support)| *support);
                                (report, support)
                            })
                            .collect();
                    });
                });
            },
            std::time::Duration::from_millis(300),
        );
        fixed.with_value(|f| {
            if let Ok(mut pending) = f.pending_lookup.lock() {
                if let Some(earlier) = pending.take() {
                    earlier.clear();
                }
                *pending = handle.ok();
            }
        });
    };

    let place = move |point: Point| {
        let position = projection.position(point);
        let district = drawing().and_then(|svg| svg::select_district(&svg, point));
        state.update(|s| {
            s.pin = Some(point);
            s.lat = fixed_digits(position.lat, 6);
            s.lon = fixed_digits(position.lon, 6);
            s.status = district.map_or(PinStatus::Outside, PinStatus::Inside);
        });
        look_nearby();
    };
    let zoom = move |factor: f64, around: Option<Point>| {
        state.update(|s| {
            let centre = around.unwrap_or_else(|| s.view.centre());
            s.view = s.view.zoomed(&full, factor, centre);
        });
    };

    // Once in the browser: the map takes over from the coordinate fields, and a pin kept
    // from a refused form is placed again.
    Effect::new(move |_| {
        let kept = state.with_untracked(|s| parse_number(&s.lat).zip(parse_number(&s.lon)));
        state.update(|s| {
            s.ready = true;
            s.can_locate = svg::has_geolocation();
        });
        if let Some((lat, lon)) = kept {
            let point = projection.point(Position { lat, lon });
            if point.x.is_finite() && point.y.is_finite() {
                place(point);
                zoom(0.25, Some(point));
            }
        }
    });
    // The drawing follows the pin and the view.
    Effect::new(move |_| {
        let (view, pin) = state.with(|s| (s.view, s.pin));
        if let Some(svg) = drawing() {
            svg::show(&svg, &view, pin);
            // The drawing names its raster tiles, if the city has any.
            if let Some(template) = svg.get_attribute("data-tiles") {
                svg::draw_tiles(&svg, &template, &projection, &view);
            }
        }
    });

    // A tap drops the pin (and zooms in on the first); dragging the pin moves it.
    let dragging = move |now: Option<bool>| {
        fixed.with_value(|f| match now {
            Some(value) => f.dragging.swap(value, Ordering::Relaxed),
            None => f.dragging.load(Ordering::Relaxed),
        })
    };
    let on_pointer_down = move |event: web_sys::PointerEvent| {
        if svg::is_pin(&event) {
            dragging(Some(true));
            if let Some(svg) = drawing() {
                let _ = svg.set_pointer_capture(event.pointer_id());
            }
        }
    };
    let on_pointer_move = move |event: web_sys::PointerEvent| {
        if dragging(None) {
            if let Some(point) = drawing().and_then(|svg| svg::to_drawing(&svg, &event)) {
                place(point);
            }
        }
    };
    let on_pointer_up = move |event: web_sys::PointerEvent| {
        if dragging(Some(false)) {
            return;
        }
        if let Some(point) = drawing().and_then(|svg| svg::to_drawing(&svg, &event)) {
            let first = state.with_untracked(|s| s.pin.is_none());
            place(point);
            if first {
                zoom(0.25, Some(point));
            }
        }
    };
    let no_location = move || state.update(|s| s.status = PinStatus::NoLocation);
    let locate = move |_| {
        let found = move |position: Position| {
            let point = projection.point(position);
            place(point);
            let close = (full.width / 64.0) / state.with_untracked(|s| s.view.width);
            zoom(close.min(1.0), Some(point));
        };
        if svg::locate(found, no_location).is_err() {
            no_location();
        }
    };

    let word =
        move |pick: fn(&PinWords) -> &String| fixed.with_value(|f| pick(&f.setup.words).clone());
    let status_text = move || {
        state.with(|s| {
            fixed.with_value(|f| {
                let w = &f.setup.words;
                match &s.status {
                    PinStatus::Unset => String::new(),
                    PinStatus::Inside(name) => format!("{} {name}", w.inside),
                    PinStatus::Outside => w.outside.clone(),
                    PinStatus::NoLocation => w.no_location.clone(),
                }
            })
        })
    };
    let status_is_error =
        move || state.with(|s| matches!(s.status, PinStatus::Outside | PinStatus::NoLocation));
    let (kept_lat, kept_lon) = state.with_untracked(|s| (s.lat.clone(), s.lon.clone()));
    let say_me_too = move |index: usize, reference: String| {
        nearby.update(|rows| {
            if let Some(row) = rows.get_mut(index) {
                row.1 = Support::Sending;
            }
        });
        leptos::task::spawn_local(async move {
            let fields = web_sys::UrlSearchParams::new().ok();
            if let Some(fields) = &fields {
                fields.append("reference", &reference);
            }
            let taken = matches!(
                browser::send("POST", "/r/support", fields.map(browser::Body::Fields)).await,
                Ok(answer) if answer.ok()
            );
            nearby.update(|rows| {
                if let Some(row) = rows
                    .get_mut(index)
                    .filter(|row| row.0.reference == reference)
                {
                    row.1 = if taken {
                        Support::Taken
                    } else {
                        Support::Failed
                    };
                }
            });
        });
    };

    view! {
        <div class="pin-map-frame" on:pointerdown=on_pointer_down
            on:pointermove=on_pointer_move on:pointerup=on_pointer_up>
            {children()}
        </div>
        <p id="pin-status" class="pin-status" class:error=status_is_error role="status" aria-live="polite">
            {status_text}
        </p>
        <div class="button-row map-controls" hidden=move || !state.with(|s| s.ready)>
            <button type="button" class="button secondary" hidden=move || !state.with(|s| s.can_locate)
                on:click=locate>
                {word(|w| &w.use_location)}
            </button>
            <button type="button" class="button secondary zoom" aria-label=word(|w| &w.zoom_in)
                on:click=move |_| zoom(0.5, state.with_untracked(|s| s.pin))>"+"</button>
            <button type="button" class="button secondary zoom" aria-label=word(|w| &w.zoom_out)
                on:click=move |_| zoom(2.0, None)>"−"</button>
        </div>
        <div class="pin-fallback" hidden=move || state.with(|s| s.ready)>
            <label>{word(|w| &w.latitude)}" "
                <input type="text" inputmode="decimal" name="lat" id="pin-lat" autocomplete="off"
                    value=kept_lat prop:value=move || state.with(|s| s.lat.clone())/>
            </label>
            <label>{word(|w| &w.longitude)}" "
                <input type="text" inputmode="decimal" name="lon" id="pin-lon" autocomplete="off"
                    value=kept_lon prop:value=move || state.with(|s| s.lon.clone())/>
            </label>
        </div>
        <div id="nearby" class="nearby" hidden=move || nearby.with(Vec::is_empty)>
            <h2>{word(|w| &w.nearby_title)}</h2>
            <p class="hint">{word(|w| &w.nearby_hint)}</p>
            // A handful of rows at most, so redrawn whole rather than keyed (smaller wasm).
            <ul class="plain-list" id="nearby-list">
                {move || {
                    let rows = nearby.get();
                    rows.into_iter().enumerate().map(|(index, (report, support))| {
                        let summary = format!(
                            "{} · {} m · {}",
                            report.reference,
                            fixed_digits(report.distance_m, 0),
                            report.filed
                        );
                        let label = match support {
                            Support::Failed => word(|w| &w.offline),
                            _ => word(|w| &w.me_too),
                        };
                        let reference = report.reference;
                        view! {
                            <li class="card">
                                <p>{summary}</p>
                                <button type="button" class="button secondary"
                                    hidden=support == Support::Taken disabled=support == Support::Sending
                                    on:click=move |_| say_me_too(index, reference.clone())>
                                    {label}
                                </button>
                                <p class="notice" hidden=support != Support::Taken>{word(|w| &w.thanks)}</p>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </div>
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The props cross as a list of strings; whatever goes out comes back, and a list cut
    /// short is refused rather than read wrong.
    #[test]
    fn the_setup_crosses_as_a_list_of_strings_and_back() {
        let word = |n: usize| format!("word {n} « » \" ,");
        let setup = PinSetup {
            city: "shenzhen".into(),
            category: "streetlight".into(),
            projection: Projection {
                west: 113.75,
                north: 22.86,
                x_scale: 367.816_091_954_021_1,
                y_scale: 397.5,
            },
            width: 400.0,
            height: 230.25,
            lat: "22.5431".into(),
            lon: String::new(),
            words: PinWords {
                latitude: word(1),
                longitude: word(2),
                use_location: word(3),
                zoom_in: word(4),
                zoom_out: word(5),
                inside: word(6),
                outside: word(7),
                no_location: word(8),
                nearby_title: word(9),
                nearby_hint: word(10),
                me_too: word(11),
                thanks: word(12),
                offline: word(13),
            },
        };
        let json = serde_json::to_string(&setup).expect("serialized");
        let back: PinSetup = serde_json::from_str(&json).expect("deserialized");
        assert_eq!(back, setup);
        let mut cut: Vec<String> = setup.into();
        cut.pop();
        assert!(PinSetup::try_from(cut).is_err());
    }
}
