//! The XML representations of UWS resources (UWS 1.1 §2.2.2 and Appendix B, schema
//! `http://www.ivoa.net/xml/UWS/v1.0`, version 1.1).
//!
//! Written by hand: the documents are small and fixed in shape, and element order matters
//! (`uws:JobSummary` is an `xs:sequence`).

use std::fmt::Write as _;

use crate::job::{Job, JobRef, Parameters, ResultInfo};
use crate::time::{format_iso8601, Timestamp};

const UWS_NS: &str = "http://www.ivoa.net/xml/UWS/v1.0";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Media type of every XML document here.
pub const XML_MEDIA_TYPE: &str = "text/xml; charset=UTF-8";

/// The `<uws:job>` document for `job`, whose resource is at the absolute URL `job_url`.
///
/// UWS 1.1 §2.2.1.1: a 1.1 server must set `version="1.1"` on the root element.
pub fn job_document(job: &Job, job_url: &str) -> String {
    let mut x = header("job");
    elem(&mut x, "jobId", job.id.as_str());
    if let Some(run_id) = &job.run_id {
        elem(&mut x, "runId", run_id);
    }
    opt_elem(&mut x, "ownerId", job.owner_id.as_deref());
    elem(&mut x, "phase", job.phase.as_str());
    opt_time(&mut x, "quote", job.quote.as_ref());
    elem(&mut x, "creationTime", &format_iso8601(&job.creation_time));
    opt_time(&mut x, "startTime", job.start_time.as_ref());
    opt_time(&mut x, "endTime", job.end_time.as_ref());
    // xs:int in the schema: an absurdly long duration is shown as the largest representable.
    let duration = job.execution_duration.min(i32::MAX as u64);
    elem(&mut x, "executionDuration", &duration.to_string());
    opt_time(&mut x, "destruction", job.destruction.as_ref());
    parameters_body(&mut x, &job.parameters);
    results_body(&mut x, &job.results, job_url);
    if let Some(err) = &job.error_summary {
        let _ = write!(
            x,
            "  <uws:errorSummary type=\"{}\" hasDetail=\"true\">\n    <uws:message>{}</uws:message>\n  </uws:errorSummary>\n",
            err.error_type.as_str(),
            escape(&err.message)
        );
    }
    x.push_str("</uws:job>\n");
    x
}

/// The `<uws:jobs>` list; `list_url` is the absolute URL of the job list (e.g. `.../async`).
pub fn job_list_document(jobs: &[JobRef], list_url: &str) -> String {
    let mut x = header("jobs");
    for j in jobs {
        let _ = writeln!(
            x,
            "  <uws:jobref id=\"{id}\" xlink:type=\"simple\" xlink:href=\"{href}\">",
            id = escape(j.id.as_str()),
            href = escape(&format!("{}/{}", list_url.trim_end_matches('/'), j.id))
        );
        let _ = writeln!(x, "    <uws:phase>{}</uws:phase>", j.phase);
        if let Some(run_id) = &j.run_id {
            let _ = writeln!(x, "    <uws:runId>{}</uws:runId>", escape(run_id));
        }
        match &j.owner_id {
            Some(o) => {
                let _ = writeln!(x, "    <uws:ownerId>{}</uws:ownerId>", escape(o));
            }
            None => x.push_str("    <uws:ownerId xsi:nil=\"true\"/>\n"),
        }
        let _ = writeln!(x, "    <uws:creationTime>{}</uws:creationTime>", format_iso8601(&j.creation_time));
        x.push_str("  </uws:jobref>\n");
    }
    x.push_str("</uws:jobs>\n");
    x
}

/// The `<uws:results>` document (`/{jobs}/{job-id}/results`).
pub fn results_document(results: &[ResultInfo], job_url: &str) -> String {
    let mut x = prolog();
    let _ = writeln!(x, "<uws:results {}>", namespaces());
    results_items(&mut x, results, job_url);
    x.push_str("</uws:results>\n");
    x
}

/// The `<uws:parameters>` document (`/{jobs}/{job-id}/parameters`).
pub fn parameters_document(parameters: &Parameters) -> String {
    let mut x = prolog();
    let _ = writeln!(x, "<uws:parameters {}>", namespaces());
    parameter_items(&mut x, parameters);
    x.push_str("</uws:parameters>\n");
    x
}

fn prolog() -> String {
    String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
}

fn namespaces() -> String {
    format!("xmlns:uws=\"{UWS_NS}\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\"")
}

fn header(root: &str) -> String {
    let mut x = prolog();
    let _ = writeln!(x, "<uws:{root} {} version=\"1.1\">", namespaces());
    x
}

fn elem(x: &mut String, name: &str, text: &str) {
    let _ = writeln!(x, "  <uws:{name}>{}</uws:{name}>", escape(text));
}

fn opt_elem(x: &mut String, name: &str, text: Option<&str>) {
    match text {
        Some(t) => elem(x, name, t),
        None => {
            let _ = writeln!(x, "  <uws:{name} xsi:nil=\"true\"/>");
        }
    }
}

fn opt_time(x: &mut String, name: &str, t: Option<&Timestamp>) {
    opt_elem(x, name, t.map(format_iso8601).as_deref());
}

fn parameters_body(x: &mut String, parameters: &Parameters) {
    x.push_str("  <uws:parameters>\n");
    parameter_items(x, parameters);
    x.push_str("  </uws:parameters>\n");
}

fn parameter_items(x: &mut String, parameters: &Parameters) {
    for p in parameters.iter() {
        let by_ref = if p.by_reference { " byReference=\"true\"" } else { "" };
        let _ = writeln!(
            x,
            "    <uws:parameter id=\"{}\"{by_ref}>{}</uws:parameter>",
            escape(&p.name),
            escape(&p.value)
        );
    }
}

fn results_body(x: &mut String, results: &[ResultInfo], job_url: &str) {
    x.push_str("  <uws:results>\n");
    results_items(x, results, job_url);
    x.push_str("  </uws:results>\n");
}

fn results_items(x: &mut String, results: &[ResultInfo], job_url: &str) {
    for r in results {
        let href = format!("{}/results/{}", job_url.trim_end_matches('/'), r.id);
        let _ = writeln!(
            x,
            "    <uws:result id=\"{}\" xlink:type=\"simple\" xlink:href=\"{}\" size=\"{}\" mime-type=\"{}\"/>",
            escape(&r.id),
            escape(&href),
            r.size,
            escape(&r.mime_type)
        );
    }
}

/// Escapes text and attribute content; characters XML 1.0 cannot carry at all (most C0
/// controls) become U+FFFD rather than producing a document parsers reject.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_illegal_characters() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(escape("x\u{0}y\u{1b}z\n"), "x\u{FFFD}y\u{FFFD}z\n");
    }
}
