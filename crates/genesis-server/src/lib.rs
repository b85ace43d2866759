//! `genesis serve`: the REST API under `/api/v1` over the same engine and
//! store as the CLI, for a team.
//!
//! Every route is declared once, in [`api::endpoints`], with the access it
//! needs ([`api::Access`]); one middleware checks that access for every
//! request, writes it to the audit log, and hands the handler the
//! [`api::Caller`]. The OpenAPI document is generated from the same table,
//! so the documentation, the router and the authorisation cannot drift
//! apart. Campaigns started over the API run inside the server (one thread
//! each, [`runner`]) and resume when the server restarts.

mod api;
mod audit;
mod auth;
mod campaigns;
pub mod mfa;
mod openapi;
mod runner;
mod users;

pub use api::{Access, router};
pub use auth::{MIN_PASSWORD, hash_password, random_secret};
pub use openapi::openapi;

use genesis_store::{MasterKey, Store, Thresholds};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How a server is set up (from `genesis serve`'s flags).
#[derive(Clone)]
pub struct ServerConfig {
    /// The workspace folder (holds `genesis.db`, `keys/`, `artifacts/`).
    pub workspace: PathBuf,
    /// The database file.
    pub db_path: PathBuf,
    /// The master key that unwraps the workspace's data key.
    pub master: MasterKey,
    /// Every user must sign in with a TOTP code (administrators always do).
    pub require_mfa: bool,
    /// Campaigns submitted over the API may run programs on this machine
    /// (`twin.command`) or read its environment (`twin.auth_env`). Off by
    /// default: an editor account must not become a shell on the server.
    pub allow_programs: bool,
    /// The `genesis` binary, for Slurm jobs of server-run campaigns.
    pub genesis_bin: PathBuf,
    /// When the audit detectors raise alerts.
    pub thresholds: Thresholds,
}

/// (campaign id, view name) → (campaign version, the view's bytes).
type ViewCache = std::collections::HashMap<(String, &'static str), (i64, axum::body::Bytes)>;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// The store (SQLite: one writer at a time) for the request handlers.
    store: Mutex<Store>,
    /// Connections for requests that only read (the gate, listings,
    /// views), one per core, so reads run in parallel with each other and
    /// with the writer (WAL).
    readers: Vec<Mutex<Store>>,
    config: ServerConfig,
    audit: audit::AuditSink,
    runner: runner::Runner,
    /// Serialised views of campaigns (trials, summary, CSV) with the
    /// campaign version they were made at: a read that finds the version
    /// unchanged sends the bytes again instead of rebuilding them.
    views: Mutex<ViewCache>,
}

impl AppState {
    /// Opens the workspace (refusing a master key that does not open its
    /// data key), starts the audit writer, and resumes the campaigns that
    /// were running inside the server when it last stopped.
    pub fn open(config: ServerConfig) -> Result<Self, String> {
        let open = || Store::open_with(&config.db_path, &config.master).map_err(|e| e.to_string());
        let store = open()?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let readers = (0..cores.max(2))
            .map(|_| open().map(Mutex::new))
            .collect::<Result<_, _>>()?;
        let audit = audit::AuditSink::start(open()?, config.thresholds.clone());
        let runner = runner::Runner::new(config.clone());
        let state = AppState {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                readers,
                config,
                audit,
                runner,
                views: Mutex::default(),
            }),
        };
        state.inner.runner.resume_all()?;
        Ok(state)
    }

    /// Waits until the audit entries sent so far are written (for tests and
    /// shutdown).
    pub fn flush_audit(&self) {
        self.inner.audit.flush();
    }

    /// [`AppState::flush_audit`] from async code, so an audit view shows
    /// the requests before it.
    pub(crate) async fn flush_audit_async(&self) {
        let state = self.clone();
        let _ = tokio::task::spawn_blocking(move || state.flush_audit()).await;
    }
}

fn app(
    state: AppState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, std::net::SocketAddr>
{
    router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// Serves `state` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}

/// Serves `state` over TLS (rustls with ring) on `listener`, with the PEM
/// certificate chain and private key given.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    state: AppState,
) -> std::io::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem).await?;
    axum_server::from_tcp_rustls(listener, config)?
        .serve(app(state))
        .await
}

/// A self-signed certificate for `names` (host names or IP addresses):
/// (certificate PEM, private key PEM).
pub fn self_signed(names: Vec<String>) -> Result<(String, String), String> {
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}
