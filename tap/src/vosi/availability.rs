//! VOSI /availability (VOSI 1.1 §3.3).

use std::time::SystemTime;

use crate::time::iso8601;
use crate::xml::escape;

/// The availability document; the service is available whenever it can answer at all.
pub fn availability(up_since: SystemTime, note: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n\
         <vosi:available>true</vosi:available>\n\
         <vosi:upSince>{}</vosi:upSince>\n\
         <vosi:note>{}</vosi:note>\n\
         </vosi:availability>\n",
        iso8601(up_since),
        escape(note)
    )
}
