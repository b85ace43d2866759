//! The routes under `/api/v1` and their authorisation.

use crate::AppState;
use crate::auth::{LOCK_AFTER, LOCK_MS, SESSION_MS, random_secret, verify_password};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use genesis_core::Outputs;
use genesis_engine::now_ms;
use genesis_store::{CampaignRecord, Principal, Role, Store, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

/// An error answer: a stable `code` and a message for people.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn err(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

fn unauthorized() -> ApiError {
    err(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid bearer credential (session or API token) is needed",
    )
}

fn not_found(what: &str) -> ApiError {
    err(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{what} not found"),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "code": self.code, "message": self.message })),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => not_found(&what),
            other => {
                tracing::error!("store: {other}");
                err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// Runs `f` on the store off the async threads (SQLite and Argon2 block).
async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let inner = state.inner.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = inner.store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    })
    .await
    .map_err(|_| {
        err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    })?
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|s| s.trim().to_string())
}

fn principal(store: &Store, credential: Option<&str>) -> Result<Principal, ApiError> {
    let credential = credential.ok_or_else(unauthorized)?;
    store
        .principal(credential, now_ms())?
        .ok_or_else(unauthorized)
}

/// Checks that `who` has at least `needed` in `project`. Someone with no
/// role there (or a token for another project) is told "not found", so
/// the answer does not reveal what exists across projects.
fn require(
    store: &Store,
    who: &Principal,
    project: &str,
    needed: Role,
    what: &str,
) -> Result<(), ApiError> {
    let role = match &who.token_scope {
        Some((p, r)) if p == project => Some(*r),
        Some(_) => None,
        None if who.is_admin => Some(Role::Admin),
        None => store.role(who.user_id, project)?,
    };
    match role {
        None => Err(not_found(what)),
        Some(r) if r < needed => Err(err(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this needs the {} role in project `{project}`",
                needed.as_str()
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// The campaign `id` if `who` has `needed` in its project.
fn campaign_for(
    store: &Store,
    who: &Principal,
    id: &str,
    needed: Role,
) -> Result<CampaignRecord, ApiError> {
    let what = format!("campaign `{id}`");
    let c = match store.campaign(id) {
        Ok(c) if c.id == id => c,
        Ok(_) | Err(StoreError::NotFound(_)) | Err(StoreError::Ambiguous { .. }) => {
            return Err(not_found(&what));
        }
        Err(e) => return Err(e.into()),
    };
    require(store, who, &c.project, needed, &what)?;
    Ok(c)
}

/// The common shape of the campaign routes: the caller's credential, then
/// the campaign if they have `needed` in its project, then `f`.
async fn on_campaign(
    state: &AppState,
    headers: &HeaderMap,
    id: String,
    needed: Role,
    f: impl FnOnce(&mut Store, CampaignRecord) -> ApiResult + Send + 'static,
) -> ApiResult {
    let credential = bearer(headers);
    with_store(state, move |store| {
        let who = principal(store, credential.as_deref())?;
        let c = campaign_for(store, &who, &id, needed)?;
        f(store, c)
    })
    .await
}

fn campaign_json(c: &CampaignRecord, store: &Store) -> Result<Value, ApiError> {
    let counts = store.counts(&c.id)?;
    Ok(json!({
        "id": c.id, "name": c.name, "project": c.project, "owner": c.owner,
        "status": c.status.as_str(), "twin": c.twin_name, "budget": c.spec.budget,
        "counts": { "pending": counts.pending, "running": counts.running,
                    "completed": counts.completed, "failed": counts.failed },
        "created_at": c.created_at,
    }))
}

fn trial_json(t: &genesis_store::TrialRecord) -> Value {
    json!({
        "trial": t.index, "status": t.status.as_str(), "inputs": t.inputs,
        "outputs": t.outputs, "failure_reason": t.failure_reason,
        "planner_reason": t.planner_reason,
    })
}

/// The `/api/v1` routes over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/campaigns", get(list_campaigns))
        .route("/api/v1/campaigns/{id}", get(get_campaign))
        .route("/api/v1/campaigns/{id}/trials", get(list_trials))
        .route("/api/v1/campaigns/{id}/verify", get(verify))
        .route("/api/v1/campaigns/{id}/prov", get(prov))
        .route("/api/v1/campaigns/{id}/ask", post(ask))
        .route("/api/v1/campaigns/{id}/tell", post(tell))
        .with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

#[derive(Deserialize)]
struct Login {
    user: String,
    password: String,
    /// The current TOTP code, for enrolled users.
    code: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    body: Result<Json<Login>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) =
        body.map_err(|e| err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.body_text()))?;
    let inner = state.inner.clone();
    with_store(&state, move |store| {
        let now = now_ms();
        let refused = || err(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong user name, password or code");
        let Some(user) = store.user(&body.user)? else {
            // Spend the same time as a real check, so names cannot be probed by timing.
            verify_password(&body.password, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2fDc5N8mGq6QeyEHv3Fn0Q2x2XO7H2n3Y7sGmW7p0g0");
            return Err(refused());
        };
        if user.locked_until.is_some_and(|t| t > now) {
            return Err(err(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!("too many failed logins: the account is locked for up to {} minutes", LOCK_MS / 60_000),
            ));
        }
        let fail = |store: &mut Store| -> Result<(), ApiError> {
            let lock = (user.failed_logins + 1 >= LOCK_AFTER).then_some(now + LOCK_MS);
            store.login_failed(user.id, lock)?;
            Ok(())
        };
        if !verify_password(&body.password, &user.password_hash) {
            fail(store)?;
            return Err(refused());
        }
        // Second factor: a TOTP code from the enrolled secret.
        match &user.totp_sealed {
            Some(sealed) => {
                let Some(code) = body.code.as_deref() else {
                    return Err(err(StatusCode::UNAUTHORIZED, "mfa_required", "this account needs its TOTP code (`code`)"));
                };
                let secret = inner.master.open(sealed).map_err(|e| {
                    tracing::error!("TOTP secret of {}: {e}", user.name);
                    err(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
                })?;
                let now_s = (now / 1000) as u64;
                if !crate::mfa::totp_ok(&secret, code, now_s) {
                    fail(store)?;
                    return Err(refused());
                }
            }
            None if user.is_admin || inner.require_mfa => {
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "mfa_setup_required",
                    format!("multi-factor sign-in is required: enrol with `genesis user totp {}`", user.name),
                ));
            }
            None => {}
        }
        store.login_succeeded(user.id)?;
        let token = random_secret("gns_");
        store.add_session(&token, user.id, now + SESSION_MS, now)?;
        Ok(Json(json!({ "token": token, "expires_at": now + SESSION_MS })))
    })
    .await
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let credential = bearer(&headers);
    with_store(&state, move |store| {
        principal(store, credential.as_deref())?;
        store.end_session(credential.as_deref().unwrap_or_default())?;
        Ok(Json(json!({ "status": "logged out" })))
    })
    .await
}

#[derive(Deserialize)]
struct NewToken {
    project: String,
    role: String,
    label: String,
    expires_in_days: Option<f64>,
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewToken>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let credential = bearer(&headers);
    with_store(&state, move |store| {
        let who = principal(store, credential.as_deref())?;
        let Json(body) = body.map_err(|e| err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.body_text()))?;
        if who.token_scope.is_some() {
            return Err(err(StatusCode::FORBIDDEN, "forbidden", "API tokens cannot create tokens; log in"));
        }
        let role = Role::parse(&body.role).ok_or_else(|| {
            err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("role `{}`: expected viewer, editor or admin", body.role))
        })?;
        // A token can carry at most its creator's own role.
        require(store, &who, &body.project, role, &format!("project `{}`", body.project))?;
        let now = now_ms();
        let expires_at = match body.expires_in_days {
            None => None,
            Some(d) if d > 0.0 && d.is_finite() => Some(now + (d * 86_400_000.0) as i64),
            Some(d) => return Err(err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("expires_in_days = {d}: must be positive"))),
        };
        let token = random_secret("gnt_");
        let id = store.add_token(&token, who.user_id, &body.project, role, &body.label, expires_at, now)?;
        Ok(Json(json!({ "id": id, "token": token, "project": body.project, "role": role.as_str(), "expires_at": expires_at })))
    })
    .await
}

async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    let credential = bearer(&headers);
    with_store(&state, move |store| {
        let who = principal(store, credential.as_deref())?;
        if store.revoke_token(id, who.user_id, now_ms())? {
            Ok(Json(json!({ "id": id, "status": "revoked" })))
        } else {
            Err(not_found(&format!("token {id}")))
        }
    })
    .await
}

async fn list_campaigns(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let credential = bearer(&headers);
    with_store(&state, move |store| {
        let who = principal(store, credential.as_deref())?;
        let mut out = Vec::new();
        for c in store.campaigns()? {
            if require(store, &who, &c.project, Role::Viewer, "").is_ok() {
                out.push(campaign_json(&c, store)?);
            }
        }
        Ok(Json(json!({ "campaigns": out })))
    })
    .await
}

async fn get_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Viewer, move |store, c| {
        Ok(Json(campaign_json(&c, store)?))
    })
    .await
}

async fn list_trials(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Viewer, move |store, c| {
        let trials: Vec<Value> = store.trials(&c.id)?.iter().map(trial_json).collect();
        Ok(Json(json!({ "campaign": c.id, "trials": trials })))
    })
    .await
}

/// The provenance check of `genesis verify`, with the server's key.
async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Viewer, move |store, c| {
        let key = store.public_key();
        Ok(Json(store.verify(&c.id, &key)?.to_json(&key)))
    })
    .await
}

/// The campaign's W3C PROV-JSON document (refused if the record is broken).
async fn prov(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Viewer, move |store, c| {
        let key = store.public_key();
        let (sealed, events) = store.verified_events(&c.id, &key)?.map_err(|b| {
            err(
                StatusCode::CONFLICT,
                "record_broken",
                format!("the record does not verify: {b}"),
            )
        })?;
        Ok(Json(genesis_prov::prov_json(&sealed, &events, &key.hex())))
    })
    .await
}

#[derive(Deserialize)]
struct Ask {
    count: Option<u64>,
}

fn prepared(c: &CampaignRecord) -> Result<genesis_engine::Prepared, ApiError> {
    genesis_engine::prepare(
        &c.source_text,
        &c.source_path,
        std::path::Path::new(&c.base_dir),
    )
    .map_err(|d| err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", d.to_string()))
}

fn engine_error(e: genesis_engine::EngineError) -> ApiError {
    match e {
        genesis_engine::EngineError::Store(s) => s.into(),
        other => err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected",
            other.to_string(),
        ),
    }
}

async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Ask>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Editor, move |store, c| {
        let Json(body) = body.map_err(|e| err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.body_text()))?;
        let count = body.count.unwrap_or(1);
        if count == 0 || count > 1000 {
            return Err(err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "count must be 1 to 1000"));
        }
        let p = prepared(&c)?;
        let trials = genesis_engine::ask(store, &c, &p, count).map_err(engine_error)?;
        Ok(Json(json!({ "campaign": c.id, "trials": trials.iter().map(trial_json).collect::<Vec<_>>() })))
    })
    .await
}

#[derive(Deserialize)]
struct Tell {
    results: Vec<TellResult>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TellResult {
    trial: u64,
    outputs: Option<Outputs>,
    failed: Option<String>,
}

async fn tell(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Tell>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    on_campaign(&state, &headers, id, Role::Editor, move |store, c| {
        let Json(body) =
            body.map_err(|e| err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.body_text()))?;
        let mut results = Vec::with_capacity(body.results.len());
        for r in body.results {
            results.push(match (r.outputs, r.failed) {
                (Some(o), None) => (r.trial, Ok(o)),
                (None, Some(reason)) => (r.trial, Err(reason)),
                _ => {
                    return Err(err(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        format!("trial {}: give either `outputs` or `failed`", r.trial),
                    ));
                }
            });
        }
        let counts = genesis_engine::tell(store, &c, &results).map_err(engine_error)?;
        Ok(Json(
            json!({ "campaign": c.id, "completed": counts.completed, "failed": counts.failed }),
        ))
    })
    .await
}
