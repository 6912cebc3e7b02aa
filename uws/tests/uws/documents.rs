//! Job, job-list, results and parameters documents validated against the UWS 1.1 schema
//! (`tests/schema/UWS-v1.1.xsd`) by an independent validator (python `xmlschema`), and read back
//! by it to check the values.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use uws::xml::{job_document, job_list_document, parameters_document, results_document};
use uws::{ExecutionPhase, NewJob, Parameters};

use crate::common::{config, new_job, open, settle, TestExecutor};

fn python() -> PathBuf {
    let venv = std::env::var_os("ASTROTAP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/astrotap-venv"));
    let py = venv.join("bin/python");
    assert!(py.exists(), "no Python venv at {}: run scripts/setup-python.sh", venv.display());
    let has = Command::new(&py).args(["-c", "import xmlschema"]).status().unwrap().success();
    if !has {
        let ok = Command::new(&py).args(["-m", "pip", "install", "--quiet", "xmlschema"]).status().unwrap().success();
        assert!(ok, "pip install xmlschema failed");
    }
    py
}

const CHECK: &str = r#"
import json, sys, xmlschema
schema = xmlschema.XMLSchema(sys.argv[1])
out = {}
for path in sys.argv[2:]:
    schema.validate(path)
    d = schema.to_dict(path)
    out[path.rsplit('/', 1)[-1]] = d
print(json.dumps(out, default=str))
"#;

fn validate(files: &[PathBuf]) -> serde_json::Value {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/UWS-v1.1.xsd");
    let out = Command::new(python())
        .arg("-c")
        .arg(CHECK)
        .arg(&xsd)
        .args(files)
        .output()
        .unwrap();
    assert!(out.status.success(), "schema validation failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_valid_uws_1_1() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let base = "http://127.0.0.1:8080/tap/async";

    let mut n = new_job("run <1> & \"2\"", "ok");
    n.owner_id = Some("alice".into());
    n.parameters.set("query", "SELECT TOP 5 * FROM gaiadr3.gaia_source WHERE ra < 10 AND 'é' <> '\u{1}'");
    n.parameters.push_reference("upload", "http://127.0.0.1:8080/tap/async/x/parameters/t1");
    let completed = svc.create(n).unwrap();
    svc.run(&completed.id).unwrap();
    let completed = settle(&svc, &completed.id, Duration::from_secs(5)).await;
    let failed = svc.create(new_job("bad", "fail")).unwrap();
    svc.run(&failed.id).unwrap();
    let failed = settle(&svc, &failed.id, Duration::from_secs(5)).await;
    let retry = svc.create(new_job("later", "retry")).unwrap();
    svc.run(&retry.id).unwrap();
    let retry = settle(&svc, &retry.id, Duration::from_secs(5)).await;
    let pending = svc.create(NewJob { parameters: Parameters::new(), ..Default::default() }).unwrap();
    assert_eq!(
        (completed.phase, failed.phase, retry.phase, pending.phase),
        (ExecutionPhase::Completed, ExecutionPhase::Error, ExecutionPhase::Error, ExecutionPhase::Pending)
    );

    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let url = |j: &uws::Job| format!("{base}/{}", j.id);
    let files = vec![
        write("completed.xml", job_document(&completed, &url(&completed))),
        write("failed.xml", job_document(&failed, &url(&failed))),
        write("transient.xml", job_document(&retry, &url(&retry))),
        write("pending.xml", job_document(&pending, &url(&pending))),
        write("list.xml", job_list_document(&svc.list(&Default::default()).unwrap(), base)),
        write("empty-list.xml", job_list_document(&[], base)),
        write("results.xml", results_document(&completed.results, &url(&completed))),
        write("parameters.xml", parameters_document(&completed.parameters)),
    ];
    let docs = validate(&files);

    let c = &docs["completed.xml"];
    assert_eq!(c["@version"], "1.1");
    assert_eq!(c["uws:jobId"], completed.id.as_str());
    assert_eq!(c["uws:runId"], "run <1> & \"2\"");
    assert_eq!(c["uws:ownerId"], "alice");
    assert_eq!(c["uws:phase"], "COMPLETED");
    assert_eq!(c["uws:executionDuration"], 3600);
    let params = c["uws:parameters"]["uws:parameter"].as_array().unwrap();
    let ids: Vec<_> = params.iter().map(|p| p["@id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["mode", "payload", "query", "upload"]);
    assert_eq!(params[2]["$"], "SELECT TOP 5 * FROM gaiadr3.gaia_source WHERE ra < 10 AND 'é' <> '\u{FFFD}'");
    assert_eq!(params[3]["@byReference"], true);
    let r = &c["uws:results"]["uws:result"][0];
    assert_eq!(r["@id"], "result");
    assert_eq!(r["@xlink:href"], format!("{}/results/result", url(&completed)));
    assert_eq!(r["@size"], completed.results[0].size);
    assert_eq!(r["@mime-type"], "text/plain");

    let f = &docs["failed.xml"];
    assert_eq!(f["uws:phase"], "ERROR");
    assert_eq!(f["uws:errorSummary"]["@type"], "fatal");
    assert_eq!(f["uws:errorSummary"]["uws:message"], "boom in bad");
    let t = &docs["transient.xml"];
    assert_eq!(t["uws:errorSummary"]["@type"], "transient");
    assert_eq!(t["uws:errorSummary"]["uws:message"], "short of memory in later");

    let p = &docs["pending.xml"];
    for nil in ["uws:ownerId", "uws:quote", "uws:startTime", "uws:endTime"] {
        assert_eq!(p[nil]["@xsi:nil"], "true", "{nil}");
    }
    assert_eq!(p["uws:destruction"].as_str().unwrap(), uws::time::format_iso8601(&pending.destruction.unwrap()));
    assert_eq!(p["uws:creationTime"].as_str().unwrap(), uws::time::format_iso8601(&pending.creation_time));
    assert!(p.get("uws:runId").is_none());

    let l = docs["list.xml"]["uws:jobref"].as_array().unwrap();
    let listed: Vec<_> = l.iter().map(|j| j["@id"].as_str().unwrap()).collect();
    assert_eq!(listed, vec![pending.id.as_str(), retry.id.as_str(), failed.id.as_str(), completed.id.as_str()]);
    assert_eq!(l[3]["@xlink:href"], url(&completed));
    assert_eq!(l[3]["uws:phase"], "COMPLETED");
}
