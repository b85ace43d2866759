//! Drives the real `genesis` binary in a throwaway workspace.

#![allow(dead_code)] // each test file uses a different part of this helper

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary workspace and the commands to run in it.
pub struct Genesis {
    pub dir: tempfile::TempDir,
}

/// What one invocation did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON, failing the test with both streams if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts success and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_genesis")
}

impl Genesis {
    pub fn new() -> Self {
        Genesis {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The workspace folder (not created until a campaign runs).
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// A `genesis` command with `--workspace` set, run from the crate folder.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--workspace").arg(self.workspace()).args(args);
        c.env_remove("GENESIS_HOME");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// Writes `text` to `name` inside the temp dir and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// The repository root (for the bundled examples).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}
