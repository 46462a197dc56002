//! Which categories a city's desks take, and which desk a report goes to.
//!
//! Each desk's service list and definitions are fetched from the desk and cached; when a
//! desk fails, its last good list keeps serving, so a slow desk does not empty the form.
//! Routing is config's: the first desk (in config order) that covers the pin's district,
//! is configured for the category, and lists it.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::{
    desks::Desk,
    port::{Attribute, Category},
};

/// A cached answer and when it was fetched.
struct Cached<T> {
    fetched: Instant,
    value: T,
}

/// (desk, language).
type ListKey = (String, String);
/// (desk, category code, language).
type DefinitionKey = (String, String, String);

/// After a desk failed to list its categories, it is not asked again for this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

pub struct Catalogue {
    fresh_for: Duration,
    /// When each desk last failed to answer, so that a down desk is not asked every time.
    failed: Mutex<HashMap<String, Instant>>,
    lists: Mutex<HashMap<ListKey, Cached<Vec<Category>>>>,
    definitions: Mutex<HashMap<DefinitionKey, Cached<Vec<Attribute>>>>,
}

/// The categories on offer, and whether a desk could not say what it takes.
#[derive(Clone, Debug, Default)]
pub struct Offer {
    pub categories: Vec<Category>,
    pub incomplete: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Catalogue {
    pub fn new(fresh_for: Duration) -> Catalogue {
        Catalogue {
            fresh_for,
            failed: Mutex::new(HashMap::new()),
            lists: Mutex::new(HashMap::new()),
            definitions: Mutex::new(HashMap::new()),
        }
    }

    /// A desk's categories, as config lets it take them. `None`: never fetched and the
    /// desk is failing now.
    pub async fn desk_categories(&self, desk: &Desk, language: &str) -> Option<Vec<Category>> {
        let key = (desk.provider_id.clone(), language.to_owned());
        let cached = lock(&self.lists)
            .get(&key)
            .map(|c| (c.fetched.elapsed() < self.fresh_for, c.value.clone()));
        let resting = lock(&self.failed)
            .get(&desk.provider_id)
            .is_some_and(|at| at.elapsed() < RETRY_AFTER_FAILURE);
        let list = match cached {
            Some((true, list)) => list,
            Some((false, list)) if resting => list,
            None if resting => return None,
            stale => match desk.adapter.categories(language).await {
                Ok(list) => {
                    lock(&self.lists).insert(
                        key,
                        Cached {
                            fetched: Instant::now(),
                            value: list.clone(),
                        },
                    );
                    list
                }
                Err(error) => {
                    tracing::warn!(desk = %desk.provider_id, %error, "category list unavailable; using the last one");
                    lock(&self.failed).insert(desk.provider_id.clone(), Instant::now());
                    stale?.1
                }
            },
        };
        Some(
            list.into_iter()
                .filter(|c| {
                    desk.categories
                        .as_ref()
                        .is_none_or(|codes| codes.contains(&c.code))
                })
                .collect(),
        )
    }

    /// The categories residents can report in `region` (anywhere in the city when `None`),
    /// each once, in desk order.
    pub async fn offer(&self, desks: &[Desk], region: Option<&str>, language: &str) -> Offer {
        let mut offer = Offer::default();
        for desk in desks {
            if region.is_some_and(|r| !desk.regions.iter().any(|d| d == r)) {
                continue;
            }
            match self.desk_categories(desk, language).await {
                Some(list) => {
                    for category in list {
                        if !offer.categories.iter().any(|c| c.code == category.code) {
                            offer.categories.push(category);
                        }
                    }
                }
                None => offer.incomplete = true,
            }
        }
        offer
    }

    /// The desk that takes `category` in `region`, with the category as it lists it when
    /// known. A desk that config names the category for takes it even while its list
    /// cannot be fetched: a desk being down must not stop a report from being filed.
    pub async fn route<'a>(
        &self,
        desks: &'a [Desk],
        region: &str,
        category: &str,
        language: &str,
    ) -> Option<(&'a Desk, Option<Category>)> {
        for desk in desks.iter().filter(|d| d.takes(region, category)) {
            let listed = self.desk_categories(desk, language).await;
            let found = listed
                .as_ref()
                .and_then(|list| list.iter().find(|c| c.code == category).cloned());
            let named_by_config = desk
                .categories
                .as_ref()
                .is_some_and(|codes| codes.iter().any(|c| c == category));
            if found.is_some() || (listed.is_none() && named_by_config) {
                return Some((desk, found));
            }
        }
        None
    }

    /// What a desk's category asks, in its order. `None`: unknown to the desk now.
    pub async fn attributes(
        &self,
        desk: &Desk,
        category: &Category,
        language: &str,
    ) -> Option<Vec<Attribute>> {
        if !category.has_attributes {
            return Some(Vec::new());
        }
        let key = (
            desk.provider_id.clone(),
            category.code.clone(),
            language.to_owned(),
        );
        let cached = lock(&self.definitions)
            .get(&key)
            .map(|c| (c.fetched.elapsed() < self.fresh_for, c.value.clone()));
        match cached {
            Some((true, attributes)) => Some(attributes),
            stale => match desk.adapter.attributes(&category.code, language).await {
                Ok(mut attributes) => {
                    attributes.sort_by_key(|a| a.order);
                    lock(&self.definitions).insert(
                        key,
                        Cached {
                            fetched: Instant::now(),
                            value: attributes.clone(),
                        },
                    );
                    Some(attributes)
                }
                Err(error) => {
                    tracing::warn!(desk = %desk.provider_id, %error, "category definition unavailable; using the last one");
                    stale.map(|(_, attributes)| attributes)
                }
            },
        }
    }
}
