//! The schema's migrations (`migrations/`), compiled into the binary. sqlx's `migrate!`
//! would do the same, but its proc macro compiles a second sqlx with both databases for the
//! host: minutes of every fresh build on 2 cores. These are the same migrations with the
//! same checksums (a test compares them with sqlx's own reading of the directory).

use std::borrow::Cow;

use sqlx::{
    migrate::{Migration, MigrationType, Migrator},
    SqlSafeStr,
};

/// Every file of `migrations/`, in order. A file added there and not here fails
/// `every_migration_file_is_compiled_in`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261124000001_service_overrides.sql",
        include_str!("../../../migrations/20261124000001_service_overrides.sql"),
    ),
    (
        "20261124000002_residents_admins_inbox.sql",
        include_str!("../../../migrations/20261124000002_residents_admins_inbox.sql"),
    ),
    (
        "20261124000003_reports.sql",
        include_str!("../../../migrations/20261124000003_reports.sql"),
    ),
    (
        "20261124000004_report_tracking.sql",
        include_str!("../../../migrations/20261124000004_report_tracking.sql"),
    ),
    (
        "20261126000001_bounded_drafts.sql",
        include_str!("../../../migrations/20261126000001_bounded_drafts.sql"),
    ),
    (
        "20261127000001_jobs.sql",
        include_str!("../../../migrations/20261127000001_jobs.sql"),
    ),
    (
        "20261128000001_history_indexes.sql",
        include_str!("../../../migrations/20261128000001_history_indexes.sql"),
    ),
    (
        "20261129000001_dapeng_into_longgang.sql",
        include_str!("../../../migrations/20261129000001_dapeng_into_longgang.sql"),
    ),
    (
        "20261130000001_payments.sql",
        include_str!("../../../migrations/20261130000001_payments.sql"),
    ),
    (
        "20261130000002_bills.sql",
        include_str!("../../../migrations/20261130000002_bills.sql"),
    ),
    (
        "20261201000001_people_appointments.sql",
        include_str!("../../../migrations/20261201000001_people_appointments.sql"),
    ),
    (
        "20261202000001_camera_stars.sql",
        include_str!("../../../migrations/20261202000001_camera_stars.sql"),
    ),
    (
        "20261203000001_one_a_day_per_hospital.sql",
        include_str!("../../../migrations/20261203000001_one_a_day_per_hospital.sql"),
    ),
    (
        "20261206000001_proven_people.sql",
        include_str!("../../../migrations/20261206000001_proven_people.sql"),
    ),
    (
        "20261206000002_proven_bill_accounts.sql",
        include_str!("../../../migrations/20261206000002_proven_bill_accounts.sql"),
    ),
    (
        "20261206000003_payment_page_age.sql",
        include_str!("../../../migrations/20261206000003_payment_page_age.sql"),
    ),
    (
        "20261207000001_payment_history.sql",
        include_str!("../../../migrations/20261207000001_payment_history.sql"),
    ),
    (
        "20261208000001_reservation_history.sql",
        include_str!("../../../migrations/20261208000001_reservation_history.sql"),
    ),
];

/// The migrations as sqlx's `migrate!("migrations")` would make them: the version and
/// description from the file name, no transaction when the file starts so.
pub fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(file, sql)| migration(file, sql))
            .collect(),
    )
}

fn migration(file: &'static str, sql: &'static str) -> Migration {
    let (version, name) = file.split_once('_').unwrap_or((file, file));
    let migration_type = MigrationType::from_filename(name);
    let description = name
        .trim_end_matches(migration_type.suffix())
        .replace('_', " ");
    Migration::new(
        // The list above is ours: a bad name fails the test below, never a deployment.
        version.parse().unwrap_or(i64::MAX),
        Cow::Owned(description),
        migration_type,
        sql.into_sql_str(),
        sql.starts_with("-- no-transaction"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_migration_file_is_compiled_in_as_sqlx_reads_it() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let from_files = Migrator::new(directory)
            .await
            .expect("the migrations directory");
        let compiled = migrator();
        let describe = |migrator: &Migrator| {
            migrator
                .iter()
                .map(|m| {
                    (
                        m.version,
                        m.description.to_string(),
                        m.checksum.to_vec(),
                        m.no_tx,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert!(!compiled.migrations.is_empty());
        assert_eq!(describe(&compiled), describe(&from_files));
    }
}
