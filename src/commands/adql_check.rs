//! `astrotap adql check`: validate ADQL text, optionally explain its plan.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use tap::params::{DaliParams, QueryRequest};
use tap::QueryEngine;

use crate::cli::AdqlCheckArgs;

/// `data_dir` is the command line's, as for `serve` (it wins over the config file's).
pub fn run(data_dir: Option<&Path>, args: &AdqlCheckArgs) -> anyhow::Result<ExitCode> {
    let text = if args.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    // On a thread with the query threads' stack: the depth limit is sized for it.
    let checked = {
        let text = text.clone();
        std::thread::Builder::new()
            .stack_size(tap::engine::QUERY_THREAD_STACK_BYTES)
            .spawn(move || adql::check_syntax(&text).map(|_| ()))
            .context("starting the check thread")?
            .join()
            .map_err(|_| anyhow::anyhow!("the ADQL check panicked"))?
    };
    if let Err(e) = checked {
        println!("{e}");
        return Ok(ExitCode::from(1));
    }
    if !args.explain {
        println!("valid ADQL 2.1");
        return Ok(ExitCode::SUCCESS);
    }
    match explain(data_dir, args.config.as_deref(), &text, args.maxrec)? {
        Ok(plan) => {
            println!("{plan}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The EXPLAIN text of `query` on the engine `serve` would build from the same configuration,
/// with MAXREC applied as `/sync` applies a request's. The outer error is a setup failure (config,
/// catalogs), the inner one the query's.
fn explain(
    data_dir: Option<&Path>,
    config: Option<&Path>,
    query: &str,
    maxrec: Option<u64>,
) -> anyhow::Result<Result<String, tap::TapError>> {
    let cfg = super::serve::load_config(data_dir, config)?;
    let engine = QueryEngine::build(&cfg).context("building the query engine")?;
    let mut params = vec![("LANG", "ADQL".to_string()), ("QUERY", query.to_string())];
    if let Some(m) = maxrec {
        params.push(("MAXREC", m.to_string()));
    }
    let request = QueryRequest::from_params(&DaliParams::from_pairs(params), cfg.maxrec_policy())?;
    // Planned on the query runtime, as `/sync` plans.
    Ok(engine.runtime().handle().block_on(engine.explain(&request.query, request.maxrec)))
}
