//! `GET /tiles/{city}/{z}/{x}/{y}`: the city map's tiles through the portal's tile proxy
//! (`portal_core::maps::tiles`), so residents' browsers never ask the tile server.

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::AppState;
use crate::{maps::tiles::TileError, web::client::Client};

pub async fn tile(
    State(state): State<AppState>,
    Path((city, z, x, y)): Path<(String, u32, u32, u32)>,
    Client(client): Client,
) -> Response {
    if !state.portal.maps.tiles_per_client.allow(&client) {
        return busy();
    }
    match state.portal.maps.tiles.tile(&city, z, x, y).await {
        Ok(tile) => {
            let content_type = HeaderValue::from_str(&tile.content_type)
                .unwrap_or(HeaderValue::from_static("image/png"));
            let cache = format!("public, max-age={}", tile.fresh_for.as_secs());
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_str(&cache)
                            .unwrap_or(HeaderValue::from_static("no-cache")),
                    ),
                ],
                tile.body,
            )
                .into_response()
        }
        Err(TileError::NotHere) => StatusCode::NOT_FOUND.into_response(),
        Err(TileError::Busy) => busy(),
        Err(TileError::Unavailable(_)) => (
            StatusCode::BAD_GATEWAY,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        )
            .into_response(),
    }
}

/// Too many tiles just now (this client's, or everyone's share of the tile server): the
/// browser may ask again shortly, and shows the outlines meanwhile.
fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from_static("2"))],
    )
        .into_response()
}
