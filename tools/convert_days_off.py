#!/usr/bin/env python3
"""Convert ../shared/data/vn-days-off-2017-2026.json into motcua's official-schedule format.

The output (crates/domain/data/official-days-off.json) is a list of yearly schedules in exactly the shape
`motcua calendar import` accepts, with reasons rewritten as short Vietnamese labels that match the
labels the provisional holiday rules generate. Run once when the shared file changes; the output is
committed and embedded in the binary.
"""
import json, re, sys, datetime as dt

STEMS = "Giáp Ất Bính Đinh Mậu Kỷ Canh Tân Nhâm Quý".split()
BRANCHES = "Tý Sửu Dần Mão Thìn Tỵ Ngọ Mùi Thân Dậu Tuất Hợi".split()
WEEKDAY = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]

def can_chi(y):
    return f"{STEMS[(y + 6) % 10]} {BRANCHES[(y + 8) % 12]}"

def d(s):
    return dt.date.fromisoformat(s)

def dm(x):
    return x.strftime("%d/%m/%Y")

def label(date, reason):
    day = d(date)
    r = reason
    if r.startswith("hoán đổi"):
        sat = re.search(r"made up Sat (\d{1,2})/(\d{1,2})/(\d{4})", r)
        made = dt.date(int(sat.group(3)), int(sat.group(2)), int(sat.group(1)))
        return f"Nghỉ hoán đổi, làm bù thứ Bảy {dm(made)}"
    if "Tết Dương lịch" in r:
        if "nghỉ bù" in r:
            return f"Nghỉ bù Tết Dương lịch (01/01 rơi vào {WEEKDAY[dt.date(day.year, 1, 1).weekday()]})"
        return "Tết Dương lịch"
    if r.startswith("Tết"):
        # Tết (the earliest possible is 21 January) and its span always fall in the new year's
        # Gregorian year, so the year's stem-branch names the holiday.
        return f"Tết {can_chi(day.year)}"
    if "Giỗ Tổ" in r:
        if "nghỉ bù" in r:
            return "Nghỉ bù Giỗ Tổ Hùng Vương (rơi vào ngày nghỉ hằng tuần)"
        return "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
    if "30/4" in r and "nghỉ bù" in r:
        return "Nghỉ bù Ngày Chiến thắng 30/4 (rơi vào ngày nghỉ hằng tuần)"
    if "1/5" in r and "nghỉ bù" in r:
        return "Nghỉ bù Quốc tế Lao động 1/5 (rơi vào ngày nghỉ hằng tuần)"
    if "Chiến thắng" in r:
        return "Ngày Chiến thắng 30/4"
    if "Lao động" in r:
        return "Quốc tế Lao động 1/5"
    if "Quốc khánh" in r or "2/9" in r:
        if "nghỉ bù" in r:
            return "Nghỉ bù Quốc khánh 2/9 (rơi vào ngày nghỉ hằng tuần)"
        if "extra" in r:
            return "Quốc khánh (ngày liền kề 2/9)"
        return "Quốc khánh 2/9"
    raise SystemExit(f"unclassified reason for {date}: {reason}")

def main(src, out):
    data = json.load(open(src, encoding="utf-8"))
    years = []
    for y, v in sorted(data["years"].items()):
        offs, sats = [], []
        for x in v["details"]:
            if x["kind"] == "day_off":
                offs.append({"date": x["date"], "reason": label(x["date"], x["reason"])})
            elif x["kind"] == "working_saturday":
                made = re.search(r"for (\d{1,2})/(\d{1,2})/(\d{4})", x["reason"])
                day_off = dt.date(int(made.group(3)), int(made.group(2)), int(made.group(1)))
                sats.append({"date": x["date"], "reason": f"Làm bù cho ngày nghỉ {dm(day_off)}"})
        assert sorted(o["date"] for o in offs) == sorted(v["days_off"]), y
        assert sorted(s["date"] for s in sats) == sorted(v["working_weekend_days"]), y
        years.append({"year": int(y), "sources": v["sources"], "days_off": offs, "working_saturdays": sats})
    with open(out, "w", encoding="utf-8") as f:
        json.dump(years, f, ensure_ascii=False, indent=1)
        f.write("\n")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
