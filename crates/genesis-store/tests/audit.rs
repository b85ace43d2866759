//! The audit log's detectors and hash chain, one family of cases each.

use genesis_store::{AuditEntry, Store, Thresholds};
use serde_json::json;

fn entry(
    at: i64,
    actor: &str,
    credential: &str,
    address: &str,
    action: &str,
    status: u16,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: (!actor.is_empty()).then(|| actor.to_string()),
        credential: (!credential.is_empty()).then(|| credential.to_string()),
        address: Some(address.to_string()),
        action: action.to_string(),
        target: "/api/v1/campaigns".into(),
        status,
        detail: json!({}),
    }
}

/// Appends `entries` one by one and returns the alert kinds raised, in order.
fn check(entries: Vec<AuditEntry>, expect: &[&str]) {
    let mut store = Store::in_memory().unwrap();
    let mut raised = Vec::new();
    for e in entries {
        for a in store.append_audit(&[e], &Thresholds::default()).unwrap() {
            raised.push(a.target);
        }
    }
    assert_eq!(raised, expect);
    assert_eq!(store.verify_audit().unwrap(), None);
}

#[test]
fn a_token_used_from_a_new_address_raises_one_alert() {
    let use_from = |at, addr| entry(at, "robot", "token:7", addr, "GET /api/v1/campaigns", 200);
    check(vec![use_from(1, "10.0.0.5"), use_from(2, "10.0.0.5")], &[]);
    check(
        vec![
            use_from(1, "10.0.0.5"),
            use_from(2, "10.0.0.5"),
            use_from(3, "203.0.113.9"),
            use_from(4, "203.0.113.9"),
        ],
        &["token_new_address"],
    );
    // Sessions move between addresses (laptops, VPNs) without alerts.
    let session = |at, addr| entry(at, "carol", "session", addr, "GET /api/v1/campaigns", 200);
    check(vec![session(1, "10.0.0.5"), session(2, "203.0.113.9")], &[]);
}

#[test]
fn bursts_of_refusals_raise_an_alert_once_per_window() {
    let denied = |at| {
        entry(
            at,
            "mallory",
            "session",
            "10.0.0.66",
            "GET /api/v1/campaigns/{id}",
            404,
        )
    };
    check((0..19).map(denied).collect(), &[]);
    check((0..40).map(denied).collect(), &["access_denied_burst"]);
    // A new window, a new alert.
    let window = Thresholds::default().window_ms;
    check(
        (0..20)
            .map(denied)
            .chain((0..20).map(|i| denied(window + 10 + i)))
            .collect(),
        &["access_denied_burst", "access_denied_burst"],
    );
}

#[test]
fn failed_logins_from_one_address_across_accounts_raise_an_alert() {
    let fail = |at, user: &str| AuditEntry {
        target: user.to_string(),
        ..entry(at, "", "", "198.51.100.7", "login", 401)
    };
    // Ten accounts tried once each: no account alert, one address alert.
    check(
        (0..10).map(|i| fail(i, &format!("user{i}"))).collect(),
        &["failed_login_burst"],
    );
}

#[test]
fn large_exports_raise_an_alert() {
    let export = |at, bytes: i64| AuditEntry {
        detail: json!({ "bytes": bytes }),
        ..entry(
            at,
            "eve",
            "session",
            "10.0.0.8",
            "GET /api/v1/campaigns/{id}/export.csv",
            200,
        )
    };
    check(vec![export(1, 60 << 20)], &[]);
    check(
        vec![export(1, 60 << 20), export(2, 60 << 20)],
        &["export_volume"],
    );
}

#[test]
fn editing_or_deleting_an_entry_breaks_the_chain_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genesis.db");
    let mut store = Store::open(&path).unwrap();
    let entries: Vec<AuditEntry> = (0..5)
        .map(|i| {
            entry(
                i,
                "carol",
                "session",
                "10.0.0.5",
                "GET /api/v1/campaigns",
                200,
            )
        })
        .collect();
    store
        .append_audit(&entries, &Thresholds::default())
        .unwrap();
    assert_eq!(store.verify_audit().unwrap(), None);
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
    assert_eq!(store.verify_audit().unwrap(), Some(3));
}
