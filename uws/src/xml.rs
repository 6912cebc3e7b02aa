//! The XML representations of UWS resources (UWS 1.1 §2.2.2 and Appendix B, schema
//! `http://www.ivoa.net/xml/UWS/v1.0`, version 1.1), written with the shared `astrotap_xml`
//! writer. Element order matters: `uws:JobSummary` is an `xs:sequence`.

use astrotap_xml::XmlWriter;

use crate::job::{Job, JobRef, Parameters, ResultInfo};
use crate::time::{format_iso8601, Timestamp};

const NAMESPACES: [(&str, &str); 3] = [
    ("xmlns:uws", "http://www.ivoa.net/xml/UWS/v1.0"),
    ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
    ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
];
/// Media type of every XML document here.
pub const XML_MEDIA_TYPE: &str = "text/xml; charset=UTF-8";

/// A document whose root `uws:{root}` carries the namespaces and, for the job and job-list
/// documents, `version="1.1"` (UWS 1.1 §2.2.1.1: a 1.1 server must say so on the root element).
fn document(root: &str, versioned: bool) -> XmlWriter {
    let mut attrs: Vec<(&str, &str)> = NAMESPACES.to_vec();
    if versioned {
        attrs.push(("version", "1.1"));
    }
    let mut w = XmlWriter::new();
    w.open(&format!("uws:{root}"), &attrs);
    w
}

/// The `<uws:job>` document for `job`, whose resource is at the absolute URL `job_url`.
pub fn job_document(job: &Job, job_url: &str) -> String {
    let mut w = document("job", true);
    w.leaf("uws:jobId", &[], job.id.as_str());
    if let Some(run_id) = &job.run_id {
        w.leaf("uws:runId", &[], run_id);
    }
    nillable(&mut w, "uws:ownerId", job.owner_id.as_deref());
    w.leaf("uws:phase", &[], job.phase.as_str());
    nillable_time(&mut w, "uws:quote", job.quote.as_ref());
    w.leaf("uws:creationTime", &[], &format_iso8601(&job.creation_time));
    nillable_time(&mut w, "uws:startTime", job.start_time.as_ref());
    nillable_time(&mut w, "uws:endTime", job.end_time.as_ref());
    // xs:int in the schema: an absurdly long duration is shown as the largest representable.
    let duration = job.execution_duration.min(i32::MAX as u64);
    w.leaf("uws:executionDuration", &[], &duration.to_string());
    nillable_time(&mut w, "uws:destruction", job.destruction.as_ref());
    w.open("uws:parameters", &[]);
    parameter_items(&mut w, &job.parameters);
    w.close();
    w.open("uws:results", &[]);
    result_items(&mut w, &job.results, job_url);
    w.close();
    if let Some(err) = &job.error_summary {
        w.open("uws:errorSummary", &[("type", err.error_type.as_str()), ("hasDetail", "true")]);
        w.leaf("uws:message", &[], &err.message);
        w.close();
    }
    w.finish()
}

/// The `<uws:jobs>` list; `list_url` is the absolute URL of the job list (e.g. `.../async`).
pub fn job_list_document(jobs: &[JobRef], list_url: &str) -> String {
    let mut w = document("jobs", true);
    for j in jobs {
        let href = format!("{}/{}", list_url.trim_end_matches('/'), j.id);
        w.open("uws:jobref", &[("id", j.id.as_str()), ("xlink:type", "simple"), ("xlink:href", &href)]);
        w.leaf("uws:phase", &[], j.phase.as_str());
        if let Some(run_id) = &j.run_id {
            w.leaf("uws:runId", &[], run_id);
        }
        nillable(&mut w, "uws:ownerId", j.owner_id.as_deref());
        w.leaf("uws:creationTime", &[], &format_iso8601(&j.creation_time));
        w.close();
    }
    w.finish()
}

/// The `<uws:results>` document (`/{jobs}/{job-id}/results`).
pub fn results_document(results: &[ResultInfo], job_url: &str) -> String {
    let mut w = document("results", false);
    result_items(&mut w, results, job_url);
    w.finish()
}

/// The `<uws:parameters>` document (`/{jobs}/{job-id}/parameters`).
pub fn parameters_document(parameters: &Parameters) -> String {
    let mut w = document("parameters", false);
    parameter_items(&mut w, parameters);
    w.finish()
}

/// An element the schema declares `nillable`: absent values are `xsi:nil="true"`.
fn nillable(w: &mut XmlWriter, name: &str, text: Option<&str>) {
    match text {
        Some(t) => w.leaf(name, &[], t),
        None => w.empty(name, &[("xsi:nil", "true")]),
    };
}

fn nillable_time(w: &mut XmlWriter, name: &str, t: Option<&Timestamp>) {
    nillable(w, name, t.map(format_iso8601).as_deref());
}

fn parameter_items(w: &mut XmlWriter, parameters: &Parameters) {
    for p in parameters.iter() {
        let mut attrs = vec![("id", p.name.as_str())];
        if p.by_reference {
            attrs.push(("byReference", "true"));
        }
        w.leaf("uws:parameter", &attrs, &p.value);
    }
}

fn result_items(w: &mut XmlWriter, results: &[ResultInfo], job_url: &str) {
    for r in results {
        let href = format!("{}/results/{}", job_url.trim_end_matches('/'), r.id);
        let size = r.size.to_string();
        w.empty(
            "uws:result",
            &[
                ("id", r.id.as_str()),
                ("xlink:type", "simple"),
                ("xlink:href", &href),
                ("size", &size),
                ("mime-type", &r.mime_type),
            ],
        );
    }
}
