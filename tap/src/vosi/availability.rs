//! VOSI /availability (VOSI 1.1 §3.3).

use std::time::SystemTime;

use astrotap_xml::XmlWriter;
use chrono::{DateTime, SecondsFormat, Utc};

/// The availability document; the service is available whenever it can answer at all.
pub fn availability(up_since: SystemTime, note: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("vosi:availability", &[("xmlns:vosi", "http://www.ivoa.net/xml/VOSIAvailability/v1.0")]);
    w.leaf("vosi:available", &[], "true");
    w.leaf("vosi:upSince", &[], &iso8601_seconds(up_since));
    w.leaf("vosi:note", &[], note);
    w.finish()
}

/// `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds): the xs:dateTime form VOSI's `upSince` takes.
fn iso8601_seconds(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn known_instants() {
        assert_eq!(iso8601_seconds(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // `date -u -d @951782400` = 2000-02-29 00:00:00 (leap day of a century leap year).
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601_seconds(leap), "2000-02-29T00:00:00Z");
        // `date -u -d @1795000000` = 2026-11-18T11:06:40Z; sub-second parts are dropped.
        let t = UNIX_EPOCH + Duration::from_millis(1_795_000_000_999);
        assert_eq!(iso8601_seconds(t), "2026-11-18T11:06:40Z");
    }
}
