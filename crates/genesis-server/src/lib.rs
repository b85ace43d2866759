//! `genesis serve`: the REST API under `/api/v1` over the same engine and
//! store as the CLI, for a team. Every endpoint but `health` and `login`
//! needs a bearer credential (a session from `auth/login` or an API
//! token); what it may do is decided per project by role (viewer < editor
//! < admin). A campaign in a project the caller cannot see is answered
//! 404, exactly like one that does not exist.
//!
//! First slice of the server issue: accounts, sessions, API tokens, roles,
//! campaigns and trials, ask/tell. Still to come: TOTP, TLS, encryption at
//! rest, audit alerts, OpenAPI, the Python client.

mod api;
mod auth;

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
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
            }),
        }
    }
}

/// Serves `state` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
