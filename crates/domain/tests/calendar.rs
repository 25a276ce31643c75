//! Calendar properties and tables: deadlines against random inputs, schedules and lunar dates against
//! published data.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use motcua_domain::calendar::{
    DayLimitEnd, DeadlineRules, Limit, LunarCalendar, Pause, RulesFrom, WorkCalendar,
    shipped_schedules,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn calendar() -> &'static WorkCalendar {
    static CAL: OnceLock<WorkCalendar> = OnceLock::new();
    CAL.get_or_init(WorkCalendar::vietnam)
}

fn in_working_time(cal: &WorkCalendar, t: NaiveDateTime) -> bool {
    cal.is_working_day(t.date()).unwrap()
        && cal
            .hours()
            .periods(t.date())
            .iter()
            .any(|p| p.start <= t.time() && t.time() <= p.end)
}

/// Any minute of 2016-2030.
fn instant() -> impl Strategy<Value = NaiveDateTime> {
    (0i64..15 * 366, 0u32..24 * 60).prop_map(|(day, minute)| {
        NaiveDate::from_ymd_opt(2016, 1, 1)
            .unwrap()
            .and_time(NaiveTime::MIN)
            + TimeDelta::days(day)
            + TimeDelta::minutes(i64::from(minute))
    })
}

fn limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        Just(Limit::SameDay),
        (1u32..=60).prop_map(Limit::WorkingDays),
        (1u32..=80 * 60).prop_map(Limit::WorkingMinutes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn due_is_inside_working_time(received in instant(), limit in limit()) {
        let cal = calendar();
        let due = cal.due(received, limit).unwrap();
        prop_assert!(in_working_time(cal, due.due), "{received} {limit:?} -> {}", due.due);
        prop_assert!(due.due > received);
        prop_assert!(in_working_time(cal, due.start));
        for s in &due.skipped {
            prop_assert!(!cal.is_working_day(s.date).unwrap());
        }
    }

    #[test]
    fn one_more_day_is_never_earlier(received in instant(), n in 1u32..=120) {
        let cal = calendar();
        let a = cal.due(received, Limit::WorkingDays(n)).unwrap().due;
        let b = cal.due(received, Limit::WorkingDays(n + 1)).unwrap().due;
        prop_assert!(b > a);
        let a = cal.due(received, Limit::WorkingMinutes(n * 30)).unwrap().due;
        let b = cal.due(received, Limit::WorkingMinutes(n * 30 + 1)).unwrap().due;
        prop_assert!(b > a);
    }

    #[test]
    fn a_day_off_never_moves_a_due_time_earlier(
        received in instant(), limit in limit(), extra in 0i64..60,
    ) {
        let base = calendar();
        let before = base.due(received, limit).unwrap().due;
        let mut cal = base.clone();
        let day = received.date() + TimeDelta::days(extra);
        cal.add_day_off(day, "thử / test").unwrap();
        let after = cal.due(received, limit).unwrap();
        prop_assert!(after.due >= before, "{day}: {} < {before}", after.due);
        prop_assert!(after.due.date() != day);
    }

    #[test]
    fn pauses_never_shorten(
        received in instant(), limit in limit(),
        pauses in proptest::collection::vec((0i64..40 * 24 * 60, 0i64..10 * 24 * 60), 0..4),
        open in any::<bool>(),
    ) {
        let cal = calendar();
        let plain = cal.due(received, limit).unwrap();
        let mut list: Vec<Pause> = pauses.iter().map(|&(start, len)| Pause {
            from: received + TimeDelta::minutes(start),
            to: Some(received + TimeDelta::minutes(start + len)),
        }).collect();
        if open && let Some(last) = list.last_mut() {
            last.to = None;
        }
        let now = received + TimeDelta::days(60);
        let paused = cal.due_with_pauses(received, limit, &list, now).unwrap();
        prop_assert!(paused.due >= plain.due);
        prop_assert!(in_working_time(cal, paused.due));
        prop_assert_eq!(
            cal.working_seconds_between(plain.start, paused.due).unwrap()
                - cal.working_seconds_between(plain.start, plain.due).unwrap(),
            paused.paused_seconds
        );
    }
}

/// A cut-off between 14:00 and 16:30, on the quarter hour.
fn cutoff() -> impl Strategy<Value = NaiveTime> {
    (0u32..=10).prop_map(|q| {
        NaiveTime::from_hms_opt(14, 0, 0).unwrap() + TimeDelta::minutes(i64::from(q) * 15)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn same_day_is_the_close_of_the_first_working_day_or_after_the_cut_off_the_next(
        received in instant(), cut in cutoff(),
    ) {
        let cal = calendar().localised(None, &[RulesFrom {
            effective_from: NaiveDate::MIN,
            rules: DeadlineRules { same_day_cutoff: cut, ..DeadlineRules::default() },
        }]);
        let due = cal.due(received, Limit::SameDay).unwrap();
        let close = |d: NaiveDate| d.and_time(cal.hours().periods(d).last().unwrap().end);
        // The due time is always a day's close, on a working day.
        prop_assert!(cal.is_working_day(due.due.date()).unwrap());
        prop_assert_eq!(due.due, close(due.due.date()));
        let counted_today = due.start.date() == received.date();
        if counted_today && due.start.time() <= cut {
            prop_assert_eq!(due.due.date(), received.date());
        } else if counted_today {
            // After the cut-off: the next working day, with nothing worked in between.
            prop_assert!(due.due.date() > received.date());
            let mut d = received.date().succ_opt().unwrap();
            while d < due.due.date() {
                prop_assert!(!cal.is_working_day(d).unwrap(), "{d} is worked");
                d = d.succ_opt().unwrap();
            }
        } else {
            // Received outside a working day's hours: the close of the day the clock starts.
            prop_assert_eq!(due.due.date(), due.start.date());
        }
        // A later cut-off never makes it later.
        let later = calendar().localised(None, &[RulesFrom {
            effective_from: NaiveDate::MIN,
            rules: DeadlineRules {
                same_day_cutoff: cut + TimeDelta::minutes(30),
                ..DeadlineRules::default()
            },
        }]);
        prop_assert!(later.due(received, Limit::SameDay).unwrap().due <= due.due);
    }

    #[test]
    fn close_of_day_ends_on_the_same_day_as_the_clock_time_and_never_earlier(
        received in instant(), n in 1u32..=60,
    ) {
        let base = calendar();
        let close = base.localised(None, &[RulesFrom {
            effective_from: NaiveDate::MIN,
            rules: DeadlineRules { day_limit_end: DayLimitEnd::CloseOfDay, ..DeadlineRules::default() },
        }]);
        let a = base.due(received, Limit::WorkingDays(n)).unwrap().due;
        let b = close.due(received, Limit::WorkingDays(n)).unwrap().due;
        prop_assert_eq!(a.date(), b.date());
        prop_assert!(b >= a);
        prop_assert_eq!(b.time(), base.hours().periods(b.date()).last().unwrap().end);
    }
}

#[test]
fn official_schedules_are_what_the_calendar_says() {
    let cal = calendar();
    for year in shipped_schedules() {
        for off in &year.days_off {
            let day = cal.day(off.date).unwrap();
            assert!(!day.working, "{}", off.date);
            assert!(day.official);
            assert_eq!(day.reason.as_deref(), Some(off.reason.as_str()));
        }
        for w in &year.working_saturdays {
            assert!(cal.day(w.date).unwrap().working, "{}", w.date);
        }
        // Every other weekday of an official year is worked.
        let listed: Vec<NaiveDate> = year.days_off.iter().map(|d| d.date).collect();
        let jan1 = NaiveDate::from_ymd_opt(year.year, 1, 1).unwrap();
        for d in jan1
            .iter_days()
            .take_while(|d| d.format("%Y").to_string() == year.year.to_string())
        {
            let weekend = motcua_domain::calendar::is_weekend(d);
            let worked_weekend = year.working_saturdays.iter().any(|w| w.date == d);
            let expected = (!weekend || worked_weekend) && !listed.contains(&d);
            assert_eq!(cal.is_working_day(d).unwrap(), expected, "{d}");
        }
    }
}

#[derive(serde::Deserialize)]
struct Published {
    tet: BTreeMap<i32, NaiveDate>,
    hung_kings: BTreeMap<i32, NaiveDate>,
    vn_vs_cn: BTreeMap<i32, BTreeMap<String, NaiveDate>>,
}

#[test]
fn published_lunar_dates() {
    let published: Published =
        serde_json::from_str(include_str!("data/published-lunar-dates.json")).unwrap();
    let vn = LunarCalendar::vietnam();
    let cn = LunarCalendar::with_utc_offset(8.0);
    assert!(published.tet.len() > 40);
    for (year, date) in &published.tet {
        assert_eq!(vn.new_year(*year).unwrap(), *date, "Tết {year}");
    }
    for (year, date) in &published.hung_kings {
        let l = vn.to_lunar(*date).unwrap();
        assert_eq!((l.year, l.month, l.day, l.leap), (*year, 3, 10, false));
    }
    for (year, both) in &published.vn_vs_cn {
        assert_eq!(vn.new_year(*year).unwrap(), both["vietnam_utc7"]);
        assert_eq!(cn.new_year(*year).unwrap(), both["china_utc8"]);
    }
}
