//! What other features use of payments: amounts as people read them, the payment page's link.

use crate::http::format::percent;

/// An amount in đồng as printed: `50.000 đồng`.
pub fn dong(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && c != '-' && (s.len() - i).is_multiple_of(3) && !out.ends_with('-') {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} đồng")
}

/// The link to the payment page for a dossier found by the lookup.
pub fn pay_link(code: &str, secret: &str) -> String {
    format!(
        "/tra-cuu/thanh-toan?code={}&secret={}",
        percent(code),
        percent(secret)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_group_thousands() {
        assert_eq!(super::dong(0), "0 đồng");
        assert_eq!(super::dong(8_000), "8.000 đồng");
        assert_eq!(super::dong(1_234_567), "1.234.567 đồng");
    }
}
