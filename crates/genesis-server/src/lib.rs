//! `genesis serve`: the REST API under `/api/v1` over the same engine and
//! store as the CLI, for a team. Every endpoint but `health` and `login`
//! needs a bearer credential (a session from `auth/login` or an API
//! token); what it may do is decided per project by role (viewer < editor
//! < admin). A campaign in a project the caller cannot see is answered
//! 404, exactly like one that does not exist.
//!
//! First slices of the server issue: accounts with TOTP multi-factor
//! sign-in (secrets sealed under a master key), sessions, API tokens,
//! roles, campaigns and trials, ask/tell. Still to come: TLS, encryption of
//! artifacts at rest, audit alerts, OpenAPI, the Python client.

mod api;
mod auth;
pub mod mfa;

pub use api::router;
pub use auth::{hash_password, random_secret};

use genesis_store::Store;
use std::sync::{Arc, Mutex};

/// Shared by every request: the store (SQLite, so one writer at a time).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Mutex<Store>,
    /// Opens the sealed TOTP secrets.
    master: mfa::MasterKey,
    /// Every user must sign in with a TOTP code (administrators always do).
    require_mfa: bool,
}

impl AppState {
    /// The state of a server; refuses a master key that does not open the
    /// secrets already sealed in the store (a wrong key must not start a
    /// server that then locks everyone out).
    pub fn new(store: Store, master: mfa::MasterKey, require_mfa: bool) -> Result<Self, String> {
        if let Some(sealed) = store.any_totp().map_err(|e| e.to_string())? {
            master.open(&sealed)?;
        }
        Ok(AppState {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                master,
                require_mfa,
            }),
        })
    }
}

/// Serves `state` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
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
        .serve(router(state).into_make_service())
        .await
}

/// A self-signed certificate for `names` (host names or IP addresses):
/// (certificate PEM, private key PEM).
pub fn self_signed(names: Vec<String>) -> Result<(String, String), String> {
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}
