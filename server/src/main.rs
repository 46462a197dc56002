//! `server`: serves City Portal, or runs an admin command.

use anyhow::Context;
use clap::{Parser, Subcommand};

use server::{
    admin::{self, Switch},
    catalog, config,
    settings::Settings,
    storage::Storage,
    telemetry, App,
};

// Server-side rendering allocates many small strings; mimalloc does that far faster than
// glibc's malloc under concurrent requests (measured with `make bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "server",
    about = "City Portal: one portal, many cities' public services"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Check the city config and exit.
    CheckConfig,
    /// Administer a city.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(clap::Args)]
struct Target {
    /// City id, e.g. shenzhen.
    #[arg(long)]
    city: String,
    /// Service id, e.g. air.
    #[arg(long)]
    service: String,
    /// Region id; repeat for several; omit for every region of the city.
    #[arg(long = "region")]
    regions: Vec<String>,
    /// Who is acting, for the audit log.
    #[arg(long, env = "USER", default_value = "cli")]
    actor: String,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Switch a service on in regions of a city.
    Enable(Target),
    /// Switch a service off in regions of a city.
    Disable(Target),
    /// Remove overrides so the city's config decides again.
    Reset(Target),
    /// Show a city's audit log, newest first.
    Audit {
        #[arg(long)]
        city: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Create a platform admin (all cities; creates city admins in the console). Prints a
    /// generated password unless one is given on standard input.
    CreatePlatformAdmin {
        #[arg(long)]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue a Provider API token for a provider (shown once; only its hash is kept).
    ProviderToken {
        #[arg(long)]
        provider: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = App::build(&settings).await?;
            app.serve(shutdown_signal()).await
        }
        Command::CheckConfig => {
            let cities = config::load_cities(&settings.config_dir, &catalog::KNOWN)?;
            for city in &cities {
                println!(
                    "{}: {} regions, {} services",
                    city.id,
                    city.regions.len(),
                    city.services.len()
                );
            }
            Ok(())
        }
        Command::Admin(command) => run_admin(&settings, command).await,
    }
}

async fn run_admin(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    let cities = config::load_cities(&settings.config_dir, &catalog::KNOWN)?;
    let storage = Storage::connect(&settings.database_url)
        .await
        .context("cannot open the database (DATABASE_URL)")?;
    let (target, switch) = match command {
        AdminCommand::Enable(target) => (target, Switch::Enable),
        AdminCommand::Disable(target) => (target, Switch::Disable),
        AdminCommand::Reset(target) => (target, Switch::Reset),
        AdminCommand::CreatePlatformAdmin {
            username,
            password_stdin,
        } => {
            let generated = !password_stdin;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                server::secrets::random_token()?.chars().take(24).collect()
            };
            let admins = server::admin::accounts::Admins::new(storage.clone());
            let admin = admins
                .create(&username, &password, true, &[], "cli")
                .await?;
            println!("platform admin '{}' created", admin.username);
            if generated {
                println!("password (shown once): {password}");
            }
            storage.close().await;
            return Ok(());
        }
        AdminCommand::ProviderToken { provider } => {
            if !cities
                .iter()
                .any(|c| c.services.iter().any(|s| s.provider_id == provider))
            {
                anyhow::bail!("no city's config names the provider '{provider}'");
            }
            let token = server::inbox::Inbox::new(storage.clone())
                .issue_provider_token(&provider, "cli")
                .await?;
            println!("{token}");
            storage.close().await;
            return Ok(());
        }
        AdminCommand::Audit { city, limit } => {
            for entry in storage.audit_log(&city, limit).await? {
                let at = jiff::Timestamp::from_second(entry.at)
                    .map_or_else(|_| entry.at.to_string(), |t| t.to_string());
                println!(
                    "{at}  {}  {}  {}  {} -> {}",
                    entry.actor,
                    entry.action,
                    entry.subject,
                    entry.before.as_deref().unwrap_or("config"),
                    entry.after.as_deref().unwrap_or("config"),
                );
            }
            return Ok(());
        }
    };
    let lines = admin::switch_service(
        &storage,
        &cities,
        &target.city,
        &target.service,
        &target.regions,
        switch,
        &target.actor,
    )
    .await?;
    for line in lines {
        println!("{line}");
    }
    storage.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
