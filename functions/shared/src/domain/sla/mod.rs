//! The service-level agreement: how soon a ticket gets its first reply and
//! its resolution, and what happens when that is at risk.
//!
//! Each priority has two targets, counted in business time of the
//! [`BusinessCalendar`] from the moment the ticket opened:
//!
//! | priority | first reply | resolution |
//! | --- | --- | --- |
//! | urgent | 1 h | 8 h |
//! | high | 4 h | 24 h |
//! | normal | 24 h | 72 h |
//! | low | 48 h | 120 h |
//!
//! With the default calendar (every hour of every day) business time is
//! elapsed time. A warning goes to the team when a set fraction of a target
//! has passed (default 80 %), so someone can act before the breach.
//!
//! Deadlines are absolute instants, computed once when the ticket opens and
//! stored with it; the monitor only compares them with the clock. While a
//! ticket waits on the customer, the resolution clock is paused (the first
//! reply clock is not: waiting on the customer is an answer to something
//! the team already said). On resume, the resolution deadline and its
//! warning move later by the business time the pause lasted, so a pause
//! over a weekend with an office calendar costs nothing. A pause begun after
//! the deadline passed pauses nothing: the breach stands.
//!
//! A deadline is met by an event at or before it ([`met`]).

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::labels::Priority;

/// The longest target accepted: one year of business time.
pub const MAX_TARGET: SignedDuration = SignedDuration::from_hours(24 * 365);

/// The two targets of one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// Business time until the first reply.
    pub first_reply: SignedDuration,
    /// Business time until the ticket is resolved.
    pub resolution: SignedDuration,
}

impl Targets {
    const fn hours(first_reply: i64, resolution: i64) -> Self {
        Targets {
            first_reply: SignedDuration::from_hours(first_reply),
            resolution: SignedDuration::from_hours(resolution),
        }
    }
}

/// The targets of every priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTargets {
    /// For urgent tickets.
    pub urgent: Targets,
    /// For high-priority tickets.
    pub high: Targets,
    /// For normal tickets.
    pub normal: Targets,
    /// For low-priority tickets.
    pub low: Targets,
}

impl Default for SlaTargets {
    /// Urgent 1 h / 8 h, high 4 h / 24 h, normal 24 h / 72 h, low 48 h / 120 h.
    fn default() -> Self {
        SlaTargets {
            urgent: Targets::hours(1, 8),
            high: Targets::hours(4, 24),
            normal: Targets::hours(24, 72),
            low: Targets::hours(48, 120),
        }
    }
}

impl SlaTargets {
    /// The targets for `priority`.
    pub fn get(&self, priority: Priority) -> Targets {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }

    fn get_mut(&mut self, priority: Priority) -> &mut Targets {
        match priority {
            Priority::Urgent => &mut self.urgent,
            Priority::High => &mut self.high,
            Priority::Normal => &mut self.normal,
            Priority::Low => &mut self.low,
        }
    }

    /// Reads `priority=first/resolution` pairs separated by commas, e.g.
    /// `urgent=1h/8h,high=4h/24h,normal=24h/72h,low=48h/120h`. Durations are
    /// hours and minutes (`90m`, `1h30m`); days are not accepted, since a
    /// "day" of business time is ambiguous. A priority left out keeps its
    /// default. Each target is positive, at most a year, and the first
    /// reply is not due after the resolution.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut targets = SlaTargets::default();
        let mut seen: Vec<Priority> = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not priority=first/resolution"))?;
            let name = name.trim();
            let priority = Priority::parse(&name.to_ascii_lowercase())
                .ok_or_else(|| format!("`{name}` is not a priority (urgent, high, normal, low)"))?;
            if seen.contains(&priority) {
                return Err(format!("{priority} is given twice"));
            }
            seen.push(priority);
            let (first_text, resolution_text) = value
                .split_once('/')
                .map(|(f, r)| (f.trim(), r.trim()))
                .ok_or_else(|| format!("`{part}` is not priority=first/resolution"))?;
            let first_reply = parse_target(first_text)?;
            let resolution = parse_target(resolution_text)?;
            if first_reply > resolution {
                return Err(format!(
                    "{priority}: the first reply ({first_text}) is due after the resolution \
                     ({resolution_text})"
                ));
            }
            *targets.get_mut(priority) = Targets {
                first_reply,
                resolution,
            };
        }
        Ok(targets)
    }
}

fn parse_target(s: &str) -> Result<SignedDuration, String> {
    let s = s.trim();
    let invalid = || format!("`{s}` is not a duration like 4h or 1h30m");
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'h' | b'm' | b'H' | b'M' | b' '))
    {
        return Err(invalid());
    }
    let d: SignedDuration = s.to_ascii_lowercase().parse().map_err(|_| invalid())?;
    if d <= SignedDuration::ZERO {
        return Err(format!("`{s}` is not positive"));
    }
    if d > MAX_TARGET {
        return Err(format!("`{s}` is longer than a year"));
    }
    Ok(d)
}

/// The SLA policy: targets and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    /// The targets per priority.
    pub targets: SlaTargets,
    /// Warn when this percent of a target has passed (1 to 99).
    pub warning_percent: u8,
}

impl Default for SlaPolicy {
    /// The default targets, warning at 80 %.
    fn default() -> Self {
        SlaPolicy {
            targets: SlaTargets::default(),
            warning_percent: 80,
        }
    }
}

/// The deadlines of a ticket, as absolute instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// When to warn that the first reply is coming due.
    pub first_reply_warning: Timestamp,
    /// When the first reply is due.
    pub first_reply_due: Timestamp,
    /// When to warn that the resolution is coming due.
    pub resolution_warning: Timestamp,
    /// When the resolution is due.
    pub resolution_due: Timestamp,
}

impl SlaPolicy {
    /// The deadlines of a ticket of `priority` opened at `opened_at`.
    pub fn deadlines(
        &self,
        priority: Priority,
        opened_at: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Deadlines {
        let targets = self.targets.get(priority);
        let at = |d: SignedDuration| calendar.add_business(opened_at, d);
        Deadlines {
            first_reply_warning: at(self.warning_part(targets.first_reply)),
            first_reply_due: at(targets.first_reply),
            resolution_warning: at(self.warning_part(targets.resolution)),
            resolution_due: at(targets.resolution),
        }
    }

    /// The clock of a ticket of `priority` opened at `opened_at`.
    pub fn start(
        &self,
        priority: Priority,
        opened_at: Timestamp,
        calendar: &BusinessCalendar,
    ) -> SlaClock {
        SlaClock::new(self.deadlines(priority, opened_at, calendar))
    }

    fn warning_part(&self, target: SignedDuration) -> SignedDuration {
        target
            .checked_mul(i32::from(self.warning_percent))
            .and_then(|d| d.checked_div(100))
            .unwrap_or(target)
    }
}

/// True when something that happened at `at` met `deadline`.
pub fn met(deadline: Timestamp, at: Timestamp) -> bool {
    at <= deadline
}

/// `deadline` moved later by the business time between `paused_at` and
/// `resumed_at`.
pub fn resume(
    deadline: Timestamp,
    paused_at: Timestamp,
    resumed_at: Timestamp,
    calendar: &BusinessCalendar,
) -> Timestamp {
    calendar.add_business(deadline, calendar.business_between(paused_at, resumed_at))
}

/// Whether a deadline was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// In time.
    Met,
    /// Too late.
    Missed,
}

impl Outcome {
    /// The stable name used in events and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Missed => "missed",
        }
    }

    /// Reads [`Outcome::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "met" => Some(Outcome::Met),
            "missed" => Some(Outcome::Missed),
            _ => None,
        }
    }

    fn of(deadline: Timestamp, at: Timestamp) -> Self {
        if met(deadline, at) {
            Outcome::Met
        } else {
            Outcome::Missed
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of a ticket's two clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goal {
    /// The first reply.
    FirstReply,
    /// The resolution.
    Resolution,
}

impl Goal {
    /// The stable name used in events and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::FirstReply => "first_reply",
            Goal::Resolution => "resolution",
        }
    }
}

/// What the monitor has to announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmKind {
    /// The deadline is near.
    Warning,
    /// The deadline has passed.
    Breach,
}

/// One announcement for one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alarm {
    /// Which clock.
    pub goal: Goal,
    /// Warning or breach.
    pub kind: AlarmKind,
    /// When it was due (the warning time or the deadline).
    pub at: Timestamp,
}

/// One clock: a deadline, its warning, and whether it has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// When to warn.
    pub warning_at: Timestamp,
    /// The deadline.
    pub due: Timestamp,
    /// When the clock stopped, and how that went.
    pub stopped: Option<(Timestamp, Outcome)>,
    /// Whether the warning was announced.
    pub warned: bool,
    /// Whether the breach was announced.
    pub breached: bool,
}

impl Timer {
    fn new(warning_at: Timestamp, due: Timestamp) -> Self {
        Timer {
            warning_at,
            due,
            stopped: None,
            warned: false,
            breached: false,
        }
    }

    /// True while the clock runs (it may still be paused).
    pub fn is_running(&self) -> bool {
        self.stopped.is_none()
    }

    /// How it went, once stopped.
    pub fn outcome(&self) -> Option<Outcome> {
        self.stopped.map(|(_, o)| o)
    }

    /// Stops the clock at `at`, measured at `measured_at`; a clock stops
    /// once, and later calls return the first outcome.
    fn stop(&mut self, at: Timestamp, measured_at: Timestamp) -> Outcome {
        match self.stopped {
            Some((_, outcome)) => outcome,
            None => {
                let outcome = Outcome::of(self.due, measured_at);
                self.stopped = Some((at, outcome));
                outcome
            }
        }
    }

    fn pending_warning(&self) -> Option<Timestamp> {
        (self.is_running() && !self.warned && !self.breached).then_some(self.warning_at)
    }

    fn pending_breach(&self) -> Option<Timestamp> {
        (self.is_running() && !self.breached).then_some(self.due)
    }
}

/// The SLA state of one ticket: plain data, stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaClock {
    /// The first-reply clock.
    pub first_reply: Timer,
    /// The resolution clock.
    pub resolution: Timer,
    /// Since when the resolution clock is paused, if it is.
    pub paused_since: Option<Timestamp>,
    /// The business time of the pauses that have ended.
    pub paused_total: SignedDuration,
}

impl SlaClock {
    /// A running clock with these deadlines.
    pub fn new(deadlines: Deadlines) -> Self {
        SlaClock {
            first_reply: Timer::new(deadlines.first_reply_warning, deadlines.first_reply_due),
            resolution: Timer::new(deadlines.resolution_warning, deadlines.resolution_due),
            paused_since: None,
            paused_total: SignedDuration::ZERO,
        }
    }

    /// True while the resolution clock is paused.
    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// Pauses the resolution clock at `at` (the ticket now waits on the
    /// customer). Does nothing when it is already paused or stopped, or its
    /// deadline has passed.
    pub fn pause(&mut self, at: Timestamp) {
        if self.paused_since.is_none() && self.resolution.is_running() && at < self.resolution.due {
            self.paused_since = Some(at);
        }
    }

    /// Resumes the resolution clock at `at`: its deadline, and its warning
    /// if that was still ahead when the pause began, move later by the
    /// business time the pause lasted. Does nothing unless paused.
    pub fn resume(&mut self, at: Timestamp, calendar: &BusinessCalendar) {
        let Some(paused_at) = self.paused_since.take() else {
            return;
        };
        let spent = calendar.business_between(paused_at, at);
        if self.resolution.warning_at > paused_at {
            self.resolution.warning_at =
                resume(self.resolution.warning_at, paused_at, at, calendar);
        }
        self.resolution.due = resume(self.resolution.due, paused_at, at, calendar);
        self.paused_total += spent;
    }

    /// Stops the first-reply clock at `at`; only the first reply counts.
    pub fn first_reply(&mut self, at: Timestamp) -> Outcome {
        self.first_reply.stop(at, at)
    }

    /// Stops the resolution clock at `at`. A resolution also answers the
    /// customer, so it stops the first-reply clock too if it still runs. A
    /// ticket resolved while paused is measured at the start of the pause,
    /// since the time after it does not count; the pause ends there.
    pub fn resolve(&mut self, at: Timestamp) -> Outcome {
        self.first_reply.stop(at, at);
        let measured_at = self.paused_since.take().map_or(at, |p| p.min(at));
        self.resolution.stop(at, measured_at)
    }

    /// The next warning still to announce, if any. The paused resolution
    /// clock has none; the first-reply clock keeps its own.
    pub fn warning_due(&self) -> Option<Timestamp> {
        [
            self.first_reply.pending_warning(),
            self.resolution_if_running()
                .and_then(Timer::pending_warning),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next deadline whose breach is still to announce, if any, with the
    /// same rule for pauses as [`SlaClock::warning_due`].
    pub fn breach_due(&self) -> Option<Timestamp> {
        [
            self.first_reply.pending_breach(),
            self.resolution_if_running().and_then(Timer::pending_breach),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next moment the monitor should look at this ticket, if any.
    pub fn next_due(&self) -> Option<Timestamp> {
        [self.warning_due(), self.breach_due()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The alarms to announce at `now`, marked as announced so that each
    /// fires once. A warning is due at its time, a breach once its deadline
    /// has passed (an event at the deadline itself is in time). When the
    /// monitor comes so late that both are due, only the breach is
    /// announced.
    pub fn due_alarms(&mut self, now: Timestamp) -> Vec<Alarm> {
        let paused = self.is_paused();
        let mut alarms = Vec::new();
        for (goal, timer) in [
            (Goal::FirstReply, &mut self.first_reply),
            (Goal::Resolution, &mut self.resolution),
        ] {
            if goal == Goal::Resolution && paused {
                continue;
            }
            if let Some(due) = timer.pending_breach().filter(|due| now > *due) {
                timer.breached = true;
                timer.warned = true;
                alarms.push(Alarm {
                    goal,
                    kind: AlarmKind::Breach,
                    at: due,
                });
            } else if let Some(warn) = timer.pending_warning().filter(|w| now >= *w) {
                timer.warned = true;
                alarms.push(Alarm {
                    goal,
                    kind: AlarmKind::Warning,
                    at: warn,
                });
            }
        }
        alarms
    }

    fn resolution_if_running(&self) -> Option<&Timer> {
        (!self.is_paused()).then_some(&self.resolution)
    }
}

#[cfg(test)]
mod tests;
