//! Realistic dossiers: each one is simulated through the domain's own `decide` and `apply` (so every
//! planned command is legal and the due times are the real ones), then all commands of all dossiers
//! are executed through the store in time order, so codes follow the order of reception.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use motcua_domain::calendar::{Limit, WorkCalendar};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, Context, Dossier, Instant, Outcome, Paper, PauseKind,
    Rating, Recorded, decide, from_local, to_local,
};
use motcua_domain::procedure::ProcedureRef;

use super::catalogue::{DemoProcedure, Performer};

/// A deterministic pseudo-random sequence (splitmix64), so a demo is the same every time.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = (self.next() % u64::from(total.max(1))) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const FAMILY: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Đức", "Thanh", "Ngọc", "Hữu", "Quang"];
const GIVEN: [&str; 28] = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
    "Trang", "Tuấn", "Vy", "Yến",
];
const EDE_GIVEN: [&str; 8] = [
    "Y Bih", "H'Hen", "Y Khuê", "H'Linh", "Y Thanh", "H'Nhi", "Y Sang", "H'Bia",
];
const EDE_FAMILY: [&str; 6] = ["Niê", "Mlô", "Êban", "Ayŭn", "Byă", "Ksơr"];

fn applicant(rng: &mut Rng, place: &str) -> Applicant {
    let full_name = if rng.chance(0.15) {
        format!("{} {}", rng.pick(&EDE_GIVEN), rng.pick(&EDE_FAMILY))
    } else {
        format!(
            "{} {} {}",
            rng.pick(&FAMILY),
            rng.pick(&MIDDLE),
            rng.pick(&GIVEN)
        )
    };
    let born = 1950 + rng.below(56);
    Applicant {
        full_name,
        id_number: Some(format!(
            "066{}{:02}{:06}",
            if born >= 2000 {
                2 + rng.below(2)
            } else {
                rng.below(2)
            },
            born % 100,
            rng.below(1_000_000)
        )),
        phone: format!("09{:08}", rng.below(100_000_000)),
        email: None,
        address: Some(format!(
            "Tổ dân phố {}, {place}, tỉnh Đắk Lắk",
            1 + rng.below(12)
        )),
        date_of_birth: None,
        sex: None,
        kind: Default::default(),
        representative: None,
        notify: None,
        sealed: None,
    }
}

/// About one applicant in five of the last three weeks asks to be told of the dossier's progress
/// (issue 15, item 3): by SMS or by e-mail, in English for a foreigner. Chosen from the last digit
/// of the phone number, so the simulation draws the same numbers as without it.
fn opt_in(person: &mut Applicant, received: Instant, today: NaiveDate) {
    use motcua_domain::notify::{Language, Notify, NotifyChannel};
    if to_local(received).date() < today - TimeDelta::days(21) {
        return;
    }
    let language = match person.kind {
        motcua_domain::dossier::ApplicantKind::Foreigner { .. } => Language::En,
        _ => Language::Vi,
    };
    let channel = match person.phone.bytes().last() {
        Some(b'1') => NotifyChannel::Sms,
        Some(b'2') => {
            person.email = Some(format!("nguoinop.{}@example.vn", &person.phone[4..]));
            NotifyChannel::Email
        }
        _ => return,
    };
    person.notify = Some(Notify {
        channel,
        language: Some(language),
    });
}

/// The staff who act for a unit in the demo: reception, specialist, leader (by unit code).
pub struct Crew {
    pub by_unit: HashMap<String, (i64, i64, i64)>,
}

impl Crew {
    fn of(&self, unit: &str) -> (i64, i64, i64) {
        self.by_unit.get(unit).copied().unwrap_or((1, 1, 1))
    }
}

/// One planned command of one dossier.
pub struct Planned {
    pub at: Instant,
    pub seq: i64,
    pub actor: Actor,
    pub command: Command,
}

fn staff(id: i64) -> Actor {
    Actor::Import {
        staff: Some(id),
        source: "demo".into(),
    }
}

fn applicant_actor() -> Actor {
    Actor::Import {
        staff: None,
        source: "demo".into(),
    }
}

/// Working seconds a limit stands for (8 working hours a day; same-day work takes about two hours).
fn seconds(limit: Limit) -> i64 {
    match limit {
        Limit::SameDay => 2 * 3600,
        Limit::WorkingDays(n) => i64::from(n) * 28_800,
        Limit::WorkingMinutes(m) => i64::from(m) * 60,
    }
}

/// Simulates one dossier through the domain and returns its commands.
struct Sim<'a> {
    cal: &'a WorkCalendar,
    now: Instant,
    state: Option<Dossier>,
    plan: Vec<Planned>,
    recorded: Vec<Recorded>,
}

impl Sim<'_> {
    /// Plans a command at `at` if that is not in the future; false when the story stops here.
    fn exec(&mut self, at: Instant, actor: Actor, command: Command) -> bool {
        if at > self.now {
            return false;
        }
        let at = self
            .plan
            .last()
            .map_or(at, |p| at.max(p.at + TimeDelta::seconds(60)));
        if at > self.now {
            return false;
        }
        let ctx = Context {
            now: at,
            calendar: self.cal,
        };
        let event = match decide(self.state.as_ref(), command.clone(), &ctx) {
            Ok(e) => e,
            Err(e) => panic!("demo generator planned an illegal command: {e}"),
        };
        let seq = self.plan.len() as i64 + 1;
        let rec = Recorded {
            seq,
            at,
            actor: actor.clone(),
            event,
        };
        match &mut self.state {
            None => self.state = Some(Dossier::start(&rec).expect("first event")),
            Some(d) => d.apply(&rec),
        }
        self.recorded.push(rec);
        self.plan.push(Planned {
            at,
            seq,
            actor,
            command,
        });
        true
    }

    fn last_at(&self) -> Instant {
        self.plan.last().map_or(self.now, |p| p.at)
    }

    /// `at` plus some working time.
    fn later(&self, at: Instant, working_seconds: f64) -> Instant {
        let local = to_local(at);
        let local = self
            .cal
            .add_working_seconds(local, working_seconds.max(60.0) as i64)
            .unwrap_or(local);
        from_local(local)
    }
}

/// A random working instant on a working day between `from` and `to`.
fn reception_time(rng: &mut Rng, cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> Instant {
    let span = (to - from).num_days().max(1);
    loop {
        let day = from + TimeDelta::days(rng.below(span as usize) as i64);
        if !cal.is_working_day(day).unwrap_or(false) {
            continue;
        }
        // Desks are busiest in the morning.
        let minutes = if rng.chance(0.6) {
            7 * 60 + 30 + rng.below(240)
        } else {
            13 * 60 + 30 + rng.below(210)
        } as u32;
        let t = day
            .and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default());
        return from_local(t);
    }
}

/// Plans `count` dossiers received at `units` between `from` and `now`.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    rng: &mut Rng,
    cal: &WorkCalendar,
    catalogue: &[DemoProcedure],
    units: &[(&str, &str, u32)],
    crew: &Crew,
    count: usize,
    from: NaiveDate,
    now: Instant,
) -> Vec<Vec<Planned>> {
    let weights: Vec<u32> = catalogue.iter().map(|p| p.weight).collect();
    let unit_weights: Vec<u32> = units.iter().map(|u| u.2).collect();
    let today = to_local(now).date();
    // A dossier whose reception would fall after `now` is drawn again, so exactly `count` exist.
    let mut plans = Vec::with_capacity(count);
    while plans.len() < count {
        let p = &catalogue[rng.weighted(&weights)];
        let (unit, place, _) = units[rng.weighted(&unit_weights)];
        let mut sim = Sim {
            cal,
            now,
            state: None,
            plan: vec![],
            recorded: vec![],
        };
        simulate(rng, &mut sim, p, unit, place, crew, from, today);
        if !sim.plan.is_empty() {
            plans.push(sim.plan);
        }
    }
    plans
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    rng: &mut Rng,
    sim: &mut Sim,
    p: &DemoProcedure,
    unit: &str,
    place: &str,
    crew: &Crew,
    from: NaiveDate,
    today: NaiveDate,
) {
    let (desk, specialist, leader) = crew.of(unit);
    let procedure = ProcedureRef::from(&p.procedure);
    let mut person = applicant(rng, place);
    // Some contracts are certified for a company, through its staff with an authorisation; some
    // marriages have a foreign spouse, who applies with a passport.
    match p.procedure.spec.code.as_str() {
        "2.001035" if rng.chance(0.15) => {
            let staff = person.full_name.clone();
            person.kind = motcua_domain::dossier::ApplicantKind::Organisation {
                tax_code: format!("60{:08}", rng.below(100_000_000)),
                legal_representative: "Nguyễn Văn Phát".into(),
            };
            person.representative = Some(motcua_domain::dossier::Representative {
                full_name: staff,
                id_number: person.id_number.take(),
                authorisation: format!("Giấy ủy quyền số {}/UQ-CT", 1 + rng.below(99)),
            });
            person.full_name = "Công ty TNHH Cà phê Buôn Hồ".into();
        }
        "1.000894" if rng.chance(0.2) => {
            person.kind = motcua_domain::dossier::ApplicantKind::Foreigner {
                passport: format!("M{:08}", rng.below(100_000_000)),
                nationality: "Hàn Quốc".into(),
            };
            person.full_name = "Kim Min-jun".into();
            person.id_number = None;
        }
        _ => {}
    }
    let papers: Vec<Paper> = p
        .procedure
        .spec
        .papers
        .iter()
        .map(|x| Paper {
            name: x.name.clone(),
            copies: x.copies,
            file: None,
            kind: None,
        })
        .collect();
    let mut t = reception_time(rng, sim.cal, from, today + TimeDelta::days(1));
    opt_in(&mut person, t, today);
    let online_share = match p.procedure.spec.channels.online {
        motcua_domain::procedure::OnlineLevel::Full => 0.45,
        motcua_domain::procedure::OnlineLevel::Partial => 0.2,
        motcua_domain::procedure::OnlineLevel::None => 0.0,
    };
    // Some dossiers need the procedure's condition (verification): its own limit applies.
    let condition = p
        .procedure
        .spec
        .conditional_limits
        .first()
        .filter(|_| rng.chance(0.15))
        .map(|c| c.condition.clone());
    let receive = |channel| Command::Receive {
        code: String::new(),
        channel,
        procedure: Some(procedure.clone()),
        unit: Some(unit.to_owned()),
        applicant: Some(person.clone()),
        papers: Some(papers.clone()),
        details: motcua_domain::dossier::ReceptionDetails {
            condition: condition.clone(),
            ..Default::default()
        },
    };
    if rng.chance(online_share) {
        // Submitted in the evening or the night before; the desk checks it next morning.
        let submitted = t - TimeDelta::minutes(60 + rng.below(14 * 60) as i64);
        let ok = sim.exec(
            submitted,
            applicant_actor(),
            Command::SubmitOnline {
                procedure: procedure.clone(),
                unit: unit.to_owned(),
                applicant: person.clone(),
                papers: papers.clone(),
            },
        );
        if !ok {
            return;
        }
        if rng.chance(0.03) {
            sim.exec(
                t,
                staff(desk),
                Command::Refuse {
                    reason: "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị".into(),
                },
            );
            return;
        }
        if rng.chance(0.1) {
            if !sim.exec(
                t,
                staff(desk),
                Command::RequestSupplement {
                    items: vec![format!(
                        "Bản scan rõ nét: {}",
                        papers.first().map_or("giấy tờ", |x| x.name.as_str())
                    )],
                    reason: "Bản điện tử không đọc được".into(),
                },
            ) {
                return;
            }
            t = sim.later(t, rng.between(3600.0, 3.0 * 28_800.0));
            if !sim.exec(
                t,
                applicant_actor(),
                Command::Supplement {
                    note: "Đã tải lên bản mới".into(),
                },
            ) {
                return;
            }
            t = sim.later(t, rng.between(1800.0, 14_400.0));
        }
        if !sim.exec(t, staff(desk), receive(Channel::Online)) {
            return;
        }
    } else {
        let channel = if rng.chance(0.05) {
            Channel::Post
        } else {
            Channel::Desk
        };
        if !sim.exec(t, staff(desk), receive(channel)) {
            return;
        }
    }

    // Issue 15 acts only in the recent story (from 1 July 2025, the two-level government's start):
    // the 2017 town's records stay as they were (and draw nothing more from the generator).
    let recent = to_local(sim.last_at()).date()
        >= NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or(NaiveDate::MIN);
    // The applicant's details prefilled from the national population database (issue 15, item 5):
    // most citizens at the desk, some online.
    let online = sim
        .state
        .as_ref()
        .is_some_and(|d| d.channel == Channel::Online);
    let citizen = sim
        .state
        .as_ref()
        .is_some_and(|d| d.applicant.kind == motcua_domain::dossier::ApplicantKind::Citizen);
    if recent && citizen && rng.chance(if online { 0.3 } else { 0.6 }) {
        let at = sim.later(sim.last_at(), 60.0);
        if !sim.exec(
            at,
            staff(desk),
            Command::RecordPopulationData {
                fields: vec![
                    "full_name".into(),
                    "id_number".into(),
                    "date_of_birth".into(),
                    "address".into(),
                ],
            },
        ) {
            return;
        }
    }
    // Fees assessed at reception (issue 15, item 4): paid at the desk with an electronic receipt,
    // or online through the gateway (most of those submitted online); the wait pauses the clock.
    if let Ok(assessment) = motcua_domain::payment::assess(&p.procedure.spec.fees, None)
        && assessment.total > 0
        && recent
    {
        let total = assessment.total;
        let at = sim.later(sim.last_at(), 120.0);
        if !sim.exec(at, staff(desk), Command::AssessFee { assessment }) {
            return;
        }
        let pays_online = rng.chance(if online { 0.8 } else { 0.1 });
        let (at, actor, payment) = if pays_online {
            let at = sim.later(at, rng.between(600.0, 28_800.0));
            let n = rng.below(100_000_000);
            (
                at,
                Actor::System,
                motcua_domain::payment::Payment {
                    method: motcua_domain::payment::PaymentMethod::Online,
                    amount: total,
                    receipt: None,
                    gateway: Some("vnpay".into()),
                    reference: Some(format!("MCDEMO{}T{}", n, at.timestamp_millis())),
                    transaction: Some(format!("{:08}", (n * 7 + 13) % 100_000_000)),
                },
            )
        } else {
            let at = sim.later(at, rng.between(120.0, 900.0));
            (
                at,
                staff(desk),
                motcua_domain::payment::Payment {
                    method: if rng.chance(0.3) {
                        motcua_domain::payment::PaymentMethod::Transfer
                    } else {
                        motcua_domain::payment::PaymentMethod::Cash
                    },
                    amount: total,
                    receipt: Some(format!("BL25E-{:07}", rng.below(9_999_999) + 1)),
                    gateway: None,
                    reference: None,
                    transaction: None,
                },
            )
        };
        if !sim.exec(at, actor, Command::RecordPayment { payment }) {
            return;
        }
    }

    // Processing, step by step: most steps finish within their budget, some do not.
    let slow = rng.chance(0.12);
    let steps = p.procedure.spec.steps.len();
    for k in 0..steps {
        let budget = seconds(p.procedure.spec.steps[k].budget) as f64;
        let factor = if slow && k == steps / 2 {
            rng.between(1.2, 2.5)
        } else if rng.chance(0.05) {
            rng.between(1.05, 1.6)
        } else {
            rng.between(0.15, 0.9)
        };
        let start = sim.last_at();
        let holder = match p.route.get(k) {
            Some(Performer::Agency(code)) => crew.of(code).1,
            _ if k == 0 => desk,
            _ if k + 1 == steps => leader,
            _ => specialist,
        };
        // Waiting for the applicant's financial obligations (land procedures).
        if p.payment_step == Some(k) && rng.chance(0.7) {
            let at = sim.later(start, 1800.0);
            if !sim.exec(
                at,
                staff(holder),
                Command::Pause {
                    pause: PauseKind::FinancialObligation,
                    reason: "Chờ người sử dụng đất thực hiện nghĩa vụ tài chính".into(),
                },
            ) {
                return;
            }
            let back = sim.later(at, rng.between(28_800.0, 8.0 * 28_800.0));
            if !sim.exec(back, staff(holder), Command::Resume) {
                return;
            }
        }
        // A supplement asked for during processing (once per agency holding the dossier).
        let asked = sim.state.as_ref().is_some_and(|d| {
            d.supplements
                .iter()
                .any(|s| d.supplement_agency(s) == d.current_unit)
        });
        if k > 0 && !asked && rng.chance(0.05) {
            let at = sim.later(sim.last_at(), budget * 0.3);
            if !sim.exec(
                at,
                staff(holder),
                Command::RequestSupplement {
                    items: vec!["Bản sao giấy tờ chứng minh nơi cư trú".into()],
                    reason: "Thông tin nơi cư trú chưa thống nhất giữa các giấy tờ".into(),
                },
            ) {
                return;
            }
            if rng.chance(0.08) {
                let at = sim.later(at, rng.between(28_800.0, 5.0 * 28_800.0));
                sim.exec(
                    at,
                    staff(desk),
                    Command::Withdraw {
                        reason: "Người nộp không bổ sung, xin rút hồ sơ".into(),
                    },
                );
                return;
            }
            let back = sim.later(at, rng.between(28_800.0, 6.0 * 28_800.0));
            if !sim.exec(
                back,
                staff(desk),
                Command::Supplement {
                    note: "Người nộp đã bổ sung đủ".into(),
                },
            ) {
                return;
            }
        }
        let done = sim.later(sim.last_at(), budget * factor);
        // About to be late: most units apologise and set a new appointment, not always in time.
        let due = sim.state.as_ref().and_then(|d| d.due);
        if let Some(due) = due
            && done > due
            && sim.state.as_ref().is_some_and(|d| d.apology.is_none())
            && rng.chance(0.6)
        {
            let local_due = to_local(due);
            let notice = if rng.chance(0.75) {
                from_local(
                    (local_due.date() - TimeDelta::days(1 + rng.below(2) as i64))
                        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
                )
            } else {
                due - TimeDelta::minutes(90)
            };
            let notice = notice.max(sim.last_at() + TimeDelta::minutes(5));
            let new_appointment = sim.later(done, rng.between(28_800.0, 4.0 * 28_800.0));
            if notice < due
                && !sim.exec(
                    notice,
                    staff(leader),
                    Command::Apologize {
                        reason: "Hồ sơ cần xác minh thêm tại thực địa".into(),
                        new_appointment,
                    },
                )
            {
                return;
            }
        }
        if k + 1 < steps {
            let to_unit = match p.route.get(k + 1) {
                Some(Performer::Agency(code)) => (*code).to_owned(),
                _ => unit.to_owned(),
            };
            let external = to_unit != unit;
            if !sim.exec(
                done,
                staff(holder),
                Command::HandOver {
                    to_unit,
                    external,
                    note: String::new(),
                    to_staff: None,
                },
            ) {
                return;
            }
        } else if !sim.exec(
            done,
            staff(holder),
            Command::MarkResultReady {
                outcome: if rng.chance(0.02) {
                    Outcome::Denied {
                        reason: "Không đủ điều kiện theo quy định".into(),
                    }
                } else {
                    Outcome::Approved
                },
            },
        ) {
            return;
        }
    }
    // The applicant collects the result, usually soon.
    let wait = if rng.chance(0.7) {
        rng.between(600.0, 28_800.0)
    } else {
        rng.between(28_800.0, 4.0 * 28_800.0)
    };
    let at = sim.later(sim.last_at(), wait);
    let name = sim
        .state
        .as_ref()
        .map(|d| d.applicant.full_name.clone())
        .unwrap_or_default();
    if !sim.exec(at, staff(desk), Command::Return { to_whom: name }) {
        return;
    }
    if rng.chance(0.6) {
        let late = sim.state.as_ref().and_then(|d| d.result)
            == Some(motcua_domain::calendar::Timeliness::Late);
        let rating = match rng.unit() {
            x if x < (if late { 0.3 } else { 0.05 }) => Rating::Unsatisfied,
            x if x < 0.45 => Rating::Satisfied,
            _ => Rating::VerySatisfied,
        };
        let at = at + TimeDelta::minutes(5 + rng.below(2 * 24 * 60) as i64);
        sim.exec(
            at,
            applicant_actor(),
            Command::Rate {
                rating,
                comment: String::new(),
            },
        );
    }
}

/// One dossier received at `unit` on `day` (when that is a working day), simulated up to `now`:
/// its recorded events, the dossier code left empty for the caller to give.
#[allow(clippy::too_many_arguments)]
pub fn history(
    rng: &mut Rng,
    cal: &WorkCalendar,
    p: &DemoProcedure,
    unit: &str,
    place: &str,
    crew: &Crew,
    day: NaiveDate,
    now: Instant,
) -> Vec<Recorded> {
    let mut sim = Sim {
        cal,
        now,
        state: None,
        plan: vec![],
        recorded: vec![],
    };
    simulate(rng, &mut sim, p, unit, place, crew, day, day);
    sim.recorded
}
