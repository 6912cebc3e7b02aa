//! UWS execution phases and the legal transitions between them (UWS 1.1 §2.1.3, state diagram).

use std::fmt;
use std::str::FromStr;

use crate::error::UwsError;

/// The phase of a job (UWS 1.1 §2.1.3; the `uws:ExecutionPhase` enumeration of the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExecutionPhase {
    /// Accepted, parameters may still change; not yet committed to run.
    Pending,
    /// Committed to run, waiting for an execution slot.
    Queued,
    /// Running.
    Executing,
    /// Finished successfully; results may be collected.
    Completed,
    /// Failed; results (if any) must not be trusted.
    Error,
    /// Aborted by the client or by the system (e.g. execution duration exceeded).
    Aborted,
    /// The service cannot tell; clients re-query.
    Unknown,
    /// RUN was requested but the job could not be queued; the client must ask again.
    Held,
    /// Paused by the system during execution; resumes to EXECUTING by itself.
    Suspended,
    /// Results destroyed at destruction time, metadata kept.
    Archived,
}

impl ExecutionPhase {
    /// Every phase, in schema order (used by tests and by filters).
    pub const ALL: [ExecutionPhase; 10] = [
        ExecutionPhase::Pending,
        ExecutionPhase::Queued,
        ExecutionPhase::Executing,
        ExecutionPhase::Completed,
        ExecutionPhase::Error,
        ExecutionPhase::Aborted,
        ExecutionPhase::Unknown,
        ExecutionPhase::Held,
        ExecutionPhase::Suspended,
        ExecutionPhase::Archived,
    ];

    /// The fixed string used in XML and in `/{jobs}/{job-id}/phase`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionPhase::Pending => "PENDING",
            ExecutionPhase::Queued => "QUEUED",
            ExecutionPhase::Executing => "EXECUTING",
            ExecutionPhase::Completed => "COMPLETED",
            ExecutionPhase::Error => "ERROR",
            ExecutionPhase::Aborted => "ABORTED",
            ExecutionPhase::Unknown => "UNKNOWN",
            ExecutionPhase::Held => "HELD",
            ExecutionPhase::Suspended => "SUSPENDED",
            ExecutionPhase::Archived => "ARCHIVED",
        }
    }

    /// The phases in which a blocking `WAIT` may block (UWS 1.1 §2.2.1.2).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            ExecutionPhase::Pending | ExecutionPhase::Queued | ExecutionPhase::Executing
        )
    }

    /// Phases from which no further work happens (the job only waits for destruction).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ExecutionPhase::Completed
                | ExecutionPhase::Error
                | ExecutionPhase::Aborted
                | ExecutionPhase::Archived
        )
    }

    /// Whether `self -> to` is an edge of the UWS 1.1 state diagram (§2.1.3).
    ///
    /// Client-initiated edges: PENDING/HELD -RUN-> QUEUED (or HELD), and ABORT from any
    /// non-final phase. Server edges: QUEUED -> EXECUTING, EXECUTING -> COMPLETED | SUSPENDED,
    /// SUSPENDED -> EXECUTING, ERROR from any non-final phase ("at any time before the COMPLETED
    /// phase a job may either be ABORTED or may suffer an ERROR"), and final -> ARCHIVED at
    /// destruction time. UNKNOWN is only ever left (the server reports it when it has lost track,
    /// it never chooses it), and a phase never "changes" to itself.
    pub fn can_transition_to(self, to: ExecutionPhase) -> bool {
        use ExecutionPhase::*;
        if self == to {
            return false;
        }
        match (self, to) {
            (_, Unknown) => false,
            (Archived, _) => false,
            (Completed | Error | Aborted, Archived) => true,
            (Completed | Error | Aborted, _) => false,
            (_, Aborted | Error) => true,
            (Pending, Queued | Held) => true,
            (Held, Queued) => true,
            (Queued, Executing) => true,
            (Executing, Completed | Suspended) => true,
            (Suspended, Executing) => true,
            // The server may rediscover a job it had lost track of in any phase.
            (Unknown, _) => true,
            _ => false,
        }
    }

    /// [`Self::can_transition_to`] as a typed error.
    pub fn check_transition(self, to: ExecutionPhase) -> Result<(), UwsError> {
        if self.can_transition_to(to) {
            Ok(())
        } else {
            Err(UwsError::IllegalTransition { from: self, to })
        }
    }
}

impl fmt::Display for ExecutionPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExecutionPhase {
    type Err = UwsError;

    /// Phase names are matched exactly (they are values, and DALI values are case-sensitive),
    /// after trimming surrounding white space.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        ExecutionPhase::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UwsError::BadValue(format!("unknown UWS phase '{s}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::ExecutionPhase::{self, *};

    /// The edges of the UWS 1.1 state diagram, written out independently of the `match`.
    const LEGAL: &[(ExecutionPhase, ExecutionPhase)] = &[
        (Pending, Queued),
        (Pending, Held),
        (Pending, Aborted),
        (Pending, Error),
        (Held, Queued),
        (Held, Aborted),
        (Held, Error),
        (Queued, Executing),
        (Queued, Aborted),
        (Queued, Error),
        (Executing, Completed),
        (Executing, Suspended),
        (Executing, Aborted),
        (Executing, Error),
        (Suspended, Executing),
        (Suspended, Aborted),
        (Suspended, Error),
        (Completed, Archived),
        (Error, Archived),
        (Aborted, Archived),
        (Unknown, Pending),
        (Unknown, Queued),
        (Unknown, Executing),
        (Unknown, Completed),
        (Unknown, Error),
        (Unknown, Aborted),
        (Unknown, Held),
        (Unknown, Suspended),
        (Unknown, Archived),
    ];

    #[test]
    fn every_pair_matches_the_state_diagram() {
        let mut legal = 0;
        for from in ExecutionPhase::ALL {
            for to in ExecutionPhase::ALL {
                let expected = LEGAL.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), expected, "{from} -> {to}");
                match from.check_transition(to) {
                    Ok(()) => assert!(expected),
                    Err(crate::UwsError::IllegalTransition { from: f, to: t }) => {
                        assert!(!expected);
                        assert_eq!((f, t), (from, to));
                    }
                    Err(e) => panic!("unexpected error {e}"),
                }
                legal += usize::from(expected);
            }
        }
        assert_eq!(legal, LEGAL.len());
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for p in ExecutionPhase::ALL {
            assert_eq!(p.as_str().parse::<ExecutionPhase>().ok(), Some(p));
        }
        assert!("run".parse::<ExecutionPhase>().is_err());
        assert!("pending".parse::<ExecutionPhase>().is_err());
        assert_eq!(" QUEUED ".parse::<ExecutionPhase>().ok(), Some(Queued));
    }

    #[test]
    fn active_and_final_sets() {
        let active: Vec<_> = ExecutionPhase::ALL.into_iter().filter(|p| p.is_active()).collect();
        assert_eq!(active, vec![Pending, Queued, Executing]);
        let fin: Vec<_> = ExecutionPhase::ALL.into_iter().filter(|p| p.is_final()).collect();
        assert_eq!(fin, vec![Completed, Error, Aborted, Archived]);
    }
}
