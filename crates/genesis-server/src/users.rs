//! Sign-in, sessions, API tokens, users, projects and the audit views.

use crate::AppState;
use crate::api::{
    ApiError, ApiResult, Body, Caller, err, internal, invalid, not_found, require, role_in,
    with_reader, with_store,
};
use crate::auth::{
    LOCK_AFTER, LOCK_MS, MIN_PASSWORD, SESSION_MS, hash_password, random_secret, verify_password,
};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use genesis_engine::now_ms;
use genesis_store::{AuditEntry, Role, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    user: String,
    password: String,
    /// The current TOTP code, for enrolled users.
    code: Option<String>,
}

/// A PHC string no password matches, verified for unknown user names so
/// that they cost the same time as known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2fDc5N8mGq6QeyEHv3Fn0Q2x2XO7H2n3Y7sGmW7p0g0";

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Body(body): Body<Login>,
) -> ApiResult {
    let inner = state.inner.clone();
    let user_name = body.user.clone();
    let outcome = with_store(&state, move |store| check_login(store, &inner.config, body)).await;
    let status = match &outcome {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status,
    };
    state.inner.audit.record(AuditEntry {
        at: now_ms(),
        actor: outcome.is_ok().then(|| user_name.clone()),
        credential: None,
        address: Some(address.ip().to_string()),
        action: "login".into(),
        target: user_name,
        status: status.as_u16(),
        detail: json!({}),
    });
    outcome
}

fn check_login(store: &mut Store, config: &crate::ServerConfig, body: Login) -> ApiResult {
    let now = now_ms();
    let refused = || {
        err(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong user name, password or code",
        )
    };
    let Some(user) = store.user(&body.user)? else {
        verify_password(&body.password, DUMMY_HASH);
        return Err(refused());
    };
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(err(
            StatusCode::TOO_MANY_REQUESTS,
            "locked",
            format!(
                "too many failed logins: the account is locked for up to {} minutes",
                LOCK_MS / 60_000
            ),
        ));
    }
    let fail = |store: &mut Store| -> Result<ApiError, ApiError> {
        let lock = (user.failed_logins + 1 >= LOCK_AFTER).then_some(now + LOCK_MS);
        store.login_failed(user.id, lock)?;
        Ok(refused())
    };
    if !verify_password(&body.password, &user.password_hash) {
        return Err(fail(store)?);
    }
    // Second factor: a TOTP code from the enrolled secret.
    match &user.totp_sealed {
        Some(sealed) => {
            let Some(code) = body.code.as_deref() else {
                return Err(err(
                    StatusCode::UNAUTHORIZED,
                    "mfa_required",
                    "this account needs its TOTP code (`code`)",
                ));
            };
            let secret = store.vault().open_secret(sealed).map_err(|e| {
                tracing::error!("TOTP secret of {}: {e}", user.name);
                internal()
            })?;
            if !crate::mfa::totp_ok(&secret, code, (now / 1000) as u64) {
                return Err(fail(store)?);
            }
        }
        None if user.is_admin || config.require_mfa => {
            return Err(err(
                StatusCode::UNAUTHORIZED,
                "mfa_setup_required",
                format!(
                    "multi-factor sign-in is required: enrol with `genesis user totp {}`",
                    user.name
                ),
            ));
        }
        None => {}
    }
    store.login_succeeded(user.id)?;
    let token = random_secret("gns_");
    store.add_session(&token, user.id, now + SESSION_MS, now)?;
    Ok(Json(
        json!({ "token": token, "expires_at": now + SESSION_MS, "mfa": user.totp_sealed.is_some() }),
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_store(&state, move |store| {
        store.end_session(caller.credential.as_deref().unwrap_or_default())?;
        Ok(Json(json!({ "status": "logged out" })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    old: String,
    new: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<PasswordChange>,
) -> ApiResult {
    with_store(&state, move |store| {
        let who = caller.who();
        let user = store.user(&who.user)?.ok_or_else(|| not_found("user"))?;
        if !verify_password(&body.old, &user.password_hash) {
            return Err(err(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "the old password is wrong",
            ));
        }
        if body.new.chars().count() < MIN_PASSWORD {
            return Err(invalid(format!(
                "the new password must have at least {MIN_PASSWORD} characters"
            )));
        }
        store.set_password(&who.user, &hash_password(&body.new))?;
        Ok(Json(json!({ "status": "changed" })))
    })
    .await
}

pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let tokens: Vec<Value> = store
            .tokens(caller.who().user_id)?
            .into_iter()
            .map(|t| {
                json!({ "id": t.id, "project": t.project, "role": t.role.as_str(), "label": t.label,
                        "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at })
            })
            .collect();
        Ok(Json(json!({ "tokens": tokens })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    project: String,
    role: String,
    label: String,
    expires_in_days: Option<f64>,
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text)
        .ok_or_else(|| invalid(format!("role `{text}`: expected viewer, editor or owner")))
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<NewToken>,
) -> ApiResult {
    with_store(&state, move |store| {
        let who = caller.who();
        let role = parse_role(&body.role)?;
        // A token can carry at most its creator's own role.
        require(store, who, &body.project, role, &format!("project `{}`", body.project))?;
        let now = now_ms();
        let expires_at = match body.expires_in_days {
            None => None,
            Some(d) if d > 0.0 && d <= 3650.0 => Some(now + (d * 86_400_000.0) as i64),
            Some(d) => return Err(invalid(format!("expires_in_days = {d}: must be in (0, 3650]"))),
        };
        let token = random_secret("gnt_");
        let id = store.add_token(&token, who.user_id, &body.project, role, &body.label, expires_at, now)?;
        Ok(Json(json!({ "id": id, "token": token, "project": body.project, "role": role.as_str(), "expires_at": expires_at })))
    })
    .await
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    with_store(&state, move |store| {
        let found = match id.parse::<i64>() {
            Ok(n) => store.revoke_token(n, caller.who().user_id, now_ms())?,
            Err(_) => false,
        };
        if found {
            Ok(Json(json!({ "id": id, "status": "revoked" })))
        } else {
            Err(not_found(&format!("token {id}")))
        }
    })
    .await
}

pub(crate) async fn list_users(State(state): State<AppState>) -> ApiResult {
    with_reader(&state, move |store| {
        let users: Vec<Value> = store
            .users()?
            .into_iter()
            .map(|u| {
                json!({ "name": u.name, "admin": u.is_admin, "mfa": u.totp_sealed.is_some(),
                        "locked_until": u.locked_until.filter(|t| *t > now_ms()) })
            })
            .collect();
        Ok(Json(json!({ "users": users })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    #[serde(default)]
    admin: bool,
    /// Enrol TOTP now (always for administrators).
    #[serde(default)]
    totp: bool,
}

/// A user name: letters, digits, `.`, `_`, `-`, 1 to 64 characters.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(crate) async fn create_user(
    State(state): State<AppState>,
    Body(body): Body<NewUser>,
) -> ApiResult {
    if !valid_name(&body.name) {
        return Err(invalid(format!(
            "user name `{}`: use 1-64 letters, digits, `.`, `_` or `-`",
            body.name
        )));
    }
    with_store(&state, move |store| {
        if store.user(&body.name)?.is_some() {
            return Err(err(
                StatusCode::CONFLICT,
                "exists",
                format!("user `{}` exists", body.name),
            ));
        }
        let password = random_secret("");
        store.add_user(&body.name, &hash_password(&password), body.admin, now_ms())?;
        let mut out = json!({ "name": body.name, "admin": body.admin, "password": password });
        if body.admin || body.totp {
            let secret = crate::mfa::new_totp_secret();
            store.set_user_totp(&body.name, &store.vault().seal(&secret))?;
            out["totp_uri"] = json!(crate::mfa::otpauth_uri(&body.name, &secret));
        }
        Ok(Json(out))
    })
    .await
}

pub(crate) async fn list_projects(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    with_reader(&state, move |store| {
        let who = caller.who();
        let mut out = Vec::new();
        for (name, members) in store.projects()? {
            let Some(role) = role_in(store, who, &name)? else {
                continue;
            };
            let members: Vec<Value> = members
                .iter()
                .map(|(u, r)| json!({ "user": u, "role": r.as_str() }))
                .collect();
            out.push(json!({ "name": name, "your_role": role.as_str(), "members": members }));
        }
        Ok(Json(json!({ "projects": out })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewProject {
    name: String,
}

pub(crate) async fn create_project(
    State(state): State<AppState>,
    Body(body): Body<NewProject>,
) -> ApiResult {
    if !valid_name(&body.name) {
        return Err(invalid(format!(
            "project name `{}`: use 1-64 letters, digits, `.`, `_` or `-`",
            body.name
        )));
    }
    with_store(&state, move |store| {
        store.add_project(&body.name, now_ms())?;
        Ok(Json(json!({ "name": body.name })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Grant {
    user: String,
    role: String,
}

pub(crate) async fn grant(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<Grant>,
) -> ApiResult {
    let role = parse_role(&body.role)?;
    with_store(&state, move |store| {
        let project = caller.project().to_string();
        store.grant(&body.user, &project, role)?;
        Ok(Json(
            json!({ "project": project, "user": body.user, "role": role.as_str() }),
        ))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct Limit {
    limit: Option<i64>,
}

fn record_json(r: &genesis_store::AuditRecord) -> Value {
    let e = &r.entry;
    json!({ "seq": r.seq, "at": genesis_engine::export::rfc3339(e.at), "actor": e.actor, "credential": e.credential,
            "address": e.address, "action": e.action, "target": e.target, "status": e.status, "detail": e.detail })
}

pub(crate) async fn alerts(State(state): State<AppState>, Query(q): Query<Limit>) -> ApiResult {
    state.flush_audit_async().await;
    with_reader(&state, move |store| {
        let alerts: Vec<Value> = store
            .audit_log(q.limit.unwrap_or(100).clamp(1, 10_000), true)?
            .iter()
            .map(record_json)
            .collect();
        Ok(Json(json!({ "alerts": alerts })))
    })
    .await
}

pub(crate) async fn audit(State(state): State<AppState>, Query(q): Query<Limit>) -> ApiResult {
    state.flush_audit_async().await;
    with_reader(&state, move |store| {
        let broken = store.verify_audit()?;
        let entries: Vec<Value> = store
            .audit_log(q.limit.unwrap_or(100).clamp(1, 10_000), false)?
            .iter()
            .map(record_json)
            .collect();
        Ok(Json(
            json!({ "chain_ok": broken.is_none(), "first_broken": broken, "entries": entries }),
        ))
    })
    .await
}
