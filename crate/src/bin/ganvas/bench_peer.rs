//! A peer implementation for `ganvas bench`: a long-lived Python process
//! (`bench/peers/torch_peer.py`, PyTorch or ONNX Runtime) that answers one JSON request per
//! line with one JSON line, so rounds can alternate between ganvas and the peer without
//! start-up costs in the timings.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

use crate::error::CliError;

pub struct Peer {
    /// `torch` or `onnxruntime`.
    pub runtime: String,
    /// What the peer says about itself (`{"task":"info"}`).
    pub info: Value,
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts `python script --runtime R --threads N` and asks for its info.
    pub fn start(
        python: &Path,
        script: &Path,
        runtime: &str,
        threads: usize,
    ) -> Result<Self, CliError> {
        let mut child = Command::new(python)
            .arg(script)
            .args(["--runtime", runtime, "--threads", &threads.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the {runtime} peer with {}: {e} (run `bash bench/peers/setup.sh` \
                     to make the Python environment, or pass --python)",
                    python.display()
                )
            })?;
        let input = child.stdin.take().ok_or("peer has no stdin")?;
        let output = BufReader::new(child.stdout.take().ok_or("peer has no stdout")?);
        let mut peer = Self {
            runtime: runtime.into(),
            info: Value::Null,
            child,
            input,
            output,
        };
        peer.info = peer.ask(&serde_json::json!({"task": "info"}))?;
        Ok(peer)
    }

    /// Sends one request and returns the answer, or the peer's error message.
    pub fn ask(&mut self, request: &Value) -> Result<Value, CliError> {
        let runtime = &self.runtime;
        writeln!(self.input, "{request}")
            .and_then(|()| self.input.flush())
            .map_err(|e| format!("{runtime} peer stopped accepting requests: {e}"))?;
        let mut line = String::new();
        let read = self
            .output
            .read_line(&mut line)
            .map_err(|e| format!("{runtime} peer: {e}"))?;
        if read == 0 {
            return Err(format!("{runtime} peer exited while answering {request}").into());
        }
        let answer: Value = serde_json::from_str(&line)
            .map_err(|e| format!("{runtime} peer answered `{}`: {e}", line.trim()))?;
        match answer.get("error") {
            Some(error) => Err(format!("{runtime} peer: {error}").into()),
            None => Ok(answer),
        }
    }

    /// A number field of an answer.
    pub fn number(&mut self, request: &Value, field: &str) -> Result<f64, CliError> {
        let answer = self.ask(request)?;
        answer[field].as_f64().ok_or_else(|| {
            format!("{} peer answered {answer} without `{field}`", self.runtime).into()
        })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The peer holds no state worth a clean exit: stop it and reap it.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
