//! A function binary running locally the way Lambda runs it: its own process,
//! its own Runtime API, the template's environment, the emulator as its AWS
//! endpoint. One process serves one invocation at a time, like one Lambda
//! execution environment.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use crate::runtime_api::{Answer, RuntimeApi};

/// A running function.
pub struct FunctionProcess {
    /// The function's name (its crate in `functions/`).
    pub name: String,
    child: Child,
    api: Arc<RuntimeApi>,
}

impl FunctionProcess {
    /// Starts `binary` with `env` (plus the Lambda and AWS variables) and
    /// waits until its init is done; its logs and metrics go to `log`. It signs its AWS
    /// requests with its name as the access key id.
    pub fn start(
        name: &str,
        binary: &Path,
        env: &[(String, String)],
        endpoint: &str,
        log: File,
    ) -> Result<FunctionProcess, String> {
        Self::start_signed(name, name, binary, env, endpoint, log)
    }

    /// [`FunctionProcess::start`], signing with `key_id`: the soak tells
    /// execution environments of one function apart by it.
    pub fn start_signed(
        name: &str,
        key_id: &str,
        binary: &Path,
        env: &[(String, String)],
        endpoint: &str,
        log: File,
    ) -> Result<FunctionProcess, String> {
        let api = Arc::new(RuntimeApi::start());
        // Standard output (the metrics' EMF lines) and error (the logs) go
        // to one log, as Lambda sends both to one log stream.
        let out = log
            .try_clone()
            .map_err(|e| format!("cannot share {name}'s log: {e}"))?;
        // Its own process group, so a Ctrl-C reaches only the local run.
        let child = Command::new(binary)
            .process_group(0)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_REGION", "eu-central-1")
            // Each function signs with its own name, so that the recording
            // proxy knows whose call it is (crate::iam).
            .env("AWS_ACCESS_KEY_ID", key_id)
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(out)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let mut process = FunctionProcess {
            name: name.to_string(),
            child,
            api,
        };
        if let Err(e) = process.api.wait_ready(Duration::from_secs(30)) {
            let exited = process.child.try_wait().ok().flatten();
            return Err(format!(
                "{name} did not finish its init ({e}; exit status {exited:?}); see its log"
            ));
        }
        Ok(process)
    }

    /// An invoker for the HTTP bridge: hands a Function URL payload to the
    /// process and answers its response (blocking; the bridge has its own
    /// threads).
    pub fn http_invoker(
        &self,
    ) -> impl Fn(String) -> Result<String, String> + Send + Sync + 'static {
        let api = Arc::clone(&self.api);
        move |payload| match api.invoke(&payload, Duration::from_secs(30)) {
            Answer::Response(body) => Ok(body),
            Answer::Error(e) => Err(e),
        }
    }

    /// Kills the process with SIGKILL, wherever it is, as a crash or an
    /// out-of-memory kill ends a Lambda execution environment; a waiting
    /// invocation answers an error.
    pub fn kill(&mut self) {
        // Errors only mean it has already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.api.killed();
    }

    /// Invokes the function with `payload` and waits for its answer.
    pub async fn invoke(&self, payload: String) -> Answer {
        let api = Arc::clone(&self.api);
        tokio::task::spawn_blocking(move || api.invoke(&payload, Duration::from_secs(120)))
            .await
            .unwrap_or_else(|e| Answer::Error(format!("invocation thread failed: {e}")))
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        // Errors only mean it has already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
