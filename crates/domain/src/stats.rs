//! Statistics as counters: what one dossier adds to the monthly figures of its unit and procedure.
//!
//! The figures of any period are sums of monthly counters, kept in the same transaction as the
//! event that changes them: the store subtracts what the old state contributed and adds what the new
//! state contributes ([`contributions`]). A report's cost then grows with units x procedures x
//! months, not with dossiers; `motcua rebuild` recomputes the counters as the sum over every
//! dossier, and tests compare them with a brute-force count ([`brute_force`]).
//!
//! Months are local (UTC+7) calendar months, written `yyyymm`. A dossier counts:
//! - as received in the month it was received, by channel (desk, post, online);
//! - as resolved (early, on time, late) in the month its processing finished, refused or withdrawn
//!   in the month it was closed;
//! - as open at the end of a month (and overdue then, when its due time had passed) for every month
//!   end between its reception and the end of its processing; dossiers still in processing are not
//!   in the counters (they are few, and read live);
//! - its rating (satisfied or not), its uploaded papers and its supplement requests in the month
//!   it was received;
//! - each finished step once, in the month it finished (early, on time, late), under the receiving
//!   unit and the unit that did the step: the per-agency figures of inter-agency dossiers.
//! - in the month it was received: once resolved, as processed with its minutes from reception to
//!   the end of processing (the only weighted counter: Decision 766 indicator 2.2); with a fee to
//!   pay, and paid online; with data from the population database;
//! - each online payment in the month it was made.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::Timeliness;
use crate::dossier::{Channel, Dossier, Instant, Rating, to_local};

/// A month as `yyyymm`.
pub type Month = i32;

pub fn month_of(t: Instant) -> Month {
    let d = to_local(t).date();
    d.year() * 100 + d.month() as i32
}

pub fn month_start(m: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(m / 100, (m % 100) as u32, 1).unwrap_or(NaiveDate::MIN)
}

pub fn next_month(m: Month) -> Month {
    if m % 100 == 12 {
        (m / 100 + 1) * 100 + 1
    } else {
        m + 1
    }
}

pub fn prev_month(m: Month) -> Month {
    if m % 100 == 1 {
        (m / 100 - 1) * 100 + 12
    } else {
        m - 1
    }
}

/// The instant a month ends (the start of the next one, local time).
pub fn month_end(m: Month) -> Instant {
    crate::dossier::from_local(month_start(next_month(m)).and_time(chrono::NaiveTime::MIN))
}

/// The counted quantities, one column each in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    ReceivedDesk,
    ReceivedPost,
    ReceivedOnline,
    ResolvedEarly,
    ResolvedOnTime,
    ResolvedLate,
    Refused,
    Withdrawn,
    OpenEnd,
    OverdueEnd,
    Rated,
    Satisfied,
    Digitised,
    Supplemented,
    StepEarly,
    StepOnTime,
    StepLate,
    Apologized,
    AppointmentKept,
    AppointmentMissed,
    ApologyEarly,
    WithdrawnLate,
    WalkInGuided,
    WalkInRefused,
    /// Resolved with a signed electronic result (Decision 766, indicator 4.1).
    ResultElectronic,
    /// Resolved dossiers of a procedure certifying copies from originals (4.6's denominator).
    CopyCertification,
    /// Of those, with an electronic certified copy issued (4.6's numerator).
    CopyElectronic,
    /// Received in the month and resolved since (Decision 766, indicator 2.2's count).
    Processed,
    /// Of those, the minutes from reception to the end of processing, each truncated, summed
    /// (2.2's numerator). The only counter that adds more than one per dossier.
    ProcessingMinutes,
    /// Received in the month with a fee to pay, and of those paid online (Decision 766, 3.5).
    FeeCharged,
    FeePaidOnline,
    /// Online payments made in the month (3.4: the procedures paid online).
    PaidOnline,
    /// Received in the month with the applicant's data from the population database (4.5a/4.5b).
    PopulationUsed,
}

impl Metric {
    pub const ALL: [Metric; 33] = [
        Metric::ReceivedDesk,
        Metric::ReceivedPost,
        Metric::ReceivedOnline,
        Metric::ResolvedEarly,
        Metric::ResolvedOnTime,
        Metric::ResolvedLate,
        Metric::Refused,
        Metric::Withdrawn,
        Metric::OpenEnd,
        Metric::OverdueEnd,
        Metric::Rated,
        Metric::Satisfied,
        Metric::Digitised,
        Metric::Supplemented,
        Metric::StepEarly,
        Metric::StepOnTime,
        Metric::StepLate,
        Metric::Apologized,
        Metric::AppointmentKept,
        Metric::AppointmentMissed,
        Metric::ApologyEarly,
        Metric::WithdrawnLate,
        Metric::WalkInGuided,
        Metric::WalkInRefused,
        Metric::ResultElectronic,
        Metric::CopyCertification,
        Metric::CopyElectronic,
        Metric::Processed,
        Metric::ProcessingMinutes,
        Metric::FeeCharged,
        Metric::FeePaidOnline,
        Metric::PaidOnline,
        Metric::PopulationUsed,
    ];

    /// The column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::ReceivedDesk => "received_desk",
            Metric::ReceivedPost => "received_post",
            Metric::ReceivedOnline => "received_online",
            Metric::ResolvedEarly => "resolved_early",
            Metric::ResolvedOnTime => "resolved_on_time",
            Metric::ResolvedLate => "resolved_late",
            Metric::Refused => "refused",
            Metric::Withdrawn => "withdrawn",
            Metric::OpenEnd => "open_end",
            Metric::OverdueEnd => "overdue_end",
            Metric::Rated => "rated",
            Metric::Satisfied => "satisfied",
            Metric::Digitised => "digitised",
            Metric::Supplemented => "supplemented",
            Metric::StepEarly => "step_early",
            Metric::StepOnTime => "step_on_time",
            Metric::StepLate => "step_late",
            Metric::Apologized => "apologized",
            Metric::AppointmentKept => "appointment_kept",
            Metric::AppointmentMissed => "appointment_missed",
            Metric::ApologyEarly => "apology_early",
            Metric::WithdrawnLate => "withdrawn_late",
            Metric::WalkInGuided => "walk_in_guided",
            Metric::WalkInRefused => "walk_in_refused",
            Metric::ResultElectronic => "result_electronic",
            Metric::CopyCertification => "copy_certification",
            Metric::CopyElectronic => "copy_electronic",
            Metric::Processed => "processed",
            Metric::ProcessingMinutes => "processing_minutes",
            Metric::FeeCharged => "fee_charged",
            Metric::FeePaidOnline => "fee_paid_online",
            Metric::PaidOnline => "paid_online",
            Metric::PopulationUsed => "population_used",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a contribution is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub unit: String,
    pub procedure: String,
    pub month: Month,
    /// The outside unit that did a step (step figures only); empty for the dossier's own figures
    /// and for steps done by the receiving unit itself.
    pub agency: String,
}

/// Counter values for one key, indexed by [`Metric::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts(pub [i64; 33]);

impl Default for Counts {
    fn default() -> Counts {
        Counts([0; 33])
    }
}

impl Counts {
    pub fn get(&self, m: Metric) -> i64 {
        self.0[m.index()]
    }

    pub fn add(&mut self, m: Metric, n: i64) {
        self.0[m.index()] += n;
    }

    pub fn merge(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|n| *n == 0)
    }
}

/// Whether a dossier's procedure certifies copies from originals (chứng thực bản sao từ bản chính):
/// the national catalogue names every procedure of that family so ("... giấy tờ, văn bản do cơ
/// quan, tổ chức có thẩm quyền của Việt Nam cấp", "... nước ngoài cấp", at commune and district
/// level), whatever their codes. Decision 766, indicator 4.6's denominator.
pub fn certifies_copies(d: &Dossier) -> bool {
    crate::text::fold_vi(&d.procedure.name).starts_with("chung thuc ban sao tu ban chinh")
}

/// The minutes from reception to the end of processing, truncated (as SQL's integer division).
pub fn processing_minutes(received: Instant, finished: Instant) -> i64 {
    (finished - received).num_milliseconds() / 60_000
}

/// What one dossier adds to the counters: (where, what, how much; 1 for every metric but
/// [`Metric::ProcessingMinutes`]).
pub fn contributions(d: &Dossier) -> Vec<(Key, Metric, i64)> {
    let mut out: Vec<(Key, Metric, i64)> = counted(d).into_iter().map(|(k, m)| (k, m, 1)).collect();
    if let (Some(received), Some(finished)) = (d.received_at, d.finished_at) {
        let key = Key {
            unit: d.unit.clone(),
            procedure: d.procedure.code.clone(),
            month: month_of(received),
            agency: String::new(),
        };
        out.push((key.clone(), Metric::Processed, 1));
        out.push((
            key,
            Metric::ProcessingMinutes,
            processing_minutes(received, finished),
        ));
    }
    out
}

/// The counters a dossier adds one to.
fn counted(d: &Dossier) -> Vec<(Key, Metric)> {
    let mut out = vec![];
    let key = |month| Key {
        unit: d.unit.clone(),
        procedure: d.procedure.code.clone(),
        month,
        agency: String::new(),
    };
    if let Some(received) = d.received_at {
        let m = month_of(received);
        out.push((
            key(m),
            match d.channel {
                Channel::Desk => Metric::ReceivedDesk,
                Channel::Post => Metric::ReceivedPost,
                Channel::Online => Metric::ReceivedOnline,
            },
        ));
        if d.papers.iter().any(|p| p.file.is_some()) {
            out.push((key(m), Metric::Digitised));
        }
        if let Some(r) = d.rating {
            out.push((key(m), Metric::Rated));
            if r != Rating::Unsatisfied {
                out.push((key(m), Metric::Satisfied));
            }
        }
        for _ in &d.supplements {
            out.push((key(m), Metric::Supplemented));
        }
        if let Some(fees) = d.fees.as_ref().filter(|x| x.assessment.total > 0) {
            out.push((key(m), Metric::FeeCharged));
            if fees.paid_online() {
                out.push((key(m), Metric::FeePaidOnline));
            }
        }
        if !d.population_data.is_empty() {
            out.push((key(m), Metric::PopulationUsed));
        }
        // Open at each month end until its processing ended.
        if let Some(end) = processing_end(d) {
            let mut month = m;
            loop {
                let boundary = month_end(month);
                if boundary > end {
                    break;
                }
                if boundary > received {
                    out.push((key(month), Metric::OpenEnd));
                    if d.due.is_some_and(|due| due < boundary) {
                        out.push((key(month), Metric::OverdueEnd));
                    }
                }
                month = next_month(month);
            }
        }
    }
    if let (Some(finished), Some(result)) = (d.finished_at, d.result) {
        if d.has_electronic_result() {
            out.push((key(month_of(finished)), Metric::ResultElectronic));
        }
        if certifies_copies(d) {
            out.push((key(month_of(finished)), Metric::CopyCertification));
            if d.has_electronic_copy() {
                out.push((key(month_of(finished)), Metric::CopyElectronic));
            }
        }
        out.push((
            key(month_of(finished)),
            match result {
                Timeliness::Early => Metric::ResolvedEarly,
                Timeliness::OnTime => Metric::ResolvedOnTime,
                Timeliness::Late => Metric::ResolvedLate,
            },
        ));
    } else if let Some(closed) = d.closed_at {
        if d.refusal.is_some() {
            out.push((key(month_of(closed)), Metric::Refused));
        } else if d.withdrawal.is_some() {
            out.push((key(month_of(closed)), Metric::Withdrawn));
            if d.withdrawn_late() {
                out.push((key(month_of(closed)), Metric::WithdrawnLate));
            }
        }
    }
    if let Some(a) = &d.apology {
        out.push((key(month_of(a.at)), Metric::Apologized));
        if a.too_early {
            out.push((key(month_of(a.at)), Metric::ApologyEarly));
        }
        if let (Some(kept), Some(finished)) = (d.appointment_kept(), d.finished_at) {
            out.push((
                key(month_of(finished)),
                if kept {
                    Metric::AppointmentKept
                } else {
                    Metric::AppointmentMissed
                },
            ));
        }
    }
    for p in d.fees.iter().flat_map(|x| &x.payments) {
        if p.payment.method == crate::payment::PaymentMethod::Online {
            out.push((key(month_of(p.at)), Metric::PaidOnline));
        }
    }
    for s in &d.steps {
        if let (Some(finished), Some(result)) = (s.finished_at, s.result) {
            out.push((
                Key {
                    unit: d.unit.clone(),
                    procedure: d.procedure.code.clone(),
                    month: month_of(finished),
                    agency: if s.unit == d.unit {
                        String::new()
                    } else {
                        s.unit.clone()
                    },
                },
                match result {
                    Timeliness::Early => Metric::StepEarly,
                    Timeliness::OnTime => Metric::StepOnTime,
                    Timeliness::Late => Metric::StepLate,
                },
            ));
        }
    }
    out
}

/// Where a boundary-free dossier (received at one unit for another agency) is counted a second
/// time: its receiving unit, its competent agency, its procedure and the month. These counters
/// turn the figures by receiving unit ("received here") into the figures by the agency that
/// resolves ("resolved here") with two lookups, not a scan: add what others received for the
/// scope, take away what the scope received for others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrossKey {
    pub month: Month,
    pub unit: String,
    pub competent: String,
    pub procedure: String,
}

/// What a boundary-free dossier adds to the cross counters: its own figures (not the step
/// figures), under its receiving unit and competent agency. Nothing for any other dossier.
pub fn cross_contributions(d: &Dossier) -> Vec<(CrossKey, Metric, i64)> {
    if !d.is_boundary_free() {
        return vec![];
    }
    contributions(d)
        .into_iter()
        .filter(|(k, m, _)| {
            k.agency.is_empty()
                && !matches!(m, Metric::StepEarly | Metric::StepOnTime | Metric::StepLate)
        })
        .map(|(k, m, n)| {
            (
                CrossKey {
                    month: k.month,
                    unit: k.unit,
                    competent: d.competent_unit().to_owned(),
                    procedure: k.procedure,
                },
                m,
                n,
            )
        })
        .collect()
}

/// The change to the cross counters from `before` to `after`, without zero entries.
pub fn cross_delta(before: Option<&Dossier>, after: &Dossier) -> Vec<(CrossKey, Counts)> {
    let mut map: std::collections::BTreeMap<CrossKey, Counts> = std::collections::BTreeMap::new();
    if let Some(b) = before {
        for (k, m, n) in cross_contributions(b) {
            map.entry(k).or_default().add(m, -n);
        }
    }
    for (k, m, n) in cross_contributions(after) {
        map.entry(k).or_default().add(m, n);
    }
    map.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

/// When a received dossier's processing ended: its result, refusal or withdrawal. None while it is
/// still being processed.
pub fn processing_end(d: &Dossier) -> Option<Instant> {
    d.received_at?;
    d.finished_at.or(d.closed_at)
}

/// The change to the counters from `before` to `after`, without zero entries.
pub fn delta(before: Option<&Dossier>, after: &Dossier) -> Vec<(Key, Counts)> {
    let mut map: std::collections::BTreeMap<Key, Counts> = std::collections::BTreeMap::new();
    if let Some(b) = before {
        for (k, m, n) in contributions(b) {
            map.entry(k).or_default().add(m, -n);
        }
    }
    for (k, m, n) in contributions(after) {
        map.entry(k).or_default().add(m, n);
    }
    map.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

/// A report period: whole local months, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Period {
    pub from: Month,
    pub to: Month,
}

impl Period {
    /// A period from dates: it must start on the first day of a month and end on the last day of a
    /// month (the counters are monthly), not be inverted, and span at most ten years.
    pub fn from_dates(from: NaiveDate, to: NaiveDate) -> Result<Period, (String, String)> {
        if to < from {
            return Err((
                format!("kỳ báo cáo bị ngược: {from} sau {to}"),
                format!("the period is inverted: {from} is after {to}"),
            ));
        }
        if from.day() != 1 {
            return Err((
                format!("kỳ báo cáo phải bắt đầu từ ngày đầu tháng (nhận được {from})"),
                format!("a period must start on the first day of a month (got {from})"),
            ));
        }
        if (to + chrono::TimeDelta::days(1)).day() != 1 {
            return Err((
                format!("kỳ báo cáo phải kết thúc vào ngày cuối tháng (nhận được {to})"),
                format!("a period must end on the last day of a month (got {to})"),
            ));
        }
        let p = Period {
            from: from.year() * 100 + from.month() as i32,
            to: to.year() * 100 + to.month() as i32,
        };
        if p.months() > 120 {
            return Err((
                "kỳ báo cáo dài quá 10 năm".into(),
                "a period is at most ten years".into(),
            ));
        }
        Ok(p)
    }

    pub fn year(y: i32) -> Period {
        Period {
            from: y * 100 + 1,
            to: y * 100 + 12,
        }
    }

    pub fn quarter(y: i32, q: i32) -> Period {
        Period {
            from: y * 100 + (q - 1) * 3 + 1,
            to: y * 100 + q * 3,
        }
    }

    pub fn month(m: Month) -> Period {
        Period { from: m, to: m }
    }

    pub fn months(&self) -> usize {
        let mut n = 1;
        let mut m = self.from;
        while m < self.to && n <= 1000 {
            m = next_month(m);
            n += 1;
        }
        n
    }

    pub fn start(&self) -> Instant {
        month_end(prev_month(self.from))
    }

    pub fn end(&self) -> Instant {
        month_end(self.to)
    }

    pub fn contains(&self, t: Instant) -> bool {
        let m = month_of(t);
        m >= self.from && m <= self.to
    }
}

/// The figures of a set of dossiers over a period, as the reports show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Figures {
    /// Received before the period and still in processing at its start.
    pub carried: i64,
    pub received_desk: i64,
    pub received_post: i64,
    pub received_online: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub refused: i64,
    pub withdrawn: i64,
    /// In processing at the end of the period (or now, if it has not ended), within time.
    pub open_in_time: i64,
    /// In processing and past due at the end of the period (or now).
    pub open_overdue: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub digitised: i64,
    pub supplemented: i64,
    pub step_early: i64,
    pub step_on_time: i64,
    pub step_late: i64,
    /// Apologies issued in the period, and of those flagged as issued too early.
    pub apologized: i64,
    pub apology_early: i64,
    /// Dossiers with an apology finished in the period by the new appointment, or after it.
    pub appointment_kept: i64,
    pub appointment_missed: i64,
    /// Withdrawn in the period after their legal due time had passed.
    pub withdrawn_late: i64,
    /// Walk-ins given form 02 (guidance to complete) or form 03 (refusal) without a dossier.
    pub walk_in_guided: i64,
    pub walk_in_refused: i64,
    /// Resolved in the period with a signed electronic result.
    pub result_electronic: i64,
    /// Resolved in the period by a procedure certifying copies from originals, and of those with an
    /// electronic certified copy.
    pub copy_certification: i64,
    pub copy_electronic: i64,
    /// Received in the period and resolved since, and the minutes from reception to the end of
    /// their processing, summed (Decision 766, indicator 2.2).
    pub processed: i64,
    pub processing_minutes: i64,
    /// Received in the period with a fee to pay, and of those paid online; online payments made in
    /// the period; received with data from the population database (Decision 766, 3.4-3.6, 4.5).
    pub fee_charged: i64,
    pub fee_paid_online: i64,
    pub paid_online: i64,
    pub population_used: i64,
}

impl Figures {
    pub fn received(&self) -> i64 {
        self.received_desk + self.received_post + self.received_online
    }

    pub fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    pub fn merge(&mut self, o: &Figures) {
        self.carried += o.carried;
        self.received_desk += o.received_desk;
        self.received_post += o.received_post;
        self.received_online += o.received_online;
        self.resolved_early += o.resolved_early;
        self.resolved_on_time += o.resolved_on_time;
        self.resolved_late += o.resolved_late;
        self.refused += o.refused;
        self.withdrawn += o.withdrawn;
        self.open_in_time += o.open_in_time;
        self.open_overdue += o.open_overdue;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.digitised += o.digitised;
        self.supplemented += o.supplemented;
        self.step_early += o.step_early;
        self.step_on_time += o.step_on_time;
        self.step_late += o.step_late;
        self.apologized += o.apologized;
        self.apology_early += o.apology_early;
        self.appointment_kept += o.appointment_kept;
        self.appointment_missed += o.appointment_missed;
        self.withdrawn_late += o.withdrawn_late;
        self.walk_in_guided += o.walk_in_guided;
        self.walk_in_refused += o.walk_in_refused;
        self.result_electronic += o.result_electronic;
        self.copy_certification += o.copy_certification;
        self.copy_electronic += o.copy_electronic;
        self.processed += o.processed;
        self.processing_minutes += o.processing_minutes;
        self.fee_charged += o.fee_charged;
        self.fee_paid_online += o.fee_paid_online;
        self.paid_online += o.paid_online;
        self.population_used += o.population_used;
    }

    /// Takes `o` away (the figures of dossiers that count elsewhere in another view).
    pub fn subtract(&mut self, o: &Figures) {
        self.carried -= o.carried;
        self.received_desk -= o.received_desk;
        self.received_post -= o.received_post;
        self.received_online -= o.received_online;
        self.resolved_early -= o.resolved_early;
        self.resolved_on_time -= o.resolved_on_time;
        self.resolved_late -= o.resolved_late;
        self.refused -= o.refused;
        self.withdrawn -= o.withdrawn;
        self.open_in_time -= o.open_in_time;
        self.open_overdue -= o.open_overdue;
        self.rated -= o.rated;
        self.satisfied -= o.satisfied;
        self.digitised -= o.digitised;
        self.supplemented -= o.supplemented;
        self.step_early -= o.step_early;
        self.step_on_time -= o.step_on_time;
        self.step_late -= o.step_late;
        self.apologized -= o.apologized;
        self.apology_early -= o.apology_early;
        self.appointment_kept -= o.appointment_kept;
        self.appointment_missed -= o.appointment_missed;
        self.withdrawn_late -= o.withdrawn_late;
        self.walk_in_guided -= o.walk_in_guided;
        self.walk_in_refused -= o.walk_in_refused;
        self.result_electronic -= o.result_electronic;
        self.copy_certification -= o.copy_certification;
        self.copy_electronic -= o.copy_electronic;
    }

    /// The figures of the period from its counters: `sum` over its months, `before` the month
    /// before it, `last` its last month.
    pub fn from_counters(sum: &Counts, before: &Counts, last: &Counts) -> Figures {
        Figures {
            carried: before.get(Metric::OpenEnd),
            received_desk: sum.get(Metric::ReceivedDesk),
            received_post: sum.get(Metric::ReceivedPost),
            received_online: sum.get(Metric::ReceivedOnline),
            resolved_early: sum.get(Metric::ResolvedEarly),
            resolved_on_time: sum.get(Metric::ResolvedOnTime),
            resolved_late: sum.get(Metric::ResolvedLate),
            refused: sum.get(Metric::Refused),
            withdrawn: sum.get(Metric::Withdrawn),
            open_in_time: last.get(Metric::OpenEnd) - last.get(Metric::OverdueEnd),
            open_overdue: last.get(Metric::OverdueEnd),
            rated: sum.get(Metric::Rated),
            satisfied: sum.get(Metric::Satisfied),
            digitised: sum.get(Metric::Digitised),
            supplemented: sum.get(Metric::Supplemented),
            step_early: sum.get(Metric::StepEarly),
            step_on_time: sum.get(Metric::StepOnTime),
            step_late: sum.get(Metric::StepLate),
            apologized: sum.get(Metric::Apologized),
            apology_early: sum.get(Metric::ApologyEarly),
            appointment_kept: sum.get(Metric::AppointmentKept),
            appointment_missed: sum.get(Metric::AppointmentMissed),
            withdrawn_late: sum.get(Metric::WithdrawnLate),
            walk_in_guided: sum.get(Metric::WalkInGuided),
            walk_in_refused: sum.get(Metric::WalkInRefused),
            result_electronic: sum.get(Metric::ResultElectronic),
            copy_certification: sum.get(Metric::CopyCertification),
            copy_electronic: sum.get(Metric::CopyElectronic),
            processed: sum.get(Metric::Processed),
            processing_minutes: sum.get(Metric::ProcessingMinutes),
            fee_charged: sum.get(Metric::FeeCharged),
            fee_paid_online: sum.get(Metric::FeePaidOnline),
            paid_online: sum.get(Metric::PaidOnline),
            population_used: sum.get(Metric::PopulationUsed),
        }
    }

    /// Adds a dossier still in processing now, received at `received`, due at `due`.
    pub fn add_open(&mut self, p: &Period, received: Instant, due: Option<Instant>, now: Instant) {
        if received < p.start() {
            self.carried += 1;
        }
        if received < p.end() {
            let at = p.end().min(now);
            if due.is_some_and(|d| d < at) {
                self.open_overdue += 1;
            } else {
                self.open_in_time += 1;
            }
        }
    }
}

/// The figures of each (receiving unit, procedure), counted straight from the dossiers by the
/// definitions above, without counters: what the tests compare the counters with.
pub fn brute_force<'a>(
    dossiers: impl IntoIterator<Item = &'a Dossier>,
    p: &Period,
    now: Instant,
) -> std::collections::BTreeMap<(String, String), Figures> {
    let mut out: std::collections::BTreeMap<(String, String), Figures> = Default::default();
    let (start, end) = (p.start(), p.end());
    for d in dossiers {
        let mut f = Figures::default();
        if let Some(r) = d.received_at {
            let ended = processing_end(d);
            if r < start && ended.is_none_or(|e| e >= start) {
                f.carried += 1;
            }
            if p.contains(r) {
                match d.channel {
                    Channel::Desk => f.received_desk += 1,
                    Channel::Post => f.received_post += 1,
                    Channel::Online => f.received_online += 1,
                }
                if d.papers.iter().any(|x| x.file.is_some()) {
                    f.digitised += 1;
                }
                if let Some(rating) = d.rating {
                    f.rated += 1;
                    f.satisfied += i64::from(rating != Rating::Unsatisfied);
                }
                f.supplemented += d.supplements.len() as i64;
                if let Some(finished) = d.finished_at {
                    f.processed += 1;
                    f.processing_minutes += processing_minutes(r, finished);
                }
                if let Some(fees) = d.fees.as_ref().filter(|x| x.assessment.total > 0) {
                    f.fee_charged += 1;
                    f.fee_paid_online += i64::from(fees.paid_online());
                }
                f.population_used += i64::from(!d.population_data.is_empty());
            }
            // In processing at the end of the period, or now if that is earlier.
            let at = if ended.is_none() { end.min(now) } else { end };
            let open_at_end = r < end && ended.is_none_or(|e| e >= end);
            if open_at_end {
                if d.due.is_some_and(|due| due < at) {
                    f.open_overdue += 1;
                } else {
                    f.open_in_time += 1;
                }
            }
        }
        match (d.finished_at, d.result, d.closed_at) {
            (Some(t), Some(result), _) if p.contains(t) => {
                f.result_electronic += i64::from(d.has_electronic_result());
                if certifies_copies(d) {
                    f.copy_certification += 1;
                    f.copy_electronic += i64::from(d.has_electronic_copy());
                }
                match result {
                    Timeliness::Early => f.resolved_early += 1,
                    Timeliness::OnTime => f.resolved_on_time += 1,
                    Timeliness::Late => f.resolved_late += 1,
                }
            }
            (None, _, Some(t)) if p.contains(t) => {
                if d.refusal.is_some() {
                    f.refused += 1;
                } else if d.withdrawal.is_some() {
                    f.withdrawn += 1;
                    f.withdrawn_late += i64::from(d.due.is_some_and(|due| t > due));
                }
            }
            _ => {}
        }
        if let Some(a) = &d.apology
            && p.contains(a.at)
        {
            f.apologized += 1;
            f.apology_early += i64::from(a.too_early);
        }
        if let (Some(a), Some(t)) = (&d.apology, d.finished_at)
            && p.contains(t)
        {
            if t <= a.new_appointment {
                f.appointment_kept += 1;
            } else {
                f.appointment_missed += 1;
            }
        }
        for x in d.fees.iter().flat_map(|x| &x.payments) {
            if x.payment.method == crate::payment::PaymentMethod::Online && p.contains(x.at) {
                f.paid_online += 1;
            }
        }
        out.entry((d.unit.clone(), d.procedure.code.clone()))
            .or_default()
            .merge(&f);
        for s in &d.steps {
            if let (Some(t), Some(result)) = (s.finished_at, s.result)
                && p.contains(t)
            {
                let e = out
                    .entry((d.unit.clone(), d.procedure.code.clone()))
                    .or_default();
                match result {
                    Timeliness::Early => e.step_early += 1,
                    Timeliness::OnTime => e.step_on_time += 1,
                    Timeliness::Late => e.step_late += 1,
                }
            }
        }
    }
    out.retain(|_, f| *f != Figures::default());
    out
}

/// Step figures (early, on time, late) per unit that did the step, for dossiers received by
/// `units`, counted straight from the dossiers.
pub fn brute_force_agencies<'a>(
    dossiers: impl IntoIterator<Item = &'a Dossier>,
    units: &[String],
    p: &Period,
) -> std::collections::BTreeMap<String, [i64; 3]> {
    let mut out: std::collections::BTreeMap<String, [i64; 3]> = Default::default();
    for d in dossiers.into_iter().filter(|d| units.contains(&d.unit)) {
        for s in &d.steps {
            if let (Some(t), Some(result)) = (s.finished_at, s.result)
                && p.contains(t)
            {
                let i = match result {
                    Timeliness::Early => 0,
                    Timeliness::OnTime => 1,
                    Timeliness::Late => 2,
                };
                out.entry(s.unit.clone()).or_default()[i] += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_periods() {
        assert_eq!(next_month(202512), 202601);
        assert_eq!(prev_month(202601), 202512);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let p = Period::from_dates(d("2025-01-01"), d("2025-03-31")).unwrap();
        assert_eq!((p.from, p.to, p.months()), (202501, 202503, 3));
        assert_eq!(p, Period::quarter(2025, 1));
        assert!(Period::from_dates(d("2025-01-02"), d("2025-03-31")).is_err());
        assert!(Period::from_dates(d("2025-01-01"), d("2025-03-30")).is_err());
        assert!(Period::from_dates(d("2025-03-01"), d("2025-01-31")).is_err());
        assert!(Period::from_dates(d("2000-01-01"), d("2025-01-31")).is_err());
        // Month ends are local midnight: 17:00 UTC the day before.
        assert_eq!(month_end(202501).to_rfc3339(), "2025-01-31T17:00:00+00:00");
        assert_eq!(
            Period::year(2025).start().to_rfc3339(),
            "2024-12-31T17:00:00+00:00"
        );
    }
}

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum By {
    Unit,
    Field,
    Procedure,
}

impl By {
    pub fn parse(s: &str) -> Option<By> {
        match s {
            "unit" | "don-vi" => Some(By::Unit),
            "field" | "linh-vuc" => Some(By::Field),
            "procedure" | "thu-tuc" => Some(By::Procedure),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Unit => "unit",
            By::Field => "field",
            By::Procedure => "procedure",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            By::Unit => "Đơn vị",
            By::Field => "Lĩnh vực",
            By::Procedure => "Thủ tục",
        }
    }
}

/// One row of a report: a unit, a field or a procedure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Row {
    /// Unit code, field name or procedure code: what the drill-down filters on.
    pub key: String,
    pub label: String,
    pub figures: Figures,
}

/// Step figures of one unit that did steps of the dossiers in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgencyRow {
    pub unit: String,
    pub name: String,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
}

/// A report: the figures of a unit with its sub-units over a period, by unit, field or procedure,
/// with the per-agency step figures and the Decision 766 indicators of the whole.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    pub unit: String,
    pub unit_name: String,
    pub period: Period,
    pub by: By,
    pub procedure: Option<String>,
    pub field: Option<String>,
    pub generated_at: Instant,
    pub rows: Vec<Row>,
    pub total: Figures,
    pub agencies: Vec<AgencyRow>,
    pub inputs: std::collections::BTreeMap<String, i64>,
    pub indicators: Vec<crate::indicators::Score>,
    /// The Decision 766 groups, total and band, by the method in force on the period's last day
    /// (none before the decision).
    pub index: Option<crate::indicators::Summary>,
    /// The average processing time of the dossiers received in the period and finished since, per
    /// procedure and per receiving unit (Decision 766, indicator 2.2).
    pub average_times: Vec<AverageTime>,
    /// The same dossiers counted by the agency that resolves them ("resolved here"): `total`
    /// without the boundary-free dossiers received here for agencies outside the scope, with
    /// those received elsewhere for agencies of the scope. `total` is "received here". The
    /// Decision 766 figures of progress and results are taken from this view, as the national
    /// portal scores the agency that resolves.
    pub resolved: Figures,
    /// The boundary-free dossiers crossing the scope's border, per unit on the other side.
    pub crossing: Vec<CrossRow>,
}

/// Boundary-free dossiers between the scope and one unit outside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CrossRow {
    /// `out`: received in the scope for this competent agency; `in`: received at this unit for
    /// an agency of the scope.
    pub direction: String,
    pub unit: String,
    pub name: String,
    pub figures: Figures,
}

/// The average processing time of one procedure or unit: dossiers received in the period whose
/// processing has finished, from reception to the end of processing, in calendar days.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AverageTime {
    /// `procedure` or `unit`.
    pub by: String,
    pub key: String,
    pub label: String,
    pub dossiers: i64,
    pub days: f64,
}

/// The columns of a report, in order: (key in [`Figures`], Vietnamese header, English header).
pub const COLUMNS: [(&str, &str, &str); 14] = [
    ("carried", "Kỳ trước chuyển qua", "Carried over"),
    (
        "received_desk",
        "Tiếp nhận trực tiếp",
        "Received at the desk",
    ),
    (
        "received_post",
        "Tiếp nhận qua bưu chính",
        "Received by post",
    ),
    ("received_online", "Tiếp nhận trực tuyến", "Received online"),
    ("resolved_early", "Giải quyết trước hạn", "Resolved early"),
    (
        "resolved_on_time",
        "Giải quyết đúng hạn",
        "Resolved on time",
    ),
    ("resolved_late", "Giải quyết quá hạn", "Resolved late"),
    ("refused", "Từ chối", "Refused"),
    ("withdrawn", "Rút hồ sơ", "Withdrawn"),
    (
        "open_in_time",
        "Đang giải quyết trong hạn",
        "In progress, within time",
    ),
    (
        "open_overdue",
        "Đang giải quyết quá hạn",
        "In progress, overdue",
    ),
    ("rated", "Đã đánh giá", "Rated"),
    ("satisfied", "Hài lòng", "Satisfied"),
    ("digitised", "Có thành phần số hóa", "With digitised papers"),
];

/// The counter-desk columns (apologies, appointments, late withdrawals, walk-ins): in every report's
/// figures (`Figures`), shown next to [`COLUMNS`] where a page or export asks for them.
pub const COUNTER_COLUMNS: [(&str, &str, &str); 7] = [
    (
        "apologized",
        "Xin lỗi, hẹn lại",
        "Apologies with a new date",
    ),
    (
        "apology_early",
        "Xin lỗi quá sớm so với hạn",
        "Apologies issued too early",
    ),
    (
        "appointment_kept",
        "Trả đúng ngày hẹn lại",
        "New appointment kept",
    ),
    (
        "appointment_missed",
        "Trễ cả ngày hẹn lại",
        "New appointment missed",
    ),
    (
        "withdrawn_late",
        "Rút hồ sơ sau khi đã quá hạn",
        "Withdrawn after the due time",
    ),
    (
        "walk_in_guided",
        "Hướng dẫn hoàn thiện (mẫu 02)",
        "Walk-ins guided to complete (form 02)",
    ),
    (
        "walk_in_refused",
        "Từ chối tại quầy (mẫu 03)",
        "Walk-ins refused (form 03)",
    ),
];

impl Figures {
    /// A column of [`COLUMNS`] or [`COUNTER_COLUMNS`] by its key.
    pub fn column(&self, key: &str) -> i64 {
        match key {
            "carried" => self.carried,
            "received_desk" => self.received_desk,
            "received_post" => self.received_post,
            "received_online" => self.received_online,
            "resolved_early" => self.resolved_early,
            "resolved_on_time" => self.resolved_on_time,
            "resolved_late" => self.resolved_late,
            "refused" => self.refused,
            "withdrawn" => self.withdrawn,
            "open_in_time" => self.open_in_time,
            "open_overdue" => self.open_overdue,
            "rated" => self.rated,
            "satisfied" => self.satisfied,
            "digitised" => self.digitised,
            "apologized" => self.apologized,
            "apology_early" => self.apology_early,
            "appointment_kept" => self.appointment_kept,
            "appointment_missed" => self.appointment_missed,
            "withdrawn_late" => self.withdrawn_late,
            "walk_in_guided" => self.walk_in_guided,
            "walk_in_refused" => self.walk_in_refused,
            "result_electronic" => self.result_electronic,
            "copy_certification" => self.copy_certification,
            "copy_electronic" => self.copy_electronic,
            _ => 0,
        }
    }

    /// Early or on time, of those resolved, in per cent (None with nothing resolved).
    pub fn on_time_share(&self) -> Option<f64> {
        let r = self.resolved();
        (r > 0).then(|| 100.0 * (self.resolved_early + self.resolved_on_time) as f64 / r as f64)
    }
}
