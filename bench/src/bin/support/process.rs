//! What the burst commands share: a real server process they kill and start again, and a
//! scratch directory.

use std::{
    path::{Path, PathBuf},
    process::Child,
    sync::Mutex,
    time::Duration,
};

use anyhow::{bail, Context};

/// The server process and how to start it again.
pub struct Portal {
    pub command: Box<dyn Fn() -> std::io::Result<Child> + Send + Sync>,
    pub child: Mutex<Option<Child>>,
    pub base: String,
}

impl Portal {
    pub fn start(&self) -> anyhow::Result<()> {
        let child = (self.command)().context("cannot start the server")?;
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        Ok(())
    }

    /// SIGKILL: no shutdown, no flush, as a power cut or the OOM killer would.
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn wait_ready(&self, http: &reqwest::Client) -> anyhow::Result<()> {
        for _ in 0..200 {
            if http
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not come up")
    }
}

/// A scratch directory, removed at the end.
pub struct WorkDir(PathBuf);

impl WorkDir {
    pub fn new(name: &str) -> std::io::Result<WorkDir> {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(WorkDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
