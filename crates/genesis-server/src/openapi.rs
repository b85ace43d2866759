//! The OpenAPI 3.1 description, generated from the route table in
//! [`crate::api::endpoints`] (paths, methods, access, bodies), so it lists
//! exactly what the router serves and the gate enforces.

use crate::api::{Access, endpoints};
use axum::Json;
use serde_json::{Map, Value, json};

/// JSON Schemas of the request bodies, by the names the table uses.
fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false });
    let role = json!({ "type": "string", "enum": ["viewer", "editor", "owner"] });
    json!({
        "Error": { "type": "object", "required": ["code", "message"],
                   "properties": { "code": { "type": "string" }, "message": { "type": "string" } } },
        "Login": s(json!({ "user": { "type": "string" }, "password": { "type": "string" },
                           "code": { "type": "string", "description": "TOTP code, for enrolled users" } }), &["user", "password"]),
        "PasswordChange": s(json!({ "old": { "type": "string" }, "new": { "type": "string", "minLength": 12 } }), &["old", "new"]),
        "NewToken": s(json!({ "project": { "type": "string" }, "role": role, "label": { "type": "string" },
                              "expires_in_days": { "type": "number", "exclusiveMinimum": 0, "maximum": 3650 } }), &["project", "role", "label"]),
        "NewUser": s(json!({ "name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" },
                             "admin": { "type": "boolean" }, "totp": { "type": "boolean" } }), &["name"]),
        "NewProject": s(json!({ "name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" } }), &["name"]),
        "Grant": s(json!({ "user": { "type": "string" }, "role": role }), &["user", "role"]),
        "NewCampaign": {
            "description": "The campaign file: `toml` (its text) or `campaign` (the same structure as JSON). The body may also be the TOML itself with Content-Type application/toml.",
            "oneOf": [ s(json!({ "toml": { "type": "string" } }), &["toml"]),
                       s(json!({ "campaign": { "type": "object" } }), &["campaign"]) ] },
        "Ask": s(json!({ "count": { "type": ["integer", "null"], "minimum": 1, "maximum": 1000 } }), &[]),
        "Tell": s(json!({ "results": { "type": "array", "items": { "oneOf": [
            s(json!({ "trial": { "type": "integer", "minimum": 0 },
                      "outputs": { "type": "object", "additionalProperties": { "type": "number" } } }), &["trial", "outputs"]),
            s(json!({ "trial": { "type": "integer", "minimum": 0 }, "failed": { "type": "string" } }), &["trial", "failed"]),
        ] } } }), &["results"]),
    })
}

fn error_response(description: &str) -> Value {
    json!({ "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// The whole document.
pub fn openapi() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for (e, _) in endpoints() {
        let parameters: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut responses = Map::new();
        let ok = if e.path.ends_with("/campaigns") && e.method == "POST" {
            "201"
        } else {
            "200"
        };
        responses.insert(
            ok.into(),
            json!({ "description": "success", "content": { e.produces: {} } }),
        );
        let mut refusal = |status: &str, description: &str| {
            responses.insert(status.into(), error_response(description));
        };
        if e.access != Access::Public || e.path.ends_with("/login") {
            refusal(
                "401",
                "no valid credential (or, to sign in, a wrong password or code)",
            );
        }
        if e.access != Access::Public {
            refusal("403", "the credential lacks the role");
            refusal("404", "not found, or in a project you cannot see");
            refusal(
                "409",
                "conflicts with the current state (exists already, not running, record broken)",
            );
        }
        if e.path.ends_with("/login") {
            refusal("429", "the account is locked after repeated failures");
        }
        if e.body.is_some() || e.path.ends_with("/login") {
            refusal("422", "malformed or refused input; nothing was written");
        }
        let mut op = json!({
            "summary": e.summary,
            "operationId": format!("{} {}", e.method.to_lowercase(), e.path),
            "x-genesis-access": e.access.describe(),
            "parameters": parameters,
            "responses": responses,
        });
        if e.access != Access::Public {
            op["security"] = json!([{ "bearer": [] }]);
        }
        if let Some(body) = e.body {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{body}") } } } });
        }
        paths
            .entry(e.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object")
            .insert(e.method.to_lowercase(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Genesis API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Campaigns, trials, ask/tell, provenance and accounts of a Genesis server. Errors are JSON {code, message}; 401 without a valid credential, 403 for a missing role, 404 also for what is in a project you cannot see, 422 for bad input." },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer",
                "description": "A session from /api/v1/auth/login (gns_…) or an API token (gnt_…)" } },
        },
    })
}

pub(crate) async fn serve_doc() -> Json<Value> {
    Json(openapi())
}
