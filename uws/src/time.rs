//! Instants in UWS documents: ISO 8601, 'T' separator, UTC with a 'Z' designator (UWS 1.1 §2.2).

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};

use crate::error::UwsError;

/// An instant, always UTC.
pub type Timestamp = DateTime<Utc>;

/// The current instant.
pub fn now() -> Timestamp {
    Utc::now()
}

/// Formats as `2014-09-10T10:01:02.000Z` (millisecond precision, as in the UWS examples).
pub fn format_iso8601(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a client-supplied instant (DESTRUCTION, AFTER).
///
/// Accepts RFC 3339 with `Z` or an offset (converted to UTC), and — because clients such as
/// pyvo send naive times meaning UTC — `YYYY-MM-DDTHH:MM:SS[.fff]` without a zone, and a bare
/// date `YYYY-MM-DD` (midnight UTC).
pub fn parse_iso8601(s: &str) -> Result<Timestamp, UwsError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    Err(UwsError::BadValue(format!(
        "'{s}' is not an ISO 8601 UTC instant such as 2030-01-31T12:00:00Z"
    )))
}

/// Microseconds since the Unix epoch: the store's representation (sortable, exact).
pub(crate) fn to_micros(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

/// Inverse of [`to_micros`].
pub(crate) fn from_micros(us: i64) -> Result<Timestamp, UwsError> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| UwsError::Corrupt(format!("time {us} µs")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        let t = Utc.with_ymd_and_hms(2014, 9, 10, 10, 1, 2).unwrap();
        assert_eq!(format_iso8601(&t), "2014-09-10T10:01:02.000Z");
    }

    #[test]
    fn parses_the_forms_clients_send() {
        let want = Utc.with_ymd_and_hms(2014, 9, 10, 10, 1, 2).unwrap();
        for s in [
            "2014-09-10T10:01:02.000Z",
            "2014-09-10T10:01:02Z",
            "2014-09-10T12:01:02+02:00",
            "2014-09-10T10:01:02",
            " 2014-09-10T10:01:02.000 ",
        ] {
            assert_eq!(parse_iso8601(s).unwrap(), want, "{s}");
        }
        assert_eq!(
            parse_iso8601("2014-09-10").unwrap(),
            Utc.with_ymd_and_hms(2014, 9, 10, 0, 0, 0).unwrap()
        );
        for bad in ["", "tomorrow", "2014-13-01T00:00:00Z", "1410343262"] {
            assert!(matches!(parse_iso8601(bad), Err(UwsError::BadValue(_))), "{bad}");
        }
    }

    #[test]
    fn micros_round_trip() {
        let t = parse_iso8601("2026-11-28T04:24:46.123456Z").unwrap();
        assert_eq!(from_micros(to_micros(&t)).unwrap(), t);
        assert_eq!(to_micros(&t), 1_795_839_886_123_456);
    }
}
