//! `genesis serve` through real HTTP: logins and lockout, the role matrix
//! (no credential 401, no role 404, too weak a role 403), API tokens
//! (scope, expiry, revocation), ask/tell for a remote experimenter, and
//! bad input (422).

mod common;
use common::Genesis;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn add_user(g: &Genesis, name: &str, admin: bool) -> String {
    add_user_with_totp(g, name, admin).0
}

/// Adds a user; returns the password and, for administrators, the TOTP
/// secret read from the enrolment URI printed once.
fn add_user_with_totp(g: &Genesis, name: &str, admin: bool) -> (String, Option<Vec<u8>>) {
    let password = format!("{name}-long-password");
    let mut args = vec!["user", "add", name, "--password-stdin"];
    if admin {
        args.push("--admin");
    }
    let mut child = g
        .command(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let secret = text
        .split("secret=")
        .nth(1)
        .map(|rest| base32_decode(rest.split('&').next().unwrap()));
    (password, secret)
}

fn base32_decode(text: &str) -> Vec<u8> {
    let (mut buffer, mut bits, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {text}"),
        };
        buffer = (buffer << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

/// The current TOTP code of `secret` (what the authenticator app shows).
fn code(secret: &[u8]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{:06}", genesis_server::mfa::hotp(secret, now / 30))
}

fn start(g: &Genesis) -> Server {
    start_with(g, &["--bind", "127.0.0.1:0"])
}

/// `genesis serve ARGS`; `base` is the URL from its "listening on" line.
fn start_with(g: &Genesis, args: &[&str]) -> Server {
    let mut child = g
        .command(&[&["serve"], args].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or_else(|| panic!("not a listening line: {line}"))
        .to_string();
    Server { child, base: url }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, body) of a request with an optional bearer credential and a
/// body of the given media type.
fn call_as(
    s: &Server,
    method: &str,
    path: &str,
    auth: Option<&str>,
    content_type: &str,
    body: Option<String>,
) -> (u16, Value) {
    let agent = agent();
    let url = format!("{}{path}", s.base);
    let bearer = auth.map(|a| format!("Bearer {a}"));
    let resp = match method {
        "GET" => {
            let mut r = agent.get(&url);
            if let Some(b) = &bearer {
                r = r.header("Authorization", b);
            }
            r.call()
        }
        m => {
            let mut r = if m == "DELETE" {
                agent.delete(&url).force_send_body()
            } else {
                agent.post(&url)
            };
            if let Some(b) = &bearer {
                r = r.header("Authorization", b);
            }
            r.header("Content-Type", content_type)
                .send(body.unwrap_or_default())
        }
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// (status, body) of a JSON request with an optional bearer credential.
fn call(
    s: &Server,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    call_as(
        s,
        method,
        path,
        auth,
        "application/json",
        body.map(|b| b.to_string()),
    )
}

/// Reads the Server-Sent Events at `path` until an `end` event or until
/// `enough` says so; returns (event, data) pairs.
fn events_until(
    s: &Server,
    path: &str,
    auth: &str,
    enough: impl Fn(&Value) -> bool,
) -> Vec<(String, Value)> {
    let resp = agent()
        .get(&format!("{}{path}", s.base))
        .header("Authorization", &format!("Bearer {auth}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut reader = BufReader::new(resp.into_body().into_reader());
    let (mut out, mut event) = (Vec::new(), String::new());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        let l = line.trim_end().to_string();
        line.clear();
        if let Some(e) = l.strip_prefix("event: ") {
            event = e.to_string();
        } else if let Some(d) = l.strip_prefix("data: ") {
            let data: Value = serde_json::from_str(d).unwrap();
            let stop = event == "end" || enough(&data);
            out.push((event.clone(), data));
            if stop {
                break;
            }
        }
    }
    out
}

fn login(s: &Server, user: &str, password: &str) -> String {
    login_with(s, user, password, None)
}

fn login_with(s: &Server, user: &str, password: &str, code: Option<String>) -> String {
    let (status, body) = call(
        s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": user, "password": password, "code": code})),
    );
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// A manual campaign in the `default` project, run through the CLI.
fn manual_campaign(g: &Genesis) -> String {
    let file = g.file(
        "lab.toml",
        r#"
name = "remote-lab"
twin = "manual"
budget = 6
seed = 2
planner = "sobol"
[parameters]
temperature = { type = "float", low = 300.0, high = 400.0, unit = "K" }
[objectives.yield_pct]
goal = "maximize"
"#,
    );
    let r = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    r["campaign"].as_str().unwrap().to_string()
}

#[test]
fn roles_tokens_and_ask_tell_over_http() {
    let g = Genesis::new();
    let id = manual_campaign(&g);
    let (admin_pw, admin_totp) = add_user_with_totp(&g, "alice", true);
    let admin_totp = admin_totp.expect("an administrator is enrolled in TOTP");
    let viewer_pw = add_user(&g, "bob", false);
    let editor_pw = add_user(&g, "carol", false);
    let outsider_pw = add_user(&g, "dave", false);
    g.run(&["project", "grant", "default", "bob", "viewer"])
        .ok();
    g.run(&["project", "grant", "default", "carol", "editor"])
        .ok();
    g.run(&["project", "add", "other"]).ok();
    g.run(&["project", "grant", "other", "dave", "editor"]).ok();
    let s = start(&g);

    let (status, body) = call(&s, "GET", "/api/v1/health", None, None);
    assert_eq!((status, body["status"].clone()), (200, json!("ok")));
    let campaign = format!("/api/v1/campaigns/{id}");
    let trials = format!("{campaign}/trials");
    let ask = format!("{campaign}/ask");
    let tell = format!("{campaign}/tell");

    // No credential, or a made-up one: 401 with a stable code.
    let (status, body) = call(&s, "GET", &campaign, None, None);
    assert_eq!((status, body["code"].clone()), (401, json!("unauthorized")));
    assert_eq!(call(&s, "GET", &campaign, Some("gns_forged"), None).0, 401);

    let viewer = login(&s, "bob", &viewer_pw);
    let editor = login(&s, "carol", &editor_pw);
    let outsider = login(&s, "dave", &outsider_pw);
    // The administrator needs the second factor.
    let (status, body) = call(
        &s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": "alice", "password": admin_pw})),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("mfa_required")),
        "{body}"
    );
    let (status, _) = call(
        &s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": "alice", "password": admin_pw, "code": "000000"})),
    );
    assert_eq!(status, 401);
    let admin = login_with(&s, "alice", &admin_pw, Some(code(&admin_totp)));

    // The role matrix: (who, method, path, expected status).
    let ask_one = json!({"count": 1});
    for (who, method, path, body, want) in [
        (&viewer, "GET", &campaign, None, 200),
        (&viewer, "GET", &trials, None, 200),
        (&viewer, "POST", &ask, Some(ask_one.clone()), 403),
        (&outsider, "GET", &campaign, None, 404),
        (&outsider, "POST", &ask, Some(ask_one.clone()), 404),
        (&editor, "POST", &ask, Some(ask_one.clone()), 200),
        (&admin, "GET", &trials, None, 200),
    ] {
        let (status, answer) = call(&s, method, path, Some(who), body);
        assert_eq!(status, want, "{method} {path}: {answer}");
    }
    // The outsider's 404 is the same as for a campaign that does not exist.
    let (_, a) = call(&s, "GET", &campaign, Some(&outsider), None);
    let (_, b) = call(
        &s,
        "GET",
        "/api/v1/campaigns/ffffffff",
        Some(&outsider),
        None,
    );
    assert_eq!(a["code"], b["code"]);
    let (_, list) = call(&s, "GET", "/api/v1/campaigns", Some(&outsider), None);
    assert_eq!(list["campaigns"], json!([]));

    // An instrument's editor token: ask two, tell them.
    let (status, tok) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        Some(&editor),
        Some(json!({"project": "default", "role": "editor", "label": "robot arm"})),
    );
    assert_eq!(status, 200, "{tok}");
    let robot = tok["token"].as_str().unwrap().to_string();
    let (status, asked) = call(&s, "POST", &ask, Some(&robot), Some(json!({"count": 2})));
    assert_eq!(status, 200, "{asked}");
    let proposed: Vec<u64> = asked["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["index"].as_u64().unwrap())
        .collect();
    assert_eq!(proposed.len(), 2);
    let results = json!({"results": [
        {"trial": proposed[0], "outputs": {"yield_pct": 71.5}},
        {"trial": proposed[1], "failed": "crucible cracked"},
    ]});
    let (status, told) = call(&s, "POST", &tell, Some(&robot), Some(results));
    assert_eq!(status, 200, "{told}");
    assert_eq!(
        (told["completed"].clone(), told["failed"].clone()),
        (json!(1), json!(1))
    );
    // Bad results: 422, nothing written.
    let (status, bad) = call(
        &s,
        "POST",
        &tell,
        Some(&robot),
        Some(json!({"results": [{"trial": 0}]})),
    );
    assert_eq!((status, bad["code"].clone()), (422, json!("invalid")));
    let (status, _) = call(
        &s,
        "POST",
        &tell,
        Some(&robot),
        Some(json!("not an object")),
    );
    assert_eq!(status, 422);
    // A token cannot carry more than its creator's role, nor make tokens.
    let (status, _) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        Some(&viewer),
        Some(json!({"project": "default", "role": "editor", "label": "x"})),
    );
    assert_eq!(status, 403);
    let (status, _) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        Some(&robot),
        Some(json!({"project": "default", "role": "viewer", "label": "x"})),
    );
    assert_eq!(status, 403);
    // A token for another project sees nothing here.
    let (_, other) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        Some(&outsider),
        Some(json!({"project": "other", "role": "editor", "label": "x"})),
    );
    assert_eq!(
        call(&s, "GET", &campaign, other["token"].as_str(), None).0,
        404
    );
    // Revoked and expired tokens stop working.
    let token_id = tok["id"].as_i64().unwrap();
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("/api/v1/tokens/{token_id}"),
            Some(&editor),
            None
        )
        .0,
        200
    );
    assert_eq!(call(&s, "GET", &campaign, Some(&robot), None).0, 401);
    let (_, short) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        Some(&editor),
        Some(
            json!({"project": "default", "role": "viewer", "label": "brief", "expires_in_days": 1e-8}),
        ),
    );
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(
        call(&s, "GET", &campaign, short["token"].as_str(), None).0,
        401
    );
    // Logout ends the session.
    assert_eq!(
        call(&s, "POST", "/api/v1/auth/logout", Some(&viewer), None).0,
        200
    );
    assert_eq!(call(&s, "GET", &campaign, Some(&viewer), None).0, 401);

    // Verify and PROV-JSON over the API, for viewers; not for outsiders.
    let (status, v) = call(&s, "GET", &format!("{campaign}/verify"), Some(&admin), None);
    assert_eq!((status, v["ok"].clone()), (200, json!(true)), "{v}");
    let (status, prov) = call(&s, "GET", &format!("{campaign}/prov"), Some(&admin), None);
    assert_eq!(status, 200);
    assert!(
        prov["prefix"]["genesis"].is_string() && prov["activity"].is_object(),
        "{prov}"
    );
    assert_eq!(
        call(
            &s,
            "GET",
            &format!("{campaign}/verify"),
            Some(&outsider),
            None
        )
        .0,
        404
    );

    // What the robot told is in the signed record.
    let v = g.run(&["verify", &id, "--json"]).ok().json();
    assert_eq!(v["ok"], true, "{v}");
    let l = g
        .run(&["lineage", &id, &proposed[1].to_string(), "--json"])
        .ok()
        .json();
    assert_eq!(l["failure_reason"], "crucible cracked");
    assert_eq!(l["result"]["reported_by"], "tell");
}

#[test]
fn repeated_failed_logins_lock_the_account() {
    let g = Genesis::new();
    let pw = add_user(&g, "erin", false);
    let s = start(&g);
    for _ in 0..5 {
        let (status, body) = call(
            &s,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"user": "erin", "password": "guess-guess-guess"})),
        );
        assert_eq!(
            (status, body["code"].clone()),
            (401, json!("bad_credentials"))
        );
    }
    // Locked now, even with the right password.
    let (status, body) = call(
        &s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": "erin", "password": pw})),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (429, json!("locked")),
        "{body}"
    );
    // An unknown user gets the same answer as a wrong password.
    let (status, body) = call(
        &s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": "nobody", "password": "x"})),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("bad_credentials"))
    );
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let g = Genesis::new();
    let r = g.run(&["serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("TLS"), "{}", r.stderr);
}

#[test]
fn totp_secrets_are_sealed_and_a_wrong_master_key_is_refused() {
    let g = Genesis::new();
    let (_, secret) = add_user_with_totp(&g, "root", true);
    let secret = secret.unwrap();
    // Neither the secret's bytes nor its base32 form are in the database.
    let db = std::fs::read(g.workspace().join("genesis.db")).unwrap();
    let b32 = genesis_server::mfa::base32(&secret);
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    for needle in [b32.as_bytes(), hex.as_bytes(), &secret[..]] {
        assert!(
            !db.windows(needle.len()).any(|w| w == needle),
            "secret found in the store"
        );
    }
    // Another master key does not open it: the server refuses to start.
    let other = g.dir.path().join("other.key");
    std::fs::write(&other, "ab".repeat(32)).unwrap();
    let r: common::Run = g
        .command(&["serve", "--bind", "127.0.0.1:0"])
        .env("GENESIS_MASTER_KEY_FILE", &other)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("does not open this workspace's data key"),
        "{}",
        r.stderr
    );
    // --require-mfa: a user without TOTP must enrol first.
    let pw = add_user(&g, "frank", false);
    let s = start_with(&g, &["--bind", "127.0.0.1:0", "--require-mfa"]);
    let (status, body) = call(
        &s,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"user": "frank", "password": pw})),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("mfa_setup_required")),
        "{body}"
    );
}

#[test]
fn tls_with_a_self_signed_certificate() {
    let g = Genesis::new();
    // Off loopback is fine with TLS.
    let server = start_with(&g, &["--bind", "0.0.0.0:0", "--tls-self-signed"]);
    let port = server
        .base
        .strip_prefix("https://0.0.0.0:")
        .unwrap_or_else(|| panic!("not https: {}", server.base))
        .to_string();
    let cert = g.workspace().join("tls/self-signed.pem");
    use std::os::unix::fs::PermissionsExt;
    let key_mode = std::fs::metadata(g.workspace().join("tls/self-signed.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600);
    // A client that trusts the certificate talks to it; one that does not,
    // and a plain-HTTP client, get nowhere.
    let script = format!(
        r#"
import ssl, urllib.request
ok = ssl.create_default_context(cafile={cert:?})
print(urllib.request.urlopen("https://127.0.0.1:{port}/api/v1/health", context=ok).read().decode())
for url, ctx in [("https://127.0.0.1:{port}/api/v1/health", None), ("http://127.0.0.1:{port}/api/v1/health", None)]:
    try:
        urllib.request.urlopen(url, context=ctx, timeout=5)
        print("UNEXPECTED", url)
    except Exception as e:
        print("refused", type(e).__name__)
"#,
        cert = cert.display().to_string()
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"status\":\"ok\""),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("refused").count(), 2, "{text}");
    assert!(!text.contains("UNEXPECTED"), "{text}");
}

/// What a caller should get from an endpoint with access `access`:
/// `None` for "let through" (any answer but 401, 403, or a 404 that hides a
/// project), else the refusal's status.
fn expected(access: &str, caller: &str) -> Option<u16> {
    let rank = |r: &str| ["viewer", "editor", "owner"].iter().position(|x| *x == r);
    let (kind, needed) = access.split_once(':').unwrap_or((access, ""));
    match (kind, caller) {
        ("public", _) => None,
        (_, "none") => Some(401),
        ("signed", _) => None,
        ("session" | "site-admin", "token") => Some(403),
        ("session", _) => None,
        ("site-admin", "admin") => None,
        ("site-admin", _) => Some(403),
        ("project" | "campaign", "admin") => None,
        ("project" | "campaign", "outsider") => Some(404),
        ("project" | "campaign", who) => {
            // The token acts as an editor.
            let role = if who == "token" { "editor" } else { who };
            if rank(role) >= rank(needed) {
                None
            } else {
                Some(403)
            }
        }
        other => panic!("unknown access {other:?}"),
    }
}

/// Who may call what: the specification the server's route table must
/// match (method, path, access).
const ACCESS: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/health", "public"),
    ("GET", "/api/openapi.json", "public"),
    ("POST", "/api/v1/auth/login", "public"),
    ("POST", "/api/v1/auth/logout", "session"),
    ("POST", "/api/v1/auth/password", "session"),
    ("GET", "/api/v1/tokens", "session"),
    ("POST", "/api/v1/tokens", "session"),
    ("DELETE", "/api/v1/tokens/{token_id}", "session"),
    ("GET", "/api/v1/users", "site-admin"),
    ("POST", "/api/v1/users", "site-admin"),
    ("GET", "/api/v1/projects", "signed"),
    ("POST", "/api/v1/projects", "site-admin"),
    (
        "POST",
        "/api/v1/projects/{project}/members",
        "project:owner",
    ),
    ("GET", "/api/v1/alerts", "site-admin"),
    ("GET", "/api/v1/audit", "site-admin"),
    ("GET", "/api/v1/campaigns", "signed"),
    (
        "POST",
        "/api/v1/projects/{project}/campaigns",
        "project:editor",
    ),
    ("GET", "/api/v1/campaigns/{id}", "campaign:viewer"),
    ("POST", "/api/v1/campaigns/{id}/cancel", "campaign:editor"),
    ("GET", "/api/v1/campaigns/{id}/trials", "campaign:viewer"),
    (
        "GET",
        "/api/v1/campaigns/{id}/trials/{index}",
        "campaign:viewer",
    ),
    ("GET", "/api/v1/campaigns/{id}/events", "campaign:viewer"),
    ("GET", "/api/v1/campaigns/{id}/verify", "campaign:viewer"),
    ("GET", "/api/v1/campaigns/{id}/prov", "campaign:viewer"),
    (
        "GET",
        "/api/v1/campaigns/{id}/export.csv",
        "campaign:viewer",
    ),
    ("POST", "/api/v1/campaigns/{id}/ask", "campaign:editor"),
    ("POST", "/api/v1/campaigns/{id}/tell", "campaign:editor"),
];

/// Every endpoint of the OpenAPI document (generated from the route table
/// the gate enforces, and checked against [`ACCESS`]), for every kind of caller: no credential, someone
/// with no role in the project, viewer, editor, owner, an editor's API
/// token, and a site administrator.
#[test]
fn every_endpoint_refuses_whoever_lacks_its_access() {
    let g = Genesis::new();
    let id = manual_campaign(&g);
    let (admin_pw, admin_totp) = add_user_with_totp(&g, "alice", true);
    let mut passwords = vec![];
    for (name, role) in [("vera", "viewer"), ("ed", "editor"), ("olga", "owner")] {
        passwords.push((role, name, add_user(&g, name, false)));
        g.run(&["project", "grant", "default", name, role]).ok();
    }
    let outsider_pw = add_user(&g, "otto", false);
    let s = start(&g);
    let (status, doc) = call(&s, "GET", "/api/openapi.json", None, None);
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");

    let mut callers: Vec<(&str, Option<String>)> = vec![("none", None)];
    callers.push(("outsider", Some(login(&s, "otto", &outsider_pw))));
    for (role, name, pw) in &passwords {
        callers.push((role, Some(login(&s, name, pw))));
    }
    let editor = callers.iter().find(|c| c.0 == "editor").unwrap().1.clone();
    let (_, tok) = call(
        &s,
        "POST",
        "/api/v1/tokens",
        editor.as_deref(),
        Some(json!({"project": "default", "role": "editor", "label": "matrix"})),
    );
    callers.push(("token", tok["token"].as_str().map(String::from)));
    let admin_totp = admin_totp.unwrap();
    callers.push((
        "admin",
        Some(login_with(&s, "alice", &admin_pw, Some(code(&admin_totp)))),
    ));
    // Trial 0 exists, so `trials/{index}` has something to show.
    call(
        &s,
        "POST",
        &format!("/api/v1/campaigns/{id}/ask"),
        editor.as_deref(),
        Some(json!({"count": 1})),
    );

    // Every operation; logout last (it ends the caller's session) and
    // cancel after the rest (it stops the campaign).
    let mut operations: Vec<(String, String, String, String)> = Vec::new();
    let mut declared = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            declared.push((
                method.to_uppercase(),
                path.clone(),
                op["x-genesis-access"].as_str().unwrap().to_string(),
            ));
            let concrete = path
                .replace("{id}", &id)
                .replace("{project}", "default")
                .replace("{index}", "0")
                .replace("{token_id}", "999999");
            let produces = op["responses"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()["content"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone();
            operations.push((
                method.to_uppercase(),
                concrete,
                op["x-genesis-access"].as_str().unwrap().to_string(),
                produces,
            ));
        }
    }
    let mut specified: Vec<(String, String, String)> = ACCESS
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string()))
        .collect();
    specified.sort();
    declared.sort();
    assert_eq!(
        declared, specified,
        "the API's endpoints or their access changed"
    );
    let last = |p: &str| p.ends_with("/logout") as u8 * 2 + p.ends_with("/cancel") as u8;
    operations.sort_by_key(|o| last(&o.1));
    assert!(operations.len() >= 25, "{} operations", operations.len());

    let mut checked = 0;
    for (caller, credential) in &callers {
        for (method, path, access, produces) in &operations {
            if path.ends_with("/auth/login") {
                continue; // public, and failures count towards lockouts
            }
            let want = expected(access, caller);
            let status = if produces == "text/event-stream" {
                // Only the status: the stream runs while the campaign does.
                let mut r = agent().get(&format!("{}{path}", s.base));
                if let Some(c) = credential {
                    r = r.header("Authorization", &format!("Bearer {c}"));
                }
                r.call().unwrap().status().as_u16()
            } else {
                let body = (method != "GET").then(|| json!({}));
                call(&s, method, path, credential.as_deref(), body).0
            };
            match want {
                Some(refusal) => assert_eq!(
                    status, refusal,
                    "{caller} {method} {path} ({access}) should be refused"
                ),
                None => {
                    let hidden = status == 404 && !path.contains("999999");
                    assert!(
                        status != 401 && status != 403 && !hidden,
                        "{caller} {method} {path} ({access}) was refused: {status}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 7 * 25, "{checked} checks");
}

/// A campaign whose twin is a slow Python program (0.15 s a trial), so a
/// test can stop the server in the middle of it.
const SLOW_CAMPAIGN: &str = r#"
name = "slow-branin"
budget = 16
seed = 4
planner = "sobol"
[twin]
command = ["python3", "-c", "import json,sys,time; x=json.load(sys.stdin); time.sleep(0.15); print(json.dumps({'f': (x['a']-1)**2 + x['b']}))"]
[parameters]
a = { type = "float", low = 0.0, high = 2.0, unit = "m" }
b = { type = "float", low = 0.0, high = 1.0, unit = "s" }
[objectives.f]
goal = "minimize"
"#;

#[test]
fn campaigns_run_in_the_server_stream_progress_and_resume_after_a_crash() {
    let g = Genesis::new();
    let pw = add_user(&g, "carol", false);
    g.run(&["project", "grant", "default", "carol", "editor"])
        .ok();
    // Without --allow-programs a program twin is refused, and nothing is stored.
    let s = start(&g);
    let carol = login(&s, "carol", &pw);
    let create = "/api/v1/projects/default/campaigns";
    let (status, body) = call(
        &s,
        "POST",
        create,
        Some(&carol),
        Some(json!({ "toml": SLOW_CAMPAIGN })),
    );
    assert_eq!(
        (status, body["code"].clone()),
        (422, json!("rejected")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("--allow-programs")
    );
    let (_, list) = call(&s, "GET", "/api/v1/campaigns", Some(&carol), None);
    assert_eq!(list["campaigns"], json!([]));
    // A bad campaign file: 422 with the line and field.
    let (status, body) = call_as(
        &s,
        "POST",
        create,
        Some(&carol),
        "application/toml",
        Some(SLOW_CAMPAIGN.replace("budget = 16", "budget = -3")),
    );
    assert_eq!(status, 422, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("campaign.toml:3:") && message.contains("budget"),
        "{body}"
    );
    drop(s);

    let mut s = start_with(&g, &["--bind", "127.0.0.1:0", "--allow-programs"]);
    let carol = login(&s, "carol", &pw);
    let (status, created) = call(
        &s,
        "POST",
        create,
        Some(&carol),
        Some(json!({ "toml": SLOW_CAMPAIGN })),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["owner"], "carol");
    let events = format!("/api/v1/campaigns/{id}/events");
    // Progress arrives as it happens; stop the server hard after a few trials.
    let seen = events_until(&s, &events, &carol, |d| {
        d["counts"]["completed"].as_u64() >= Some(3)
    });
    assert!(seen.iter().all(|(e, _)| e == "progress"), "{seen:?}");
    let done_before = seen.last().unwrap().1["counts"]["completed"]
        .as_u64()
        .unwrap();
    assert!(done_before < 16);
    unsafe_kill(&mut s);

    // A new server resumes the campaign by itself and finishes it.
    let s = start_with(&g, &["--bind", "127.0.0.1:0", "--allow-programs"]);
    let carol = login(&s, "carol", &pw);
    let seen = events_until(&s, &events, &carol, |_| false);
    let (last_event, last) = seen.last().unwrap();
    assert_eq!(last_event, "end");
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["counts"]["completed"], 16, "{last}");
    assert!(last["best"]["outputs"]["f"].is_number(), "{last}");
    // The record verifies, and the CSV has one row per trial.
    let (_, v) = call(
        &s,
        "GET",
        &format!("/api/v1/campaigns/{id}/verify"),
        Some(&carol),
        None,
    );
    assert_eq!(v["ok"], true, "{v}");
    let (status, csv) = call(
        &s,
        "GET",
        &format!("/api/v1/campaigns/{id}/export.csv"),
        Some(&carol),
        None,
    );
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("campaign,index,status,a,b,f,"), "{csv}");
    assert_eq!(csv.lines().count(), 17);
    // Cancelling a finished campaign is refused.
    let (status, body) = call(
        &s,
        "POST",
        &format!("/api/v1/campaigns/{id}/cancel"),
        Some(&carol),
        None,
    );
    assert_eq!((status, body["code"].clone()), (409, json!("not_running")));
}

/// SIGKILL: the server gets no chance to tidy up.
fn unsafe_kill(s: &mut Server) {
    s.child.kill().unwrap();
    s.child.wait().unwrap();
}

#[test]
fn requests_are_audited_and_attacks_raise_alerts() {
    let g = Genesis::new();
    let (admin_pw, admin_totp) = add_user_with_totp(&g, "alice", true);
    add_user(&g, "erin", false);
    let s = start(&g);
    for _ in 0..6 {
        call(
            &s,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"user": "erin", "password": "guess-guess-guess"})),
        );
    }
    // Refusals are audited too: no credential at all.
    assert_eq!(call(&s, "GET", "/api/v1/campaigns", None, None).0, 401);
    let admin = login_with(&s, "alice", &admin_pw, Some(code(&admin_totp.unwrap())));
    let (status, alerts) = call(&s, "GET", "/api/v1/alerts", Some(&admin), None);
    assert_eq!(status, 200, "{alerts}");
    let alerts = alerts["alerts"].as_array().unwrap().clone();
    assert_eq!(
        alerts.len(),
        1,
        "one alert per account and window: {alerts:?}"
    );
    assert_eq!(alerts[0]["target"], "failed_login_burst");
    assert_eq!(alerts[0]["detail"]["subject"], "user erin");
    let (_, audit) = call(&s, "GET", "/api/v1/audit?limit=100", Some(&admin), None);
    assert_eq!(audit["chain_ok"], true);
    let entries = audit["entries"].as_array().unwrap();
    let failed = entries
        .iter()
        .filter(|e| e["action"] == "login" && e["status"] == 401 && e["target"] == "erin")
        .count();
    assert_eq!(failed, 5, "the sixth is a lockout (429)");
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "GET /api/v1/campaigns"
                && e["status"] == 401
                && e["address"] == "127.0.0.1")
    );
    assert!(entries.iter().any(|e| e["action"] == "GET /api/v1/alerts"
        && e["actor"] == "alice"
        && e["credential"] == "session"));
    drop(s);
    // The CLI reads the same log; editing it breaks the chain.
    let r = g.run(&["alerts", "--json"]).ok().json();
    assert_eq!(r["alerts"][0]["target"], "failed_login_burst");
    g.run(&["audit"]).ok();
    let db = rusqlite::Connection::open(g.workspace().join("genesis.db")).unwrap();
    db.execute("UPDATE audit SET status = 200 WHERE seq = 2", [])
        .unwrap();
    let r = g.run(&["audit"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("BROKEN at entry 2"), "{}", r.stdout);
}

/// The steps of docs/server.md, in order, as a new site would take them:
/// an administrator with TOTP, a TLS server, over HTTPS with the Python
/// client a project, a colleague with the viewer role, an instrument's
/// editor token, and the example ask/tell script run with that token.
#[test]
fn the_walkthrough_of_docs_server_md() {
    let python = std::env::var("GENESIS_TEST_PYTHON")
        .expect("GENESIS_TEST_PYTHON must name the test virtualenv's python (scripts/test)");
    let g = Genesis::new();
    let (admin_pw, totp) = add_user_with_totp(&g, "alice", true);
    let s = start_with(&g, &["--bind", "127.0.0.1:0", "--tls-self-signed"]);
    assert!(s.base.starts_with("https://"), "{}", s.base);
    let ca = g.workspace().join("tls/self-signed.pem");
    let root = common::repo_root();
    let py = |args: &[&str], env: &[(&str, String)]| -> common::Run {
        let mut c = std::process::Command::new(&python);
        c.args(args)
            .current_dir(&root)
            .env("PYTHONPATH", root.join("clients/python"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap().into()
    };
    let setup = r#"
import json, os
from genesis_client import Client, GenesisError
url, ca = os.environ["URL"], os.environ["CA"]
admin = Client.login(url, "alice", os.environ["PW"], code=os.environ["CODE"], verify=ca)
admin.create_project("alloys")
bob = admin.create_user("bob")
admin.grant("alloys", "bob", "viewer")
token = admin.create_token("alloys", "editor", "furnace-2", expires_in_days=90)
viewer = Client.login(url, "bob", bob["password"], verify=ca)
assert [p["name"] for p in viewer.projects()] == ["alloys"], viewer.projects()
print(json.dumps({"token": token["token"], "bob": bob["password"]}))
"#;
    let env = vec![
        ("URL", s.base.clone()),
        ("CA", ca.display().to_string()),
        ("PW", admin_pw.clone()),
        ("CODE", code(totp.as_ref().unwrap())),
    ];
    let r = py(&["-c", setup], &env);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let made: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    // The instrument's loop, with the token, over HTTPS.
    let r = py(
        &[
            "examples/lab_campaign.py",
            "--url",
            &s.base,
            "--ca",
            &ca.display().to_string(),
            "--token",
            &token,
            "--project",
            "alloys",
            "--simulate",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("provenance verifies: True"),
        "{}",
        r.stdout
    );
    // The colleague reads it but cannot ask for experiments.
    let check = r#"
import os
from genesis_client import Client, GenesisError
bob = Client.login(os.environ["URL"], "bob", os.environ["BOB"], verify=os.environ["CA"])
[c] = bob.campaigns()
assert c.data["project"] == "alloys" and c.data["counts"]["completed"] == 12, c.data
try:
    c.ask(1)
    raise SystemExit("a viewer could ask")
except GenesisError as e:
    assert e.status == 403, e
print("ok")
"#;
    let mut env = env;
    env.push(("BOB", made["bob"].as_str().unwrap().to_string()));
    let r = py(&["-c", check], &env);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn server_campaigns_state_hypotheses_every_n_trials() {
    let g = Genesis::new();
    let pw = add_user(&g, "dora", false);
    g.run(&["project", "grant", "default", "dora", "editor"])
        .ok();
    let s = start(&g);
    let dora = login(&s, "dora", &pw);
    let campaign = std::fs::read_to_string(common::repo_root().join("examples/branin.toml"))
        .unwrap()
        .replace("budget = 30", "budget = 30\nhypotheses_every = 30")
        .replace("workers = 2", "workers = 1")
        .replace("seed = 7", "seed = 1");
    let (status, created) = call(
        &s,
        "POST",
        "/api/v1/projects/default/campaigns",
        Some(&dora),
        Some(json!({ "toml": campaign })),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let seen = events_until(&s, &format!("/api/v1/campaigns/{id}/events"), &dora, |_| {
        false
    });
    assert_eq!(seen.last().unwrap().1["status"], "completed");
    // The round after trial 30 ran in the server, in the signed record.
    let db = rusqlite::Connection::open(g.workspace().join("genesis.db")).unwrap();
    let stated: i64 = db
        .query_row(
            "SELECT count(*) FROM events WHERE campaign_id = ?1 AND kind = 'hypothesis_proposed'",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stated >= 2, "{stated} hypotheses stated");
    let (_, v) = call(
        &s,
        "GET",
        &format!("/api/v1/campaigns/{id}/verify"),
        Some(&dora),
        None,
    );
    assert_eq!(v["ok"], true, "{v}");
}
