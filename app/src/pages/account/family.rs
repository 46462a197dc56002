//! `/me/family`: the people the resident books for (themselves and family members), with a
//! form to add one. Adding sends a code to the person's mobile (`/me/family/code`); a person
//! is proven when it comes back, and only a proven person can be booked for. A refused form
//! comes back with what was typed (kept for this page only, never in an address) and the
//! field at fault marked. Sex and date of birth may be left empty: the document's number
//! holds them, and the list shows what was read to confirm.

use leptos::prelude::*;

use crate::pages::Loaded;

use crate::{
    api::fetch_people,
    components::{header::PageHeader, raw_text::PageTitle},
    i18n::{t, Locale},
    pages::forms::{kept_field, query, FormMessages},
};

/// The relations a person may have to the resident, in the form's order.
const RELATIONS: [&str; 5] = ["self", "child", "parent", "spouse", "other"];
/// The identity documents a person may be added with.
const ID_TYPES: [&str; 3] = [
    "resident_card",
    "hmt_residence_permit",
    "foreign_permanent_residence",
];

#[component]
pub fn FamilyPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let next = query("next").unwrap_or_default();
    let wrong = query("field").unwrap_or_default();
    let typed = kept_field;
    let (name, birth_date, phone) = (typed("name"), typed("birth_date"), typed("phone"));
    let (relation, sex, id_type) = (typed("relation"), typed("sex"), typed("id_type"));
    let id_number = typed("id_number");
    let next_for_rows = next.clone();
    let invalid = move |field: &str| (wrong == field).then_some("true");
    view! {
        <PageTitle text=t(locale, "family-title")/>
        <PageHeader title=t(locale, "family-title") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "family-title")}</h1>
            <p class="hint">{t(locale, "family-intro")}</p>
            <FormMessages/>
            <Loaded
                fetch=fetch_people
                show={move |rows: Vec<_>| {
                    let next = next_for_rows.clone();
                    match rows {
                        rows if rows.is_empty() => view! { <p>{t(locale, "family-none")}</p> }.into_any(),
                        rows => view! {
                            <ul class="plain-list people">
                                {rows.into_iter().map(|person| view! {
                                    <li class="card" data-person=person.id.clone()>
                                        <h2>{person.name.clone()}" · "{t(locale, &format!("family-relation-{}", person.relation))}</h2>
                                        <p class="hint">
                                            {t(locale, &format!("family-sex-{}", person.sex))}" · "{person.birth_date.clone()}<br/>
                                            {person.masked_phone.clone()}" · "{t(locale, &format!("family-id-type-{}", person.id_type))}" "{person.masked_id_number.clone()}
                                        </p>
                                        {if person.proven {
                                            view! { <p class="proven" data-proven="true">{t(locale, "family-proven")}</p> }.into_any()
                                        } else {
                                            view! {
                                                <p class="hint" data-proven="false">{t(locale, "family-not-proven")}</p>
                                                <form method="post" action="/me/family/prove">
                                                    <input type="hidden" name="person" value=person.id.clone()/>
                                                    <input type="hidden" name="next" value=next.clone()/>
                                                    <button type="submit" class="button">
                                                        {t(locale, "family-prove")}
                                                        <span class="visually-hidden">" "{person.name.clone()}</span>
                                                    </button>
                                                </form>
                                            }.into_any()
                                        }}
                                        <form method="post" action="/me/family/remove">
                                            <input type="hidden" name="person" value=person.id.clone()/>
                                            <button type="submit" class="button link">
                                                {t(locale, "family-remove")}
                                                <span class="visually-hidden">" "{person.name.clone()}</span>
                                            </button>
                                        </form>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                }}
            />
            <section aria-labelledby="add-person">
                <h2 id="add-person">{t(locale, "family-add")}</h2>
                <form method="post" action="/me/family" class="stack">
                    <input type="hidden" name="next" value=next/>
                    <label for="relation">{t(locale, "family-field-relation")}</label>
                    <select id="relation" name="relation" required aria-invalid=invalid("relation")>
                        {RELATIONS.iter().map(|r| view! {
                            <option value=*r selected=relation == *r>{t(locale, &format!("family-relation-{r}"))}</option>
                        }).collect_view()}
                    </select>
                    <label for="name">{t(locale, "family-field-name")}</label>
                    <input id="name" name="name" type="text" required maxlength="30" autocomplete="off"
                        value=name aria-invalid=invalid("name")/>
                    <fieldset>
                        <legend>{t(locale, "family-field-sex")}</legend>
                        {["female", "male"].iter().map(|s| {
                            let id = format!("sex-{s}");
                            view! {
                                <div class="check">
                                    <input type="radio" name="sex" id=id.clone() value=*s checked=sex == *s
                                        aria-invalid=invalid("sex")/>
                                    <label for=id>{t(locale, &format!("family-sex-{s}"))}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label for="birth_date">{t(locale, "family-field-birth-date")}</label>
                    <input id="birth_date" name="birth_date" type="date" value=birth_date
                        aria-describedby="read-from-number" aria-invalid=invalid("birth_date")/>
                    <p class="hint" id="read-from-number">{t(locale, "family-read-from-number")}</p>
                    <label for="phone">{t(locale, "family-field-phone")}</label>
                    <input id="phone" name="phone" type="tel" required inputmode="tel" maxlength="20"
                        autocomplete="off" value=phone aria-invalid=invalid("phone")/>
                    <label for="id_type">{t(locale, "family-field-id-type")}</label>
                    <select id="id_type" name="id_type" required aria-invalid=invalid("id_type")>
                        {ID_TYPES.iter().map(|kind| view! {
                            <option value=*kind selected=id_type == *kind>{t(locale, &format!("family-id-type-{kind}"))}</option>
                        }).collect_view()}
                    </select>
                    <label for="id_number">{t(locale, "family-field-id-number")}</label>
                    <input id="id_number" name="id_number" type="text" required maxlength="18" autocomplete="off"
                        value=id_number aria-describedby="id-number-hint" aria-invalid=invalid("id_number")/>
                    <p class="hint" id="id-number-hint">{t(locale, "family-field-id-number-hint")}</p>
                    <p class="hint">{t(locale, "family-proof-hint")}</p>
                    <button type="submit" class="button primary">{t(locale, "family-save")}</button>
                </form>
            </section>
        </main>
    }
}

/// `/me/family/code?pending=…`: the code sent to the person's mobile.
#[component]
pub fn FamilyCodePage() -> impl IntoView {
    view! { <crate::pages::account::signin::CodePage action="/me/family/code" restart="/me/family"/> }
}
