//! Reports: `/c/{city}/report` (choose a category, then pin, answers, photos), a report's
//! page (`/r/{token}`, the private tracking link; `/me/reports/{reference}` for its
//! resident), "My reports", and the city's public list (`/c/{city}/reports`).
//!
//! The form is plain HTML that posts on its own; two islands add the map (tap, drag, "use
//! my location") with nearby reports for "me too" (`pin_picker`), and sending with every
//! problem shown without leaving the page, so nothing typed or attached is lost (`sender`).

mod coordinates;
mod map_view;
mod pin_picker;
mod place_search;
mod sender;

use crate::components::when::When;
use crate::{
    components::raw_text::{textarea_content, PageTitle},
    pages::load_once,
};
use leptos::prelude::*;

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use super::{city_and_region, CityPageError};
use crate::{
    account::{CityMap, Viewer},
    api::{
        fetch_my_report, fetch_my_reports, fetch_public_reports, fetch_report_form,
        fetch_reports_filed_here, fetch_tracked_report,
    },
    components::{header::PageHeader, islands::IslandScripts},
    i18n::{t, t_args, Locale},
    pages::forms::{query, FormMessages},
    reports::{
        AnswerField, AnswerInput, CategoryChoice, KeptDraft, MyReport, ReportForm, ReportView,
    },
};
use pin_picker::{PinPicker, PinSetup, PinWords, PlaceSearchSetup};
use sender::{ReportSender, SenderWords};

#[component]
pub fn NewReportPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, region) = city_and_region();
    let category = query("category");
    let draft = query("draft");
    let place = query("place");
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    let load = load_once(move || {
        fetch_report_form(
            city_id.clone(),
            region.clone(),
            category.clone(),
            draft.clone(),
            place.clone(),
        )
    });
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let back = back.clone();
                let form = load();
                Suspend::new(async move {
                    match form.await {
                        Ok(form) => view! { <NewReport form back/> }.into_any(),
                        Err(error) => view! {
                            <CityPageError error title=t(locale, "service-report") back/>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn NewReport(form: ReportForm, back: (String, String)) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city_name = form.city.name.get(locale).to_owned();
    let list_href = format!("/c/{}/reports", form.city.id);
    view! {
        <PageTitle text=format!("{} · {}", t(locale, "service-report"), city_name)/>
        <PageHeader title=city_name back/>
        <main class="page narrow">
            <h1>{t(locale, "service-report")}</h1>
            <FormMessages/>
            {form.incomplete.then(|| view! { <p class="notice" role="status">{t(locale, "report-categories-incomplete")}</p> })}
            {match form.chosen.clone() {
                None => view! { <Categories city=form.city.id.clone() categories=form.categories.clone()/> }.into_any(),
                Some(_) => view! { <ReportFormView form/> }.into_any(),
            }}
            <p><a href=list_href>{t(locale, "report-public-link")}</a></p>
        </main>
    }
}

#[component]
fn Categories(city: String, categories: Vec<CategoryChoice>) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    if categories.is_empty() {
        return view! { <p class="notice">{t(locale, "report-no-categories")}</p> }.into_any();
    }
    view! {
        <h2>{t(locale, "report-choose-category")}</h2>
        <ul class="plain-list categories">
            {categories.into_iter().map(|c| {
                let href = format!("/c/{city}/report?category={}", crate::pages::forms::encode(&c.code));
                view! {
                    <li class="card">
                        <a class="category-link" href=href data-category=c.code.clone()>
                            <strong>{c.name}</strong>
                            <span class="hint">{c.description}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ReportFormView(form: ReportForm) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let signed_in = use_context::<Viewer>().is_some_and(|v| v.resident.is_some());
    let Some(chosen) = form.chosen else {
        return ().into_any();
    };
    let mut draft = form.draft.unwrap_or_default();
    // A place chosen from the address search (without JavaScript) comes as `lat` and `lon`.
    if draft.lat.is_empty() && draft.lon.is_empty() {
        if let (Some(lat), Some(lon)) = (query("lat"), query("lon")) {
            (draft.lat, draft.lon) = (
                lat.chars().take(20).collect(),
                lon.chars().take(20).collect(),
            );
        }
    }
    let city = form.city.id.clone();
    let change_href = format!("/c/{city}/report");
    let limits = t_args(
        locale,
        "report-photos-hint",
        &[
            ("max", form.max_photos.into()),
            ("mb", form.max_photo_mb.into()),
        ],
    );
    let map = &form.map;
    let pin_setup = PinSetup {
        city: city.clone(),
        category: chosen.choice.code.clone(),
        lat: draft.lat.clone(),
        lon: draft.lon.clone(),
        words: PinWords {
            latitude: t(locale, "report-latitude"),
            longitude: t(locale, "report-longitude"),
            use_location: t(locale, "report-use-location"),
            zoom_in: t(locale, "report-zoom-in"),
            zoom_out: t(locale, "report-zoom-out"),
            inside: t(locale, "report-pin-inside"),
            outside: t(locale, "report-pin-outside"),
            no_location: t(locale, "report-location-failed"),
            nearby_title: t(locale, "report-nearby-title"),
            nearby_hint: t(locale, "report-nearby-hint"),
            me_too: t(locale, "report-me-too"),
            thanks: t(locale, "report-me-too-thanks"),
            offline: t(locale, "report-network-error"),
        },
    };
    let attribution = map.attribution.clone();
    let district_map = form.map.clone();
    let search = form.map.searchable.then(|| PlaceSearchSetup {
        city: city.clone(),
        none_found: t_args(
            locale,
            "report-place-none",
            &[("city", form.city.name.get(locale).to_owned().into())],
        ),
        category: chosen.choice.code.clone(),
        found: form.places.clone(),
    });
    let sender_words = SenderWords {
        send: t(locale, "report-submit"),
        sending: t(locale, "report-sending"),
        offline: t(locale, "report-network-error"),
        too_many: t_args(
            locale,
            "report-error-too-many-photos",
            &[("max", form.max_photos.into())],
        ),
        too_slow: t(locale, "report-error-too-slow"),
        too_large: t_args(
            locale,
            "report-error-upload",
            &[("max", form.max_form_mb.into())],
        ),
        failed: t(locale, "report-error-ours"),
    };
    view! {
        // The address search is a form of its own (a GET, so only the place's name goes into
        // the address); its field and button sit above the map and name it with `form=`.
        {search.is_some().then(|| view! {
            <form id="place-search" method="get" action=format!("/c/{city}/report")></form>
        })}
        <form id="report-form" class="stack" method="post" action=format!("/c/{city}/report")
            enctype="multipart/form-data" novalidate>
            <input type="hidden" name="category" value=chosen.choice.code.clone()/>
            <input type="hidden" name="submission" value=form.submission.clone()/>
            <p class="chosen-category">
                <strong>{chosen.choice.name.clone()}</strong>" "
                <a href=change_href>{t(locale, "report-change-category")}</a>
            </p>
            <p class="hint">{chosen.choice.description.clone()}</p>

            <fieldset id="field-pin" class="field">
                <legend>{t(locale, "report-where")}</legend>
                <p class="hint" id="pin-hint">{t(locale, "report-where-hint")}</p>
                // Views erased to `AnyView` keep the form's type within the compiler's depth.
                {view! {
                    <PinPicker setup=pin_setup search>
                        <PinMap map=district_map/>
                    </PinPicker>
                }.into_any()}
                {attribution.map(|a| view! { <p class="hint map-attribution">{a}</p> })}
            </fieldset>

            {chosen.fields.into_iter().map(|f| view! { <Answer field=f draft=draft.clone()/> }).collect_view()}

            <div class="field" id="field-description">
                <label for="description">{t(locale, "report-description")}</label>
                <textarea id="description" name="description" rows="4" maxlength=form.max_description.to_string() inner_html=textarea_content(&draft.description)></textarea>
                <p class="hint">{t_args(locale, "report-description-hint", &[("max", form.max_description.into())])}</p>
            </div>

            <div class="field" id="field-photos">
                <label for="photos">{t(locale, "report-photos")}</label>
                <input type="file" id="photos" name="photos" multiple accept="image/jpeg,image/png,image/webp" data-max=form.max_photos.to_string()/>
                <p class="hint">{limits}</p>
                {draft.had_photos.then(|| view! { <p class="notice">{t(locale, "report-photos-again")}</p> })}
            </div>

            {if signed_in {
                view! {
                    <div class="field">
                        <label class="check"><input type="checkbox" name="share_contact" value="1" checked=draft.share_contact/>" "{t(locale, "report-share-contact")}</label>
                        <p class="hint">{t(locale, "report-share-contact-hint")}</p>
                    </div>
                }.into_any()
            } else {
                view! { <p class="hint">{t(locale, "report-anonymous-hint")}</p> }.into_any()
            }}

            {view! {
                <ReportSender words=sender_words problems=draft.problems.clone()/>
            }.into_any()}
        </form>
        <IslandScripts/>
    }
    .into_any()
}

/// One question of the category, with the input its type needs.
#[component]
fn Answer(field: AnswerField, draft: KeptDraft) -> impl IntoView {
    let name = format!("attribute[{}]", field.code);
    let id = format!("attribute-{}", field.code);
    let wrapper = format!("field-attribute-{}", field.code);
    let required = field.required;
    let label = view! {
        <label for=id.clone()>{field.prompt.clone()}{required.then_some(" *")}</label>
    };
    let hint = field
        .hint
        .clone()
        .map(|h| view! { <p class="hint">{h}</p> });
    let typed = draft.answer(&field.code).unwrap_or_default().to_owned();
    let input = match field.input {
        AnswerInput::Note => {
            return view! { <p class="notice" role="note">{field.prompt}</p> }.into_any()
        }
        AnswerInput::Line => view! { <input type="text" id=id name=name maxlength="200" required=required value=typed/> }.into_any(),
        AnswerInput::Lines => view! { <textarea id=id name=name rows="3" maxlength="1000" required=required inner_html=textarea_content(&typed)></textarea> }.into_any(),
        AnswerInput::Number => view! { <input type="number" step="any" id=id name=name required=required value=typed/> }.into_any(),
        AnswerInput::DateTime => view! { <input type="datetime-local" id=id name=name required=required value=typed/> }.into_any(),
        AnswerInput::One(options) => view! {
            <select id=id name=name required=required>
                <option value="">"—"</option>
                {options.into_iter().map(|(key, text)| {
                    let selected = key == typed;
                    view! { <option value=key selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
        AnswerInput::Many(options) => {
            return view! {
                <fieldset class="field" id=wrapper>
                    <legend>{field.prompt}</legend>
                    {options.into_iter().map(|(key, text)| {
                        let checked = draft.chose(&field.code, &key);
                        view! {
                            <label class="check"><input type="checkbox" name=name.clone() value=key checked=checked/>" "{text}</label>
                        }
                    }).collect_view()}
                    {hint}
                </fieldset>
            }.into_any()
        }
    };
    view! { <div class="field" id=wrapper>{label}{input}{hint}</div> }.into_any()
}

/// The city's districts as a map to tap, drawn on the server; the projection is written on
/// it, so a position can be found on it (the browser tests do).
#[component]
fn PinMap(map: CityMap) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <svg id="pin-map" class="pin-map" viewBox=format!("0 0 {} {}", map.width, map.height)
            role="application" aria-label=t(locale, "report-map-label")
            aria-describedby="pin-hint"
            data-west=map.west.to_string() data-north=map.north.to_string()
            data-x-scale=map.x_scale.to_string() data-y-scale=map.y_scale.to_string()
            data-tiles=map.tiles.clone() data-tiles-datum=map.tiles.as_ref().map(|_| map.tiles_datum.id())
            class:has-tiles=map.tiles.is_some()>
            {map.regions.into_iter().map(|region| view! {
                <path class="district" d=region.path data-region=region.id data-name=region.name.get(locale).to_owned()/>
            }).collect_view()}
        </svg>
    }
}

/// `/r/{token}`: the report its private link opens.
#[component]
pub fn TrackedReportPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let token = use_params_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    let origin = use_context::<crate::PublicOrigin>().unwrap_or_default().0;
    let link = format!("{origin}/r/{token}");
    view! {
        <ReportPage back=("/".to_owned(), t(locale, "nav-home"))
            load=move || fetch_tracked_report(token.clone()) private_link=link/>
    }
}

/// The private link of a report filed without an account, in full, to select and copy
/// (phones hide the address bar), and to send by text message or email: plain links the
/// phone hands to its own apps, no script needed.
#[component]
fn PrivateLink(link: String) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let message = t_args(
        locale,
        "report-link-message",
        &[("link", link.clone().into())],
    );
    let subject = crate::pages::forms::encode(&t(locale, "report-link-subject"));
    let body = crate::pages::forms::encode(&message);
    view! {
        <p class="notice" role="note" id="private-link-note">{t(locale, "report-private-link")}</p>
        <div class="share-link field">
            <label for="private-link">{t(locale, "report-private-link-label")}</label>
            <input id="private-link" type="text" readonly value=link
                aria-describedby="private-link-note"/>
            <p class="button-row">
                <a class="button secondary" href=format!("sms:?&body={body}")>{t(locale, "report-share-sms")}</a>
                <a class="button secondary" href=format!("mailto:?subject={subject}&body={body}")>{t(locale, "report-share-email")}</a>
            </p>
        </div>
    }
}

/// `/me/reports/{reference}`: one of the signed-in resident's reports.
#[component]
pub fn MyReportPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let reference = use_params_map()
        .get_untracked()
        .get("reference")
        .unwrap_or_default();
    view! {
        <ReportPage back=("/me/reports".to_owned(), t(locale, "my-reports-title"))
            load=move || fetch_my_report(reference.clone())/>
    }
}

/// A report's page around whichever way it is loaded.
#[component]
fn ReportPage<F, Load>(
    back: (String, String),
    load: Load,
    /// The report's private link, for a report opened by it.
    #[prop(optional)]
    private_link: Option<String>,
) -> impl IntoView
where
    F: std::future::Future<Output = Result<ReportView, crate::error::PageError>> + Send + 'static,
    Load: Fn() -> F + Send + Sync + 'static,
{
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "report-title")/>
        <PageHeader title=t(locale, "report-title") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=load
                show=move |report| {
                    let private_link = private_link.clone();
                    view! {
                        {private_link.map(|link| view! { <PrivateLink link/> })}
                        <ReportDetail report/>
                    }.into_any()
                }
            />
        </main>
    }
}

fn status_text(locale: Locale, status: &str) -> String {
    t(locale, &format!("report-status-{status}"))
}

#[component]
fn ReportDetail(report: ReportView) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let status = report.status.clone();
    view! {
        <h1>{report.category.clone()}</h1>
        <p class="hint">
            <span class="reference">{report.reference.clone()}</span>
            " · "{report.district.get(locale).to_owned()}", "{report.city.name.get(locale).to_owned()}
            " · "<When at=report.filed.clone()/>
        </p>
        {report.near.clone().map(|near| view! {
            <p class="near-place">{t_args(locale, "report-near-place", &[
                ("place", near.name.into()),
                ("metres", (near.distance_m as i64).into()),
            ])}</p>
        })}
        <p class=format!("status status-{status}") data-status=status.clone()>
            <strong>{status_text(locale, &status)}</strong>
        </p>
        {report.refusal.clone().map(|message| view! {
            <p class="notice error" role="alert">{t(locale, "report-refused-explained")}" "<q>{message}</q></p>
        })}
        {(report.supporters > 0).then(|| view! {
            <p>{t_args(locale, "report-supporters", &[("count", report.supporters.into())])}</p>
        })}
        {(!report.description.is_empty()).then(|| view! { <p class="report-description">{report.description.clone()}</p> })}
        {(!report.answers.is_empty()).then(|| view! {
            <dl class="answers">
                {report.answers.iter().map(|(q, a)| view! { <dt>{q.clone()}</dt><dd>{a.clone()}</dd> }).collect_view()}
            </dl>
        })}
        {(!report.photos.is_empty()).then(|| view! {
            <div class="photos">
                {report.photos.iter().map(|(thumbnail, full)| view! {
                    <a href=full.clone()><img src=thumbnail.clone() alt=t(locale, "report-photo-alt") loading="lazy" width="96" height="96"/></a>
                }).collect_view()}
            </div>
        })}
        <h2>{t(locale, "report-timeline")}</h2>
        <ol class="timeline">
            {report.timeline.into_iter().map(|entry| view! {
                <li data-kind=entry.kind.clone()>
                    <span class="hint"><When at=entry.at/></span>" "
                    <strong>{t(locale, &format!("report-event-{}", entry.kind))}</strong>
                    {entry.note.map(|n| view! { <span class="note">" — "{n}</span> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// `/me/reports`: the signed-in resident's reports, newest first.
#[component]
pub fn MyReportsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let filed_here = load_once(fetch_reports_filed_here);
    view! {
        <PageTitle text=t(locale, "my-reports-title")/>
        <PageHeader title=t(locale, "my-reports-title") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "my-reports-title")}</h1>
            <FormMessages/>
            <Suspense fallback=|| ()>
                {move || {
                    let found = filed_here();
                    Suspend::new(async move {
                        match found.await {
                            Ok(rows) if !rows.is_empty() => view! { <FiledHere rows/> }.into_any(),
                            _ => ().into_any(),
                        }
                    })
                }}
            </Suspense>
            <Loaded
                fetch=fetch_my_reports
                show={move |rows: Vec<_>| match rows {
                    rows if rows.is_empty() => view! { <p>{t(locale, "my-reports-empty")}</p> }.into_any(),
                    rows => view! {
                        <ul class="plain-list my-reports">
                            {rows.into_iter().map(|row| {
                                let href = format!("/me/reports/{}", row.reference);
                                let reference = row.reference.clone();
                                let status = row.status.clone();
                                view! {
                                    <li class="card" data-reference=reference>
                                        <a href=href><strong>{row.category}</strong></a>
                                        <p class="hint">{row.reference}" · "{row.city.name.get(locale).to_owned()}" · "<When at=row.filed/></p>
                                        <p class=format!("status status-{status}") data-status=status.clone()>{status_text(locale, &status)}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            />
        </main>
    }
}

/// The reports this browser filed before the resident signed in, and the choice to add
/// them to the account or forget them here.
#[component]
fn FiledHere(rows: Vec<MyReport>) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let count = rows.len();
    view! {
        <section class="card filed-here" aria-labelledby="filed-here-title">
            <h2 id="filed-here-title">{t_args(locale, "my-reports-filed-here", &[("count", count.into())])}</h2>
            <ul class="plain-list">
                {rows.into_iter().map(|row| view! {
                    <li>
                        <strong>{row.category}</strong>
                        <span class="hint">" "{row.reference}" · "<When at=row.filed/></span>
                    </li>
                }).collect_view()}
            </ul>
            <p class="hint">{t(locale, "my-reports-filed-here-hint")}</p>
            <div class="button-row">
                <form method="post" action="/me/reports/claim">
                    <button type="submit" class="button primary">{t(locale, "my-reports-claim")}</button>
                </form>
                <form method="post" action="/me/reports/forget-here">
                    <button type="submit" class="button secondary">{t(locale, "my-reports-forget-here")}</button>
                </form>
            </div>
        </section>
    }
}

/// `/c/{city}/reports`: what residents reported, on a map and in a list; nothing personal.
#[component]
pub fn PublicReportsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, _) = city_and_region();
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    let load = load_once(move || fetch_public_reports(city_id.clone()));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let back = back.clone();
                let list = load();
                Suspend::new(async move {
                    match list.await {
                        Ok(list) => {
                            let city_name = list.city.name.get(locale).to_owned();
                            let map = list.map.clone();
                            view! {
                                <PageTitle text=format!("{} · {}", t(locale, "report-public-title"), city_name)/>
                                <PageHeader title=city_name back/>
                                <main class="page">
                                    <h1>{t(locale, "report-public-title")}</h1>
                                    <p class="hint">{t(locale, "report-public-hint")}</p>
                                    <svg class="pin-map" viewBox=format!("0 0 {} {}", map.width, map.height) role="img" aria-label=t(locale, "report-public-map")>
                                        {map.regions.into_iter().map(|r| view! { <path class="district" d=r.path/> }).collect_view()}
                                        {list.rows.iter().map(|row| view! {
                                            <circle class=format!("dot status-{}", row.status) cx=row.x.to_string() cy=row.y.to_string() r="2.5"/>
                                        }).collect_view()}
                                    </svg>
                                    {list.rows.is_empty().then(|| view! { <p>{t(locale, "report-public-empty")}</p> })}
                                    <ul class="plain-list public-reports">
                                        {list.rows.into_iter().map(|row| {
                                            let reference = row.reference.clone();
                                            view! {
                                            <li class="card" data-reference=reference>
                                                <strong>{row.category}</strong>
                                                <p class="hint">{row.reference}" · "{row.district.get(locale).to_owned()}" · "<When at=row.filed/></p>
                                                <p class=format!("status status-{}", row.status)>{status_text(locale, &row.status)}
                                                    {(row.supporters > 0).then(|| format!(" · +{}", row.supporters))}
                                                </p>
                                            </li>
                                        }}).collect_view()}
                                    </ul>
                                </main>
                            }.into_any()
                        }
                        Err(error) => view! {
                            <CityPageError error title=t(locale, "report-public-title") back/>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    const BREAKOUT: &str = "</textarea></title><b data-hostile=\"1\">x</b>";

    /// Every kind of question, answered with markup that closes its element: the markup
    /// comes back as the text typed, never as an element.
    #[test]
    fn typed_answers_never_become_markup() {
        let inputs = [
            AnswerInput::Line,
            AnswerInput::Lines,
            AnswerInput::Number,
            AnswerInput::DateTime,
            AnswerInput::One(vec![(BREAKOUT.to_owned(), BREAKOUT.to_owned())]),
            AnswerInput::Many(vec![(BREAKOUT.to_owned(), BREAKOUT.to_owned())]),
        ];
        for input in inputs {
            let field = AnswerField {
                code: "q".to_owned(),
                prompt: BREAKOUT.to_owned(),
                hint: Some(BREAKOUT.to_owned()),
                required: true,
                input: input.clone(),
            };
            let draft = KeptDraft {
                answers: vec![("q".to_owned(), BREAKOUT.to_owned())],
                ..KeptDraft::default()
            };
            let html = Owner::new().with(|| view! { <Answer field draft/> }.to_html());
            assert!(!html.contains("<b data-hostile"), "{input:?}: {html}");
            assert!(!html.contains("</textarea></title>"), "{input:?}: {html}");
        }
    }
}
