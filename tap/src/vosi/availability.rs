//! VOSI /availability (VOSI 1.1 §3.3).

use std::time::SystemTime;

use astrotap_xml::XmlWriter;

use crate::time::iso8601;

/// The availability document; the service is available whenever it can answer at all.
pub fn availability(up_since: SystemTime, note: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("vosi:availability", &[("xmlns:vosi", "http://www.ivoa.net/xml/VOSIAvailability/v1.0")]);
    w.leaf("vosi:available", &[], "true");
    w.leaf("vosi:upSince", &[], &iso8601(up_since));
    w.leaf("vosi:note", &[], note);
    w.finish()
}
