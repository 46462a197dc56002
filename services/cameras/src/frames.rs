//! The portal's copy of each camera's latest frame. Residents' phones never fetch from the
//! provider: the portal asks for a camera's picture at most once per refresh interval,
//! however many residents look, in a task of its own (a resident who gives up does not cut
//! it short), and re-encodes it at phone size: a list thumbnail and a larger view, each
//! within a byte budget. A picture that did not change keeps the time it was first seen,
//! so a camera whose picture froze shows its true age.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::body::Bytes;
use futures::future::{BoxFuture, FutureExt, Shared};
use sha2::{Digest, Sha256};

use crate::port::{Camera, CameraProvider, PictureError};
use portal_core::{clock::Clock, photos};

/// A size a frame is served at: the box it fits and the bytes it may weigh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSize {
    pub width: u32,
    pub height: u32,
    pub budget: usize,
}

/// Lists: 128 x 72 CSS pixels at twice the density.
pub const THUMBNAIL: FrameSize = FrameSize {
    width: 256,
    height: 144,
    budget: 10 * 1024,
};
/// A camera's own page: the width of a phone at twice the density.
pub const VIEW: FrameSize = FrameSize {
    width: 640,
    height: 360,
    budget: 40 * 1024,
};

/// A frame as the portal serves it.
#[derive(Debug)]
pub struct Frame {
    /// Shared, not copied, by every response that sends it.
    pub thumbnail: Bytes,
    pub view: Bytes,
    /// When the camera took it: the provider's word where it gives one, else when the
    /// portal first saw it.
    pub taken_at: jiff::Timestamp,
    /// Names this picture (an `ETag`, a version in URLs).
    pub version: String,
    source: [u8; 32],
}

/// Why the latest attempt gave no new frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// The provider says the camera has no picture.
    Offline,
    /// The camera sent bytes that are no picture.
    Damaged,
    /// The provider could not be asked (down, slow, refusing).
    Unreachable,
}

/// What the portal has of a camera now.
#[derive(Clone, Debug)]
pub struct Latest {
    pub frame: Option<Arc<Frame>>,
    pub trouble: Option<Trouble>,
    /// Until the portal asks again: how long a browser may keep what it got.
    pub fresh_for: Duration,
    /// When this was read, on the portal's clock: a frame's age is counted to it.
    pub read_at: jiff::Timestamp,
}

type Refresh = Shared<BoxFuture<'static, ()>>;

#[derive(Default)]
struct Slot {
    frame: Option<Arc<Frame>>,
    trouble: Option<Trouble>,
    checked_at: Option<tokio::time::Instant>,
    refreshing: Option<Refresh>,
}

/// Every camera's latest frame, by camera id.
pub struct FrameCache {
    slots: Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
    asked: AtomicU64,
    /// Times the refresh intervals and the frames' ages (the portal's).
    clock: Clock,
}

impl FrameCache {
    pub fn new(clock: Clock) -> FrameCache {
        FrameCache {
            slots: Mutex::default(),
            asked: AtomicU64::new(0),
            clock,
        }
    }

    /// Pictures asked of the provider since start.
    pub fn pictures_asked(&self) -> u64 {
        self.asked.load(Ordering::Relaxed)
    }

    fn slot(&self, camera: &str) -> Arc<Mutex<Slot>> {
        Arc::clone(lock(&self.slots).entry(camera.to_owned()).or_default())
    }

    /// What the portal has of the camera now, asking for nothing.
    pub fn cached(&self, camera: &Camera) -> Latest {
        let slot = self.slot(&camera.id);
        let state = lock(&slot);
        self.latest_of(&state, camera)
    }

    /// The camera's latest frame. When the last attempt is older than the camera's
    /// refresh interval, one attempt starts (or the one under way is joined) and waited
    /// for, at most `wait`.
    pub async fn latest(
        &self,
        camera: &Camera,
        provider: &Arc<dyn CameraProvider>,
        wait: Duration,
    ) -> Latest {
        let slot = self.slot(&camera.id);
        let refresh = {
            let mut state = lock(&slot);
            let due = self.since_checked(&state) >= camera.snapshot.refresh;
            match (&state.refreshing, due) {
                (Some(refresh), _) => Some(refresh.clone()),
                (None, true) => {
                    self.asked.fetch_add(1, Ordering::Relaxed);
                    let refresh = start(
                        Arc::clone(&slot),
                        camera.clone(),
                        Arc::clone(provider),
                        self.clock.clone(),
                    );
                    state.refreshing = Some(refresh.clone());
                    Some(refresh)
                }
                (None, false) => None,
            }
        };
        if let Some(refresh) = refresh {
            let _ = tokio::time::timeout(wait, refresh).await;
        }
        let state = lock(&slot);
        self.latest_of(&state, camera)
    }

    /// Since the last attempt ended; forever when there was none.
    fn since_checked(&self, state: &Slot) -> Duration {
        state.checked_at.map_or(Duration::MAX, |at| {
            self.clock.instant().saturating_duration_since(at)
        })
    }

    fn latest_of(&self, state: &Slot, camera: &Camera) -> Latest {
        let since = match state.checked_at {
            Some(_) => self.since_checked(state),
            None => Duration::ZERO,
        };
        Latest {
            frame: state.frame.clone(),
            trouble: state.trouble,
            fresh_for: camera.snapshot.refresh.saturating_sub(since),
            read_at: self.clock.now(),
        }
    }
}

/// Re-encodes frames one at a time: the pool of picture decodes is shared with residents'
/// report photos, which must not wait behind a city's cameras.
static ENCODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Ends a refresh however its task ends (a panic included), so the next one can start.
struct Finished(Arc<Mutex<Slot>>, Clock);

impl Drop for Finished {
    fn drop(&mut self) {
        let mut state = lock(&self.0);
        state.checked_at = Some(self.1.instant());
        state.refreshing = None;
    }
}

/// Asks for the camera's picture in a task of its own and records what came of it.
fn start(
    slot: Arc<Mutex<Slot>>,
    camera: Camera,
    provider: Arc<dyn CameraProvider>,
    clock: Clock,
) -> Refresh {
    let task = tokio::spawn(async move {
        let now = clock.now();
        let _finished = Finished(Arc::clone(&slot), clock);
        let outcome = match provider.picture(&camera.snapshot).await {
            Ok(picture) => {
                let source: [u8; 32] = Sha256::digest(&picture.bytes).into();
                let current = lock(&slot).frame.clone();
                match current.filter(|frame| frame.source == source) {
                    // The same picture: the camera has not taken a new one.
                    Some(same) => Ok(same),
                    None => encode(picture.bytes, source, picture.taken_at, now).await,
                }
            }
            Err(PictureError::Offline) => Err(Trouble::Offline),
            Err(PictureError::Provider(_)) => Err(Trouble::Unreachable),
        };
        let mut state = lock(&slot);
        match outcome {
            Ok(frame) => {
                state.frame = Some(frame);
                state.trouble = None;
            }
            Err(trouble) => state.trouble = Some(trouble),
        }
    });
    async move {
        let _ = task.await;
    }
    .boxed()
    .shared()
}

/// The picture at both sizes, off the async workers.
async fn encode(
    bytes: Vec<u8>,
    source: [u8; 32],
    said_taken: Option<jiff::Timestamp>,
    now: jiff::Timestamp,
) -> Result<Arc<Frame>, Trouble> {
    // The provider's word, however old (a camera frozen for days shows its days), but
    // never a time to come.
    let taken_at = said_taken.map_or(now, |at| at.min(now));
    let _turn = ENCODING.acquire().await;
    let sizes = photos::in_turn(move || {
        let picture = photos::decode(&bytes)?;
        let fit =
            |size: FrameSize| photos::jpeg_within(&picture, size.width, size.height, size.budget);
        Ok((fit(THUMBNAIL)?, fit(VIEW)?))
    })
    .await;
    match sizes {
        Ok((thumbnail, view)) => Ok(Arc::new(Frame {
            thumbnail: Bytes::from(thumbnail),
            view: Bytes::from(view),
            taken_at,
            version: source[..6].iter().map(|b| format!("{b:02x}")).collect(),
            source,
        })),
        Err(error) => {
            tracing::warn!(%error, "a camera's picture does not decode");
            Err(Trouble::Damaged)
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
