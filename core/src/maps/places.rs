//! Finding a place by name ("深圳北站", "Shennan Road") and naming the place nearest a pin,
//! through a city's geocoder ([`super::nominatim`]). Asked on a resident's submit, never
//! per keystroke; answers are kept for a day and the geocoder is asked at most once a
//! second (Nominatim's usage policy), waiting a moment for a turn rather than refusing.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use model::Locale;

use crate::clock::Clock;

/// A place the geocoder knows, in the language asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub name: String,
    /// Where it is, to tell two places of one name apart ("Futian, Shenzhen").
    pub context: String,
    pub lat: f64,
    pub lon: f64,
}

/// The area to search in: west, south, east, north (WGS-84).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PlaceError {
    /// Too many searches just now (the geocoder's rate); the resident may try again.
    #[error("the address search is busy")]
    Busy,
    #[error("the address search did not answer: {0}")]
    Unavailable(String),
}

/// What a geocoding adapter does.
#[async_trait::async_trait]
pub trait Geocoder: Send + Sync {
    /// Places matching `query` within `area`, best first, at most `limit`.
    async fn search(
        &self,
        query: &str,
        area: Area,
        lang: Locale,
        limit: usize,
    ) -> Result<Vec<Place>, PlaceError>;
    /// The named place nearest `lat`, `lon`, if any.
    async fn nearest(&self, lat: f64, lon: f64, lang: Locale) -> Result<Option<Place>, PlaceError>;
}

/// A query longer than this is refused before anything is asked.
pub const MAX_QUERY_CHARS: usize = 100;
/// Places shown for one search.
pub const MAX_RESULTS: usize = 8;
/// Answers are kept this long.
const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);
/// No more answers than this are kept (the oldest go first).
const MAX_KEPT: usize = 10_000;
/// One request a second, as Nominatim's usage policy asks.
const SPACING: Duration = Duration::from_secs(1);
/// A search waits this long at most for its turn.
const LONGEST_WAIT: Duration = Duration::from_secs(4);
/// The place near a report's pin is not worth more of a wait than this (its page goes
/// without it), and a failed look-up is not tried again for [`FAILURE_KEPT_FOR`].
const NEAREST_LONGEST_WAIT: Duration = Duration::from_secs(1);
const FAILURE_KEPT_FOR: Duration = Duration::from_secs(300);

/// One city's geocoder with its area and the pace its server is asked at.
struct CityGeocoder {
    geocoder: Arc<dyn Geocoder>,
    area: Area,
    pace: Arc<Pace>,
}

/// Turns a second apart for one geocoding server (cities sharing a server share its pace).
pub struct Pace {
    next_turn: Mutex<tokio::time::Instant>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            next_turn: Mutex::new(tokio::time::Instant::now()),
        }
    }
}

impl Pace {
    /// Waits for a turn, when one comes within `longest`; `Busy` (and no turn taken)
    /// otherwise.
    async fn turn(&self, longest: Duration) -> Result<(), PlaceError> {
        let start = {
            let mut next = self.next_turn.lock().unwrap_or_else(|p| p.into_inner());
            let now = tokio::time::Instant::now();
            let start = (*next).max(now);
            if start - now > longest {
                return Err(PlaceError::Busy);
            }
            *next = start + SPACING;
            start
        };
        tokio::time::sleep_until(start).await;
        Ok(())
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Question {
    Search(String, String, Locale),
    /// Positions rounded to about 10 m: a pin nudged a step is the same question.
    Nearest(String, i64, i64, Locale),
}

#[derive(Clone)]
enum Answer {
    Found(Vec<Place>),
    Nearest(Option<Place>),
}

/// Every city's address search.
pub struct Places {
    cities: HashMap<String, CityGeocoder>,
    kept: Mutex<HashMap<Question, (i64, Answer)>>,
    clock: Clock,
}

impl Places {
    pub fn new(clock: Clock) -> Places {
        Places {
            cities: HashMap::new(),
            kept: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// `city` searches through `geocoder`, within `area`, at `pace` (shared by the cities
    /// whose geocoder is one server).
    pub fn with_city(
        mut self,
        city: &str,
        geocoder: Arc<dyn Geocoder>,
        area: Area,
        pace: Arc<Pace>,
    ) -> Places {
        self.cities.insert(
            city.to_owned(),
            CityGeocoder {
                geocoder,
                area,
                pace,
            },
        );
        self
    }

    /// Can residents of `city` search for places?
    pub fn serves(&self, city: &str) -> bool {
        self.cities.contains_key(city)
    }

    /// Places of `city` matching `query` (trimmed, at most [`MAX_QUERY_CHARS`]).
    pub async fn search(
        &self,
        city: &str,
        query: &str,
        lang: Locale,
    ) -> Result<Vec<Place>, PlaceError> {
        let Some(geocoder) = self.cities.get(city) else {
            return Ok(Vec::new());
        };
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let question = Question::Search(city.to_owned(), query.to_lowercase(), lang);
        if let Some(Answer::Found(places)) = self.kept(&question) {
            return Ok(places);
        }
        geocoder.pace.turn(LONGEST_WAIT).await?;
        let places = geocoder
            .geocoder
            .search(&query, geocoder.area, lang, MAX_RESULTS)
            .await?;
        let places: Vec<Place> = places
            .into_iter()
            .filter(|p| geocoder.area.holds(p.lat, p.lon))
            .take(MAX_RESULTS)
            .collect();
        self.keep(question, Answer::Found(places.clone()), KEPT_FOR);
        Ok(places)
    }

    /// The named place nearest a pin in `city`; `None` when the geocoder knows none or
    /// cannot be asked just now (a page is not held up for it). The pin goes to the
    /// geocoder rounded to about 10 m: it learns no more than a street.
    pub async fn nearest(&self, city: &str, lat: f64, lon: f64, lang: Locale) -> Option<Place> {
        let geocoder = self.cities.get(city)?;
        let (lat_e4, lon_e4) = ((lat * 10_000.0).round(), (lon * 10_000.0).round());
        let question = Question::Nearest(city.to_owned(), lat_e4 as i64, lon_e4 as i64, lang);
        if let Some(Answer::Nearest(place)) = self.kept(&question) {
            return place;
        }
        geocoder.pace.turn(NEAREST_LONGEST_WAIT).await.ok()?;
        let (lat, lon) = (lat_e4 / 10_000.0, lon_e4 / 10_000.0);
        match geocoder.geocoder.nearest(lat, lon, lang).await {
            Ok(place) => {
                self.keep(question, Answer::Nearest(place.clone()), KEPT_FOR);
                place
            }
            Err(error) => {
                tracing::warn!(%error, city, "no nearest place");
                self.keep(question, Answer::Nearest(None), FAILURE_KEPT_FOR);
                None
            }
        }
    }

    fn kept(&self, question: &Question) -> Option<Answer> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let (until, answer) = kept.get(question)?;
        (*until > self.clock.seconds()).then(|| answer.clone())
    }

    fn keep(&self, question: Question, answer: Answer, kept_for: Duration) {
        let now = self.clock.seconds();
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= MAX_KEPT {
            kept.retain(|_, (until, _)| *until > now);
        }
        if kept.len() >= MAX_KEPT {
            // Still full of current answers: drop the ones that end soonest.
            let mut ends: Vec<i64> = kept.values().map(|(until, _)| *until).collect();
            ends.sort_unstable();
            let cut = ends[MAX_KEPT / 2];
            kept.retain(|_, (until, _)| *until > cut);
        }
        kept.insert(question, (now + kept_for.as_secs() as i64, answer));
    }
}

impl Area {
    pub fn holds(&self, lat: f64, lon: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting {
        asked: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Geocoder for Counting {
        async fn search(
            &self,
            query: &str,
            _: Area,
            _: Locale,
            _: usize,
        ) -> Result<Vec<Place>, PlaceError> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            Ok(vec![
                Place {
                    name: query.to_owned(),
                    context: String::new(),
                    lat: 22.5,
                    lon: 114.0,
                },
                // Outside the city's area: never shown.
                Place {
                    name: "Beijing".into(),
                    context: String::new(),
                    lat: 39.9,
                    lon: 116.4,
                },
            ])
        }
        async fn nearest(&self, _: f64, _: f64, _: Locale) -> Result<Option<Place>, PlaceError> {
            Ok(None)
        }
    }

    const SHENZHEN: Area = Area {
        west: 113.7,
        south: 22.4,
        east: 114.7,
        north: 22.9,
    };

    #[tokio::test(start_paused = true)]
    async fn a_search_is_asked_once_kept_and_kept_to_the_city() {
        let geocoder = Arc::new(Counting {
            asked: AtomicUsize::new(0),
        });
        let places = Places::new(Clock::adjustable()).with_city(
            "shenzhen",
            geocoder.clone(),
            SHENZHEN,
            Arc::default(),
        );
        for query in ["Futian", " futian ", "FUTIAN"] {
            let found = places.search("shenzhen", query, Locale::En).await;
            assert_eq!(found.map(|f| f.len()), Ok(1));
        }
        assert_eq!(geocoder.asked.load(Ordering::SeqCst), 1);
        assert_eq!(
            places.search("shenzhen", "   ", Locale::En).await,
            Ok(vec![])
        );
        assert_eq!(places.search("nowhere", "x", Locale::En).await, Ok(vec![]));
    }

    #[tokio::test(start_paused = true)]
    async fn searches_are_a_second_apart_and_refused_past_a_few_seconds_of_queue() {
        let geocoder = Arc::new(Counting {
            asked: AtomicUsize::new(0),
        });
        let places = Arc::new(Places::new(Clock::adjustable()).with_city(
            "shenzhen",
            geocoder.clone(),
            SHENZHEN,
            Arc::default(),
        ));
        let started = tokio::time::Instant::now();
        let searches: Vec<_> = (0..8)
            .map(|i| {
                let places = Arc::clone(&places);
                tokio::spawn(async move {
                    places
                        .search("shenzhen", &format!("q{i}"), Locale::ZhCn)
                        .await
                })
            })
            .collect();
        let mut busy = 0;
        for search in searches {
            if search.await.expect("joined") == Err(PlaceError::Busy) {
                busy += 1;
            }
        }
        // Turns at 0, 1, 2, 3 and 4 s; the rest would wait longer.
        assert_eq!(geocoder.asked.load(Ordering::SeqCst), 5);
        assert_eq!(busy, 3);
        assert!(started.elapsed() >= Duration::from_secs(4));
    }
}
