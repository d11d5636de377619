//! The `firstpass` command line.

use crate::accounts::service::{self, NewUser};
use crate::audit::AuditMeta;
use crate::blobs::BlobStore;
use crate::config::{jwt_secret, CommonArgs, ServeArgs};
use crate::{db, demo, schema, server};
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use firstpass_shared::domain::{OrgKind, Role};
use firstpass_shared::text::DisplayName;
use std::io::{BufRead, Write};

/// Firstpass: the portal between OEMs and their EMS contract manufacturers.
#[derive(Debug, Parser)]
#[command(name = "firstpass", version, about)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and the web app.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage OEM–EMS partnerships.
    Partnership {
        #[command(subcommand)]
        command: PartnershipCommand,
    },
    /// Create the demo organizations and users (idempotent) and print how to sign in.
    DemoData {
        /// Also generate a factory of this many units (builds of 1,000, every placed designator
        /// fed by a recorded lot), for load tests and benchmarks.
        #[arg(long)]
        scale: Option<u32>,
    },
    /// Print the GraphQL schema (SDL).
    PrintSchema,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization.
    Create {
        /// Unique name.
        #[arg(long)]
        name: String,
        /// oem or ems.
        #[arg(long, value_enum)]
        kind: KindArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Oem,
    Ems,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Create {
        /// The organization's name.
        #[arg(long)]
        org: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// OEM_ADMIN, OEM_ENGINEER, EMS_ADMIN, EMS_PROGRAM_MANAGER, EMS_QUALITY or EMS_OPERATOR.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum PartnershipCommand {
    /// Link an OEM to an EMS provider.
    Create {
        /// The OEM's name.
        #[arg(long)]
        oem: String,
        /// The EMS provider's name.
        #[arg(long)]
        ems: String,
    },
}

fn say(line: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to fail the command.
    let _ = writeln!(out, "{line}");
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        if let Command::PrintSchema = self.command {
            say(schema::sdl().trim_end());
            return Ok(());
        }
        let url = self.common.database_url()?;
        if let Command::Serve(args) = &self.command {
            // Validate everything before touching the database.
            let bind = args.bind_addr()?;
            let limits = args.limits()?;
            let secret = jwt_secret(&self.common.data_dir)?;
            let cfx_amqp = crate::cfx::amqp::AmqpConfig::from_env()?;
            let conn = db::connect(&url).await?;
            db::migrate(&conn).await?;
            let blobs = BlobStore::open(
                args.blob_url.as_deref(),
                &self.common.data_dir.join("blobs"),
            )?;
            let state = server::build_state(conn, blobs, &secret, limits).await?;
            state.build_events.listen(&url, &state.db).await?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("FIRSTPASS_BIND: cannot listen on {bind}"))?;
            let local = listener.local_addr()?;
            tracing::info!(%local, "listening");
            if let Some(config) = cfx_amqp {
                tokio::spawn(crate::cfx::amqp::run(state.clone(), config));
            }
            say(format_args!(
                "Firstpass is running at http://{local}/  (API: http://{local}/graphql)"
            ));
            return server::serve(listener, state, shutdown_signal()).await;
        }
        let conn = db::connect(&url).await?;
        db::migrate(&conn).await?;
        match self.command {
            Command::Serve(_) | Command::PrintSchema => {}
            Command::Migrate => say("database is up to date"),
            Command::Org {
                command: OrgCommand::Create { name, kind },
            } => {
                let kind = match kind {
                    KindArg::Oem => OrgKind::Oem,
                    KindArg::Ems => OrgKind::Ems,
                };
                let name = DisplayName::parse(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
                let org = service::create_organization(&conn, &name, kind).await?;
                say(format_args!(
                    "created {} organization \"{}\" ({})",
                    org.kind, org.name, org.id
                ));
            }
            Command::User {
                command:
                    UserCommand::Create {
                        org,
                        email,
                        name,
                        role,
                    },
            } => {
                let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
                let org = service::organization_by_name(&conn, &org).await?;
                let password = read_password()?;
                let new = NewUser {
                    email,
                    full_name: DisplayName::parse(&name)
                        .map_err(|e| anyhow::anyhow!("--name: {e}"))?,
                    role,
                    password,
                };
                let user =
                    service::create_user(&conn, &org, new, &AuditMeta::system(org.id)).await?;
                say(format_args!(
                    "created {} {} in \"{}\" ({})",
                    user.role, user.email, org.name, user.id
                ));
            }
            Command::Partnership {
                command: PartnershipCommand::Create { oem, ems },
            } => {
                service::create_partnership(&conn, &oem, &ems).await?;
                say(format_args!("\"{oem}\" and \"{ems}\" are now partners"));
            }
            Command::DemoData { scale } => {
                demo::seed(&conn).await?;
                if let Some(units) = scale {
                    let started = std::time::Instant::now();
                    let made = demo::seed_factory(&conn, units).await?;
                    say(format_args!(
                        "generated {} units in {} builds with {} lot usages in {:.1} s",
                        made.units,
                        made.builds,
                        made.usages,
                        started.elapsed().as_secs_f64()
                    ));
                }
                say(demo::summary().trim_end());
            }
        }
        Ok(())
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PW\" | firstpass user create …`");
    }
    Ok(password)
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
    tracing::info!("shutting down");
}
