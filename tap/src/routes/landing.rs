//! The landing page at the base path: what is served and a link to every endpoint.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::AppState;
// HTML text and attribute values need exactly the XML escaping.
use astrotap_xml::escape_text as escape;

/// `GET /tap`.
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = state.base_url(&req);
    let c = &state.config;
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>{t}</title></head><body>\n\
         <h1>{t}</h1>\n<p>{d}</p>\n<h2>Endpoints</h2>\n<ul>\n",
        t = escape(&c.title),
        d = escape(&c.description)
    );
    for (path, what) in [
        ("/sync", "synchronous queries (TAP 1.1 §2.2; LANG=ADQL, QUERY, RESPONSEFORMAT, MAXREC)"),
        ("/async", "asynchronous queries (UWS 1.1 jobs)"),
        ("/capabilities", "VOSI capabilities (TAPRegExt)"),
        ("/availability", "VOSI availability"),
        ("/tables", "VOSI tables (VODataService 1.2)"),
        ("/examples", "example queries (DALI examples)"),
    ] {
        let _ = writeln!(out, "<li><a href=\"{b}{path}\">{b}{path}</a>: {w}</li>", b = escape(&base), w = escape(what));
    }
    out.push_str("</ul>\n<h2>Tables</h2>\n<ul>\n");
    for t in state.engine.metadata().tables() {
        let name = t.qualified_name();
        let _ = writeln!(
            out,
            "<li><a href=\"{b}/tables/{n}\">{n}</a> ({c} columns){d}</li>",
            b = escape(&base),
            n = escape(&name),
            c = t.columns.len(),
            d = t.description.as_deref().map(|d| format!(": {}", escape(d))).unwrap_or_default()
        );
    }
    let examples = state.offered_examples().len();
    let _ = writeln!(out, "</ul>\n<p>{examples} <a href=\"{}/examples\">example queries</a>.</p>", escape(&base));
    let _ = writeln!(
        out,
        "<p>Rows per query: {} by default, at most {} (MAXREC). Synchronous queries must return their first row within {} s \
         and their whole result within {} s; use /async for longer ones.</p>\n</body></html>",
        c.maxrec_default.min(c.maxrec_limit),
        c.maxrec_limit,
        c.sync_timeout_secs,
        c.sync_transfer_limit_secs
    );
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(out)
}
