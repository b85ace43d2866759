//! `genesis alerts` and `genesis audit`: the server's audit log, read from
//! the workspace (so they work while the server runs, or after).

use crate::output::{print_table, rfc3339};
use anyhow::Result;
use genesis_store::{AuditRecord, Store};
use serde_json::{Value, json};

fn record_json(r: &AuditRecord) -> Value {
    let e = &r.entry;
    json!({ "seq": r.seq, "at": rfc3339(e.at), "actor": e.actor, "credential": e.credential,
            "address": e.address, "action": e.action, "target": e.target, "status": e.status,
            "detail": e.detail, "hash": r.hash })
}

/// `genesis alerts`.
pub fn alerts(store: &Store, limit: i64, json: bool) -> Result<()> {
    let alerts = store.audit_log(limit, true)?;
    if json {
        let list: Vec<Value> = alerts.iter().map(record_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "alerts": list }))?
        );
        return Ok(());
    }
    if alerts.is_empty() {
        println!("no alerts");
        return Ok(());
    }
    let mut rows = vec![vec![
        "when".to_string(),
        "kind".into(),
        "address".into(),
        "what".into(),
    ]];
    for a in &alerts {
        let e = &a.entry;
        rows.push(vec![
            rfc3339(e.at)[..19].to_string(),
            e.target.clone(),
            e.address.clone().unwrap_or_default(),
            e.detail["message"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    print_table(&rows);
    Ok(())
}

/// `genesis audit`: the latest entries and the chain check (exit 1 if broken).
pub fn audit(store: &Store, limit: i64, json: bool) -> Result<()> {
    let broken = store.verify_audit()?;
    let entries = store.audit_log(limit, false)?;
    if json {
        let list: Vec<Value> = entries.iter().map(record_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "chain_ok": broken.is_none(), "first_broken": broken, "entries": list })
            )?
        );
    } else {
        let mut rows = vec![vec![
            "seq".to_string(),
            "when".into(),
            "who".into(),
            "address".into(),
            "action".into(),
            "target".into(),
            "status".into(),
        ]];
        for r in &entries {
            let e = &r.entry;
            rows.push(vec![
                r.seq.to_string(),
                rfc3339(e.at)[..19].to_string(),
                e.actor.clone().unwrap_or_else(|| "-".into()),
                e.address.clone().unwrap_or_default(),
                e.action.clone(),
                e.target.clone(),
                e.status.to_string(),
            ]);
        }
        if entries.is_empty() {
            println!("the audit log is empty");
        } else {
            print_table(&rows);
        }
        match broken {
            None => println!("audit chain: ok"),
            Some(seq) => {
                println!("audit chain: BROKEN at entry {seq} (changed, removed or reordered)")
            }
        }
    }
    if broken.is_some() {
        std::process::exit(1);
    }
    Ok(())
}
