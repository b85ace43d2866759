//! External programs as twins, over the JSON stdin/stdout protocol.
//!
//! The program gets one JSON object with every input on stdin and prints
//! one JSON object of numeric outputs as the last line of stdout. Anything
//! else (non-zero exit, timeout, garbage, NaN) is a failed trial whose
//! reason quotes the end of the program's stderr.

use genesis_core::{Inputs, Outputs, Recorded, Twin, TwinError, TwinSpec};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;
use wait_timeout::ChildExt;

/// How much of stderr a failure reason quotes.
const STDERR_TAIL_LINES: usize = 20;
const STDERR_TAIL_CHARS: usize = 2000;

/// A user's program, run once per trial.
pub struct SubprocessTwin {
    spec: TwinSpec,
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    timeout: Duration,
}

impl SubprocessTwin {
    /// `command[0]` is the program (a bare name is looked up on PATH; a
    /// relative path resolves against `base_dir`, the campaign file's
    /// folder); the program runs with `base_dir` as working directory, so
    /// relative arguments resolve there too.
    pub fn new(
        command: &[String],
        base_dir: &Path,
        timeout_s: f64,
        outputs: Option<&[String]>,
    ) -> Self {
        let first = Path::new(&command[0]);
        let program = if first.is_relative() && command[0].contains('/') {
            base_dir.join(first)
        } else {
            first.to_path_buf()
        };
        let version = content_version(&program, &command[1..], base_dir);
        SubprocessTwin {
            spec: crate::external_spec(
                format!("command:{}", command.join(" ")),
                version,
                format!(
                    "external program `{}` (JSON stdin/stdout protocol)",
                    command.join(" ")
                ),
                outputs,
            ),
            program,
            args: command[1..].to_vec(),
            cwd: base_dir.to_path_buf(),
            timeout: Duration::from_secs_f64(timeout_s),
        }
    }
}

/// The twin's version: `b3:` and 16 hex digits of the BLAKE3 hash of the
/// program file, its arguments, and the content of every argument that
/// names a file (so `python3 model.py` changes version when `model.py`
/// does). A program that cannot be read hashes as its name.
fn content_version(program: &Path, args: &[String], base_dir: &Path) -> String {
    let mut h = blake3::Hasher::new();
    let program_file = if program.components().count() > 1 {
        Some(program.to_path_buf())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
    };
    match program_file.and_then(|p| std::fs::read(p).ok()) {
        Some(bytes) => h.update(&bytes),
        None => h.update(program.as_os_str().as_encoded_bytes()),
    };
    for a in args {
        h.update(&[0]);
        h.update(a.as_bytes());
        let path = base_dir.join(a);
        if path.is_file()
            && let Ok(bytes) = std::fs::read(&path)
        {
            h.update(&[1]);
            h.update(&bytes);
        }
    }
    format!("b3:{}", &h.finalize().to_hex()[..16])
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    let joined = lines[start..].join("\n");
    let skip = joined.chars().count().saturating_sub(STDERR_TAIL_CHARS);
    joined.chars().skip(skip).collect()
}

fn with_stderr(message: String, stderr: &str) -> TwinError {
    let t = tail(stderr);
    if t.is_empty() {
        TwinError::Failed(format!("{message} (stderr empty)"))
    } else {
        TwinError::Failed(format!("{message}; stderr tail:\n{t}"))
    }
}

/// Kills the program and everything it started (it leads its own group).
fn kill_group(pid: u32) {
    // SAFETY: plain syscall on a process group we created; no memory involved.
    unsafe {
        libc::kill(-(pid as i32), libc::SIGKILL);
    }
}

/// Reads the outputs from the last non-empty line of stdout.
pub(crate) fn parse_outputs(stdout: &str) -> Result<Outputs, String> {
    let Some(line) = stdout.lines().rev().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(
            "printed nothing on stdout; expected a JSON object of outputs as the last line".into(),
        );
    };
    let quoted = |what: &str| format!("{what}: `{}`", line.chars().take(200).collect::<String>());
    // Python's json.dumps writes NaN and Infinity, which are not JSON; read
    // them anyway so the failure can say which output was not finite.
    let value: serde_json::Value = serde_json::from_str(line)
        .or_else(|_| {
            let patched = line
                .replace("-Infinity", "\"-Infinity\"")
                .replace("Infinity", "\"Infinity\"");
            let patched = patched
                .replace("\"-\"Infinity\"\"", "\"-Infinity\"")
                .replace("NaN", "\"NaN\"");
            serde_json::from_str(&patched)
        })
        .map_err(|_| quoted("the last line of stdout is not JSON"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(quoted("the last line of stdout is not a JSON object"));
    };
    let mut outputs = Outputs::new();
    for (name, v) in map {
        let x = match &v {
            serde_json::Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| format!("output `{name}` is out of range"))?,
            serde_json::Value::String(s)
                if ["NaN", "Infinity", "-Infinity"].contains(&s.as_str()) =>
            {
                return Err(format!("output `{name}` is {s}, not a finite number"));
            }
            other => return Err(format!("output `{name}` is not a number: {other}")),
        };
        outputs.insert(name, x);
    }
    Ok(outputs)
}

impl Twin for SubprocessTwin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        self.evaluate_recorded(inputs).result
    }

    /// Keeps the program's stdout and stderr (when not empty) as artifacts,
    /// also when it failed or timed out.
    fn evaluate_recorded(&self, inputs: &Inputs) -> Recorded {
        let (result, stdout, stderr) = self.run(inputs);
        let artifacts = [("stdout", stdout), ("stderr", stderr)]
            .into_iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(n, b)| (n.to_string(), b))
            .collect();
        Recorded { result, artifacts }
    }
}

impl SubprocessTwin {
    /// Runs the program once: the result, and everything it printed.
    fn run(&self, inputs: &Inputs) -> (Result<Outputs, TwinError>, Vec<u8>, Vec<u8>) {
        let payload = serde_json::to_string(inputs).expect("inputs serialise");
        let spawned = Command::new(&self.program)
            .args(&self.args)
            .current_dir(&self.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let why = format!("cannot start `{}`: {e}", self.program.display());
                return (Err(TwinError::Failed(why)), vec![], vec![]);
            }
        };
        let pid = child.id();
        let _tracked = crate::children::track(pid as i32);
        let mut stdin = child.stdin.take().expect("piped");
        let out_pipe = child.stdout.take().expect("piped");
        let err_pipe = child.stderr.take().expect("piped");
        // Readers and writer run on their own threads so a chatty program
        // never blocks on a full pipe.
        let writer = thread::spawn(move || {
            // A program that exits without reading stdin is not an error here.
            let _ = stdin
                .write_all(payload.as_bytes())
                .and_then(|_| stdin.write_all(b"\n"));
        });
        let read_all = |mut pipe: Box<dyn Read + Send>| {
            thread::spawn(move || {
                let mut s = Vec::new();
                let _ = pipe.read_to_end(&mut s);
                s
            })
        };
        let out_reader = read_all(Box::new(out_pipe));
        let err_reader = read_all(Box::new(err_pipe));
        let status = match child.wait_timeout(self.timeout) {
            Ok(s) => s,
            Err(e) => {
                kill_group(pid);
                let _ = child.wait();
                let why = format!("waiting for the program failed: {e}");
                return (Err(TwinError::Failed(why)), vec![], vec![]);
            }
        };
        // Done or not, end the program's group: a finished program may have
        // left helpers behind, an unfinished one has overrun its limit.
        kill_group(pid);
        if status.is_none() {
            let _ = child.wait();
        }
        let _ = writer.join();
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        let Some(status) = status else {
            return (
                Err(TwinError::Timeout(self.timeout.as_secs_f64())),
                stdout,
                stderr,
            );
        };
        let err_text = String::from_utf8_lossy(&stderr).into_owned();
        let result = if !status.success() {
            let how = match (
                status.code(),
                std::os::unix::process::ExitStatusExt::signal(&status),
            ) {
                (Some(code), _) => format!("exited with status {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                (None, None) => "ended abnormally".to_string(),
            };
            Err(with_stderr(format!("program {how}"), &err_text))
        } else {
            parse_outputs(&String::from_utf8_lossy(&stdout)).map_err(|m| with_stderr(m, &err_text))
        };
        (result, stdout, stderr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(stdout: &str, expect: Result<&[(&str, f64)], &str>) {
        let got = parse_outputs(stdout);
        match expect {
            Ok(pairs) => {
                let want: Outputs = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
                assert_eq!(got, Ok(want), "{stdout:?}");
            }
            Err(fragment) => {
                let e = got.expect_err(stdout);
                assert!(
                    e.contains(fragment),
                    "{stdout:?} gave {e:?}, wanted {fragment:?}"
                );
            }
        }
    }

    #[test]
    fn protocol_output_parsing() {
        check(
            "progress 10%\n{\"f\": 1.5, \"g\": -2}\n\n",
            Ok(&[("f", 1.5), ("g", -2.0)]),
        );
        check("", Err("printed nothing"));
        check("hello world", Err("not JSON: `hello world`"));
        check("[1, 2]", Err("not a JSON object"));
        check("{\"f\": NaN}", Err("output `f` is NaN"));
        check("{\"f\": -Infinity}", Err("output `f` is -Infinity"));
        check("{\"f\": Infinity, \"g\": 1}", Err("output `f` is Infinity"));
        check("{\"f\": \"high\"}", Err("output `f` is not a number"));
    }

    #[test]
    fn stderr_tail_keeps_the_end() {
        let long: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let t = tail(&long);
        assert!(t.starts_with("line 80") && t.ends_with("line 99"), "{t}");
    }
}
