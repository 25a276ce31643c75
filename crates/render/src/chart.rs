//! Charts as SVG, drawn on the server: no JavaScript, printable, with real text for screen readers.

use std::fmt::Write as _;

/// One group of bars (a month, a unit) with a value per series.
pub struct Group {
    pub label: String,
    pub values: Vec<u64>,
}

/// A grouped bar chart. `series` names each value of a group; colours are chosen for contrast.
pub fn bars(title: &str, series: &[&str], groups: &[Group]) -> String {
    const COLOURS: [&str; 4] = ["#1d70b8", "#d4351c", "#00703c", "#6f72af"];
    let (width, height, left, bottom, top) = (760.0, 300.0, 48.0, 40.0, 36.0);
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_h = height - bottom - top;
    let slot = (width - left - 8.0) / groups.len().max(1) as f64;
    let bar = (slot * 0.8 / series.len().max(1) as f64).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" font-family="sans-serif" font-size="12"><title id="chart-title">{}</title>"#,
        escape(title)
    );
    // Horizontal grid with four steps.
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#b1b4b6" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            width - 8.0,
            left - 6.0,
            y + 4.0,
            v.round() as u64
        );
    }
    for (gi, g) in groups.iter().enumerate() {
        let x0 = left + slot * gi as f64 + slot * 0.1;
        for (si, v) in g.values.iter().enumerate() {
            let h = plot_h * (*v as f64) / max;
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{}"><title>{}: {} {v}</title></rect>"#,
                x0 + bar * si as f64,
                top + plot_h - h,
                bar * 0.95,
                COLOURS[si % COLOURS.len()],
                escape(&g.label),
                escape(series.get(si).copied().unwrap_or(""))
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#0b0c0c">{}</text>"##,
            x0 + slot * 0.4,
            height - bottom + 16.0,
            escape(&g.label)
        );
    }
    for (si, s) in series.iter().enumerate() {
        let x = left + 150.0 * si as f64;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="8" width="12" height="12" fill="{}"/><text x="{}" y="18" fill="#0b0c0c">{}</text>"##,
            COLOURS[si % COLOURS.len()],
            x + 16.0,
            escape(s)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_bar_and_escapes_labels() {
        let svg = bars(
            "Hồ sơ <theo> tháng",
            &["Tiếp nhận", "Quá hạn"],
            &[
                Group {
                    label: "01/2026".into(),
                    values: vec![10, 2],
                },
                Group {
                    label: "02/2026".into(),
                    values: vec![0, 0],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect").count(),
            4 + 2,
            "four bars and two legend keys"
        );
        assert!(svg.contains("Hồ sơ &lt;theo&gt; tháng"));
        assert!(svg.contains("01/2026: Tiếp nhận 10"));
    }
}
