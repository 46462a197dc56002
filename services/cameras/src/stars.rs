//! The cameras each resident starred, per city: listed first on the cameras page.

use std::collections::HashSet;

use sqlx::Row;

use portal_core::storage::{Storage, StorageError};

/// A resident keeps at most this many stars in a city.
pub const MAX_STARS: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum StarError {
    #[error("at most {MAX_STARS} starred cameras")]
    TooMany,
    #[error("no such camera")]
    UnknownCamera,
    #[error("the camera list is unavailable")]
    Unavailable,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for StarError {
    fn from(error: sqlx::Error) -> Self {
        StarError::Storage(error.into())
    }
}

#[derive(Clone)]
pub struct Stars {
    storage: Storage,
}

impl Stars {
    pub fn new(storage: Storage) -> Stars {
        Stars { storage }
    }

    /// The camera ids the resident starred in the city.
    pub async fn of(&self, resident: &str, city: &str) -> Result<HashSet<String>, StorageError> {
        let rows = sqlx::query(
            "SELECT camera_id FROM camera_stars WHERE resident_id = $1 AND city_id = $2",
        )
        .bind(resident)
        .bind(city)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("camera_id"))
            .collect::<Result<_, _>>()?)
    }

    /// Stars the camera (again: no change), refusing a star past [`MAX_STARS`].
    pub async fn star(&self, resident: &str, city: &str, camera: &str) -> Result<(), StarError> {
        let mut tx = self.storage.begin().await?;
        Storage::hold_resident(&mut tx, resident).await?;
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM camera_stars WHERE resident_id = $1 AND city_id = $2",
        )
        .bind(resident)
        .bind(city)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let added = sqlx::query(
            "INSERT INTO camera_stars (resident_id, city_id, camera_id, starred_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (resident_id, city_id, camera_id) DO NOTHING",
        )
        .bind(resident)
        .bind(city)
        .bind(camera)
        .bind(self.storage.clock().seconds())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 1 && count >= MAX_STARS {
            return Err(StarError::TooMany);
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn unstar(
        &self,
        resident: &str,
        city: &str,
        camera: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "DELETE FROM camera_stars WHERE resident_id = $1 AND city_id = $2 AND camera_id = $3",
        )
        .bind(resident)
        .bind(city)
        .bind(camera)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }
}
