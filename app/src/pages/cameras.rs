//! Traffic cameras: the city's cameras (`/c/{city}/cameras`), starred first, then by road
//! from the resident's district, with their latest frames as small pictures that load only
//! as they come into view, and the city's map with the cameras on it; and one camera
//! (`…/cameras/{camera}`) with its frame at phone size, refreshed on request, or, with
//! JavaScript, on its own while the page is in view.

use leptos::{html, prelude::*};

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use super::city_and_region;
use crate::{
    api::{fetch_camera, fetch_cameras},
    browser::{self, wire},
    cameras::{CameraCard, CameraPage as Camera, CamerasPage as Cameras, FrameState},
    components::{header::PageHeader, islands::IslandScripts, raw_text::PageTitle},
    i18n::{t, t_args, Locale},
    pages::forms::{encode, here, query, FormMessages},
};

/// `/c/{city}/cameras?road=`.
#[component]
pub fn CamerasPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, region) = city_and_region();
    let road = query("road");
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    view! {
        <PageTitle text=t(locale, "service-cameras")/>
        <PageHeader title=t(locale, "service-cameras") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_cameras(city_id.clone(), region.clone(), road.clone())
                show=|page| view! { <CameraList page/> }.into_any()
            />
        </main>
    }
}

#[component]
fn CameraList(page: Cameras) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = page.city.id.clone();
    let map = page.map.clone();
    let dots: Vec<(String, f64, f64, FrameState)> = page
        .starred
        .iter()
        .chain(page.roads.iter().flat_map(|g| g.cameras.iter()))
        .map(|c| (c.name.clone(), c.map_x, c.map_y, c.frame.state))
        .collect();
    let empty = page.starred.is_empty() && page.roads.is_empty();
    let chosen = page.road.clone().unwrap_or_default();
    view! {
        <h1>{t(locale, "cameras-title")}</h1>
        <p class="hint">{t(locale, "cameras-intro")}</p>
        {page.problem.clone().map(|problem| view! { <p class="notice error" role="alert">{problem}</p> })}
        {(!page.road_names.is_empty()).then(|| view! {
            <form method="get" action=format!("/c/{city}/cameras") class="road-filter">
                <label for="road">{t(locale, "cameras-road-filter")}</label>
                <select id="road" name="road">
                    <option value="" selected=chosen.is_empty()>{t(locale, "cameras-all-roads")}</option>
                    {page.road_names.iter().map(|name| view! {
                        <option value=name.clone() selected=*name == chosen>{name.clone()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button secondary">{t(locale, "cameras-show")}</button>
            </form>
        })}
        {(empty && page.problem.is_none()).then(|| view! { <p>{t(locale, "cameras-none")}</p> })}
        {(!page.starred.is_empty()).then(|| view! {
            <section aria-labelledby="starred-title">
                <h2 id="starred-title">{t(locale, "cameras-starred-title")}</h2>
                <CameraCards city=city.clone() cameras=page.starred.clone()/>
            </section>
        })}
        {page.roads.into_iter().enumerate().map(|(i, group)| {
            let id = format!("road-{i}");
            let labelled_by = id.clone();
            view! {
                <section aria-labelledby=labelled_by>
                    <h2 id=id>{group.road}</h2>
                    <CameraCards city=city.clone() cameras=group.cameras/>
                </section>
            }
        }).collect_view()}
        <figure class="city-map cameras-map">
            <svg viewBox=format!("0 0 {} {}", map.width, map.height) role="img"
                aria-labelledby="cameras-map-caption">
                {map.regions.iter().map(|region| view! {
                    <path d=region.path.clone() class="district"/>
                }).collect_view()}
                {dots.into_iter().map(|(name, x, y, state)| view! {
                    <circle cx=x.to_string() cy=y.to_string() r="4" class="camera-dot"
                        data-state=state.id()>
                        <title>{name}</title>
                    </circle>
                }).collect_view()}
            </svg>
            <figcaption id="cameras-map-caption">{t(locale, "cameras-map-caption")}</figcaption>
        </figure>
    }
}

#[component]
fn CameraCards(city: String, cameras: Vec<CameraCard>) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let back = here();
    view! {
        <ul class="plain-list cameras">
            {cameras.into_iter().map(|camera| {
                let href = format!("/c/{city}/cameras/{}", encode(&camera.id));
                let state = camera.frame.state;
                view! {
                    <li class="card camera" data-camera=camera.id.clone() data-state=state.id()>
                        <a class="camera-link" href=href>
                            // A picture not yet asked for has no time to show beside it:
                            // none is shown (every picture carries its age).
                            {match camera.frame.thumbnail_src.clone().filter(|_| state != FrameState::Pending) {
                                // Below the first screen, a picture loads only when scrolled to.
                                Some(src) => view! {
                                    <img class="camera-thumb" src=src width="128" height="72"
                                        loading="lazy" decoding="async" alt=""/>
                                }.into_any(),
                                None => view! { <span class="camera-thumb no-frame" aria-hidden="true"></span> }.into_any(),
                            }}
                            <span class="camera-name">{camera.name.clone()}</span>
                        </a>
                        <p class="hint">
                            {camera.roads.join(" · ")}
                            {camera.nearby.then(|| view! { " · "<strong>{t(locale, "cameras-nearby")}</strong> })}
                        </p>
                        <FrameCaption state caption=camera.frame.caption.clone() id=None/>
                        <StarButton city=city.clone() camera=camera.id.clone() starred=camera.starred
                            name=camera.name.clone() back=back.clone()/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// When the frame was taken; marked plainly when it is old or missing.
#[component]
fn FrameCaption(state: FrameState, caption: String, id: Option<&'static str>) -> impl IntoView {
    view! {
        // Its colour follows its state (style/main.css): the island changes only the state.
        <p id=id class="frame-caption" data-state=state.id()>
            {caption}
        </p>
    }
}

/// Star or unstar: a form, so it works without JavaScript, whose button says what it does
/// ("Star", or "Remove star" once starred), named for its camera.
#[component]
fn StarButton(
    city: String,
    camera: String,
    starred: bool,
    name: String,
    back: String,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <form method="post" action=format!("/c/{city}/cameras/{}/star", encode(&camera)) class="star-form">
            <input type="hidden" name="on" value=if starred { "0" } else { "1" }/>
            <input type="hidden" name="next" value=back/>
            <button type="submit" class="button link star" data-starred=if starred { "true" } else { "false" }>
                <span aria-hidden="true">{if starred { "★ " } else { "☆ " }}</span>
                {t(locale, if starred { "cameras-unstar-short" } else { "cameras-star-short" })}
                <span class="visually-hidden">" "{name}</span>
            </button>
        </form>
    }
}

/// `/c/{city}/cameras/{camera}`.
#[component]
pub fn CameraPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, _) = city_and_region();
    let camera = use_params_map()
        .get_untracked()
        .get("camera")
        .unwrap_or_default();
    let back = (
        format!("/c/{city_id}/cameras"),
        t(locale, "service-cameras"),
    );
    view! {
        <PageTitle text=t(locale, "service-cameras")/>
        <PageHeader title=t(locale, "service-cameras") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_camera(city_id.clone(), camera.clone())
                show=|page| view! { <OneCamera page/> }.into_any()
            />
        </main>
    }
}

#[component]
fn OneCamera(page: Camera) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = page.city.id.clone();
    let camera = page.camera;
    let frame = camera.frame.clone();
    let page_href = format!("/c/{city}/cameras/{}", encode(&camera.id));
    let alt = t_args(
        locale,
        "cameras-picture-alt",
        &[("name", camera.name.clone().into())],
    );
    let has_picture = frame.view_src.is_some();
    let frame_url = format!("/api/c/{city}/cameras/{}/frame", encode(&camera.id));
    let star = view! {
        <StarButton city=city.clone() camera=camera.id.clone() starred=camera.starred
            name=camera.name.clone() back=here()/>
    };
    view! {
        // The one page of this service with an island: the list loads no script at all.
        <IslandScripts/>
        <h1>{camera.name.clone()}</h1>
        <p class="hint">
            {camera.description.clone().map(|d| view! { {d}" · " })}
            {camera.roads.join(" · ")}
        </p>
        {page.problem.map(|problem| view! { <p class="notice error" role="alert">{problem}</p> })}
        <FrameRefresher>
            <figure class="camera-frame" id="camera-frame"
                data-frame-url=frame_url
                data-refresh=frame.refresh_seconds.to_string()
                data-pause=t(locale, "cameras-pause") data-resume=t(locale, "cameras-resume")
                data-failed=t(locale, "cameras-refresh-failed")>
                // Without a picture yet, the image waits hidden (and says nothing) for the
                // island to give it one; the caption says why there is none.
                // The page's largest content: fetched first, before the scripts.
                <img id="camera-view" class="camera-view" src=frame.view_src.clone() width="640"
                    height="360" fetchpriority="high"
                    alt=if has_picture { alt.clone() } else { String::new() }
                    hidden=!has_picture data-alt=alt/>
                <figcaption>
                    <FrameCaption state=frame.state caption=frame.caption.clone() id=Some("frame-caption")/>
                </figcaption>
            </figure>
            <p class="hint">
                {t_args(locale, "cameras-refresh-every", &[("seconds", frame.refresh_seconds.into())])}
            </p>
            <div class="button-row">
                <a class="button secondary" href=page_href data-action="refresh">{t(locale, "cameras-refresh")}</a>
                <button type="button" class="button secondary" data-action="pause" hidden>
                    {t(locale, "cameras-pause")}
                </button>
            </div>
        </FrameRefresher>
        {star}
    }
}

/// The island's state: the timer and whether the resident paused it.
struct Refreshing {
    paused: bool,
    timer: Option<IntervalHandle>,
}

/// Asks for the camera's latest frame at its own interval while the page is in view and
/// not paused, and at once when "Refresh" is pressed (without JavaScript, that link loads
/// the page again).
#[island(lazy)]
pub fn FrameRefresher(children: Children) -> impl IntoView {
    let state = StoredValue::new(Refreshing {
        paused: false,
        timer: None,
    });
    let root = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if root.get().is_none() {
            return;
        }
        let Some(frame) = browser::element_by_id("camera-frame") else {
            return;
        };
        if let Some(pause) = pause_button() {
            pause.set_hidden(false);
        }
        let seconds = browser::data(&frame, "refresh")
            .parse::<u64>()
            .unwrap_or(60)
            .max(5);
        let timer = set_interval_with_handle(
            move || {
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                let paused = state.with_value(|s| s.paused);
                if !hidden && !paused {
                    fetch_frame();
                }
            },
            std::time::Duration::from_secs(seconds),
        );
        state.update_value(|s| s.timer = timer.ok());
    });
    on_cleanup(move || {
        if let Some(timer) = state.try_update_value(|s| s.timer.take()).flatten() {
            timer.clear();
        }
    });
    let on_click = move |event: web_sys::MouseEvent| {
        let Some(action) = browser::target_in(&event, "[data-action]") else {
            return;
        };
        match browser::data(&action, "action").as_str() {
            "refresh" => {
                event.prevent_default();
                fetch_frame();
            }
            "pause" => {
                let paused = state.try_update_value(|s| {
                    s.paused = !s.paused;
                    s.paused
                });
                if let (Some(paused), Some(button), Some(frame)) = (
                    paused,
                    pause_button(),
                    browser::element_by_id("camera-frame"),
                ) {
                    let label = browser::data(&frame, if paused { "resume" } else { "pause" });
                    button.set_text_content(Some(&label));
                }
            }
            _ => {}
        }
    };
    view! { <div class="island" node_ref=root on:click=on_click>{children()}</div> }
}

fn pause_button() -> Option<web_sys::HtmlElement> {
    let frame = browser::element_by_id("camera-frame")?;
    browser::child(&frame.parent_element()?, "[data-action='pause']")
}

/// Asks the portal for the frame's state and shows it: the picture, and when it was taken.
fn fetch_frame() {
    let Some(frame) = browser::element_by_id("camera-frame") else {
        return;
    };
    let url = browser::data(&frame, "frame-url");
    leptos::task::spawn_local(async move {
        let found = match browser::send("GET", &url, None).await {
            Ok(answer) if answer.ok() => answer.js().ok(),
            _ => None,
        };
        let Some(found) = found else {
            // Said where the time of the picture is read; the picture stays as it was.
            if let Some(caption) = browser::element_by_id("frame-caption") {
                caption.set_text_content(Some(&browser::data(&frame, "failed")));
            }
            return;
        };
        if let (Some(view), Some(src)) = (
            browser::element_by_id("camera-view"),
            wire::text(&found, wire::FRAME_VIEW_SRC),
        ) {
            if view.get_attribute("src").as_deref() != Some(src.as_str()) {
                let _ = view.set_attribute("src", &src);
                let _ = view.set_attribute("alt", &browser::data(&view, "alt"));
                let _ = view.remove_attribute("hidden");
            }
        }
        if let (Some(caption), Some(text), Some(state)) = (
            browser::element_by_id("frame-caption"),
            wire::text(&found, wire::FRAME_CAPTION),
            wire::text(&found, wire::FRAME_STATE),
        ) {
            caption.set_text_content(Some(&text));
            let _ = caption.set_attribute("data-state", &state);
        }
    });
}
