//! `file_io` (W8-S8): write, then read back, F files of S bytes concurrently.
//!
//! The course names files beside time, processes and the network as what the asyncio
//! library handles. Under the hood runtimes differ most here: on Linux a regular file is
//! always "ready" for epoll, so most runtimes run ordinary blocking calls on a thread
//! pool, and only io_uring ones (glommio) do them asynchronously. The scenario runs one
//! task per file in a fresh temporary directory, checks every byte read back (a pattern
//! per file, so swapped or truncated files fail), and says in its notes what this
//! runtime actually did, from the adapter's declared file support.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rtbench_core::{
    Capability, JoinError, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::io_support::{first_mismatch, pattern, per_second, within};

/// F files of S bytes written, then read back, one task per file.
pub struct FileIo;

impl Scenario for FileIo {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "file_io",
        lesson: "W8-S8",
        summary: "write then read back F files of S bytes concurrently in a fresh temporary \
                  directory; contents intact",
        params: &[
            ParamSpec {
                name: "files",
                help: "files written and read at once",
                default: 64,
                quick: 32,
                test: 8,
                min: 1,
            },
            ParamSpec {
                name: "size",
                help: "bytes per file",
                default: 1 << 20,
                quick: 256 << 10,
                test: 64 << 10,
                min: 1,
            },
        ],
        requires: &[Capability::Files],
        elements: |params| params.get("files"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let (files, size) = (params.count("files"), params.count("size"));
        let directory = tempfile::tempdir()?;
        let paths: Vec<PathBuf> =
            (0..files).map(|file| directory.path().join(format!("file-{file}"))).collect();
        let contents: Vec<Vec<u8>> = (0..files).map(|file| pattern(file as u64, size)).collect();
        let to_read = paths.clone();
        let (write, (read, read_back)) =
            runtime.run(within::<R, _>("the file tasks", Duration::from_secs(120), async move {
                let writes = paths
                    .into_iter()
                    .zip(contents)
                    .map(|(path, contents)| R::spawn(R::write_file(path, contents)));
                let (write, _) = all_timed(writes).await?;
                let reads = to_read.into_iter().map(|path| R::spawn(R::read_file(path)));
                Ok((write, all_timed(reads).await?))
            }))?;
        for (file, contents) in read_back.iter().enumerate() {
            ScenarioError::ensure(contents.len() == size, || {
                format!("file {file} has {} bytes, expected {size}", contents.len())
            })?;
            if let Some(offset) = first_mismatch(file as u64, contents) {
                return Err(ScenarioError::Check(format!("file {file}: byte {offset} is wrong")));
            }
        }
        directory.close()?;
        let megabytes_per_second = |elapsed| per_second((files * size) as u64, elapsed) / 1e6;
        Ok(Outcome::checked(format!("{files} files of {size} bytes written and read back intact"))
            .metric(Metric::higher("MB/s", 2.0 * megabytes_per_second(write + read)))
            .metric(Metric::higher("write MB/s", megabytes_per_second(write)))
            .metric(Metric::higher("read MB/s", megabytes_per_second(read)))
            .note(format!("file support: {}", R::INFO.capabilities.files.detail())))
    }
}

/// Starts every task of `spawns` (an iterator that spawns as it goes) and awaits them
/// all; returns the time from the first spawn to the last completion, and the results
/// in order. The first failure is returned instead.
async fn all_timed<T, H>(
    spawns: impl Iterator<Item = H>,
) -> Result<(Duration, Vec<T>), ScenarioError>
where
    H: Future<Output = Result<io::Result<T>, JoinError>>,
{
    let start = Instant::now();
    let handles: Vec<H> = spawns.collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await??);
    }
    Ok((start.elapsed(), results))
}
