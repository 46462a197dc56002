//! Admin accounts. A platform admin runs every city and creates city admins; a city admin
//! runs the cities granted to them and nothing else. Every check of what an admin may do
//! goes through `AdminAccount::can_manage`.

use sqlx::Row;

use crate::{
    accounts::{
        limits::{Account, SignInLimits},
        passwords,
    },
    storage::{Storage, StorageError},
};

#[derive(Debug, thiserror::Error)]
pub enum AdminAccountError {
    #[error("usernames are 3 to 32 lowercase letters, digits, dots, dashes or underscores")]
    BadUsername,
    #[error("that username is taken")]
    UsernameTaken,
    #[error("the password must be {min} to {max} characters", min = passwords::MIN_LENGTH, max = passwords::MAX_LENGTH)]
    BadPassword,
    #[error("a city admin needs at least one city")]
    NoCities,
    #[error("unknown city '{0}'")]
    UnknownCity(String),
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: i64 },
    #[error("not allowed")]
    Forbidden,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for AdminAccountError {
    fn from(error: sqlx::Error) -> Self {
        AdminAccountError::Storage(error.into())
    }
}

impl crate::web::error::PublicError for AdminAccountError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AdminAccountError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AdminAccountError::Forbidden => StatusCode::FORBIDDEN,
            AdminAccountError::Hashing(_) | AdminAccountError::Storage(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AdminAccountError::BadUsername => "admin-error-username",
            AdminAccountError::UsernameTaken => "admin-error-username-taken",
            AdminAccountError::BadPassword => "admin-error-password",
            AdminAccountError::NoCities => "admin-error-no-cities",
            AdminAccountError::UnknownCity(_) => "error-unknown-city",
            AdminAccountError::WrongCredentials => "admin-error-credentials",
            AdminAccountError::RateLimited { .. } => "account-error-rate-limited",
            AdminAccountError::Forbidden => "error-forbidden",
            AdminAccountError::Hashing(_) | AdminAccountError::Storage(_) => "error-internal",
        }
    }

    fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            AdminAccountError::RateLimited {
                retry_after_seconds,
            } => vec![("retry", ((retry_after_seconds + 59) / 60).to_string())],
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub is_platform: bool,
    /// The cities granted to a city admin (empty for a platform admin, who has them all).
    pub cities: Vec<String>,
}

impl AdminAccount {
    /// The one authorization rule of the console.
    pub fn can_manage(&self, city_id: &str) -> bool {
        self.is_platform || self.cities.iter().any(|c| c == city_id)
    }

    /// How the audit log names this admin.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.username)
    }
}

pub fn valid_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
}

#[derive(Clone)]
pub struct Admins {
    storage: Storage,
    limits: SignInLimits,
}

impl Admins {
    pub fn new(storage: Storage) -> Admins {
        Admins {
            storage,
            limits: SignInLimits::default(),
        }
    }

    /// Creates an admin; `cities` must be known ids (checked by the caller against config).
    pub async fn create(
        &self,
        username: &str,
        password: &str,
        is_platform: bool,
        cities: &[String],
        created_by: &str,
    ) -> Result<AdminAccount, AdminAccountError> {
        let username = username.trim().to_lowercase();
        if !valid_username(&username) {
            return Err(AdminAccountError::BadUsername);
        }
        passwords::check_policy(password).map_err(|_| AdminAccountError::BadPassword)?;
        if !is_platform && cities.is_empty() {
            return Err(AdminAccountError::NoCities);
        }
        let hash = passwords::hash(password.to_owned())
            .await
            .map_err(|e| AdminAccountError::Hashing(e.to_string()))?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.storage.clock().seconds();
        let mut tx = self.storage.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO admins (id, username, password_hash, is_platform, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(&username)
        .bind(hash)
        .bind(i64::from(is_platform))
        .bind(now)
        .bind(created_by)
        .execute(&mut *tx)
        .await;
        if let Err(error) = inserted {
            return Err(match &error {
                sqlx::Error::Database(e) if e.is_unique_violation() => {
                    AdminAccountError::UsernameTaken
                }
                _ => error.into(),
            });
        }
        let granted: Vec<String> = if is_platform {
            Vec::new()
        } else {
            cities.to_vec()
        };
        let role = if is_platform {
            "platform admin".to_owned()
        } else {
            format!("city admin of {}", granted.join(", "))
        };
        for city in &granted {
            sqlx::query("INSERT INTO admin_cities (admin_id, city_id) VALUES ($1, $2)")
                .bind(&id)
                .bind(city)
                .execute(&mut *tx)
                .await?;
        }
        // Audited under each city granted, so that its admins see who joined them; a
        // platform admin under '*'.
        let audit_cities = if is_platform {
            vec!["*".to_owned()]
        } else {
            granted.clone()
        };
        for city in audit_cities {
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor, city_id, action, subject, before, after) \
                 VALUES ($1, $2, $3, $4, 'create_admin', $5, NULL, $6)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(now)
            .bind(created_by)
            .bind(city)
            .bind(&username)
            .bind(&role)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(AdminAccount {
            id,
            username,
            is_platform,
            cities: granted,
        })
    }

    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<AdminAccount, AdminAccountError> {
        let username = username.trim().to_lowercase();
        let attempt = self
            .limits
            .begin(&self.storage, Account::Admin(&username), client)
            .await?
            .map_err(|limited| AdminAccountError::RateLimited {
                retry_after_seconds: limited.retry_after_seconds,
            })?;
        let row = sqlx::query("SELECT id, password_hash FROM admins WHERE username = $1")
            .bind(&username)
            .fetch_optional(self.storage.pool())
            .await?;
        let (id, hash) = match row {
            Some(row) => (
                Some(row.try_get::<String, _>("id")?),
                Some(row.try_get::<String, _>("password_hash")?),
            ),
            None => (None, None),
        };
        if passwords::verify(password.to_owned(), hash).await {
            if let Some(account) = match id {
                Some(id) => self.load(&id).await?,
                None => None,
            } {
                self.limits.succeeded(&self.storage, attempt).await?;
                return Ok(account);
            }
        }
        // The attempt stays recorded: a failure.
        Err(AdminAccountError::WrongCredentials)
    }

    pub async fn load(&self, id: &str) -> Result<Option<AdminAccount>, AdminAccountError> {
        let Some(row) = sqlx::query("SELECT id, username, is_platform FROM admins WHERE id = $1")
            .bind(id)
            .fetch_optional(self.storage.pool())
            .await?
        else {
            return Ok(None);
        };
        let cities =
            sqlx::query("SELECT city_id FROM admin_cities WHERE admin_id = $1 ORDER BY city_id")
                .bind(id)
                .fetch_all(self.storage.pool())
                .await?
                .iter()
                .map(|r| r.try_get("city_id"))
                .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(AdminAccount {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            is_platform: row.try_get::<i64, _>("is_platform")? != 0,
            cities,
        }))
    }

    pub async fn list(&self) -> Result<Vec<AdminAccount>, AdminAccountError> {
        let ids: Vec<String> = sqlx::query("SELECT id FROM admins ORDER BY username")
            .fetch_all(self.storage.pool())
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, sqlx::Error>>()?;
        let mut admins = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(admin) = self.load(&id).await? {
                admins.push(admin);
            }
        }
        Ok(admins)
    }

    pub async fn exists_platform_admin(&self) -> Result<bool, AdminAccountError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM admins WHERE is_platform = 1")
            .fetch_one(self.storage.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_admin_manages_only_their_cities() {
        let admin = AdminAccount {
            id: "a".into(),
            username: "gz".into(),
            is_platform: false,
            cities: vec!["guangzhou".into()],
        };
        assert!(admin.can_manage("guangzhou"));
        assert!(!admin.can_manage("shenzhen"));
        let platform = AdminAccount {
            is_platform: true,
            cities: vec![],
            ..admin
        };
        assert!(platform.can_manage("shenzhen"));
    }

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("gz.admin-1"));
        assert!(!valid_username("GZ"));
        assert!(!valid_username("a b"));
    }
}
