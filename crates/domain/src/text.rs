//! Text at the edge: every input is normalised to NFC (some Vietnamese keyboards emit NFD), and one
//! folding function serves search on every backend: marks dropped, đ -> d, lower case.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC-normalises and trims a piece of user input.
pub fn clean(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Folds Vietnamese text for search: "Đăng ký Kết hôn" -> "dang ky ket hon". Compatibility
/// decomposition (ligatures and full-width forms fold too), lower case, marks dropped.
pub fn fold_vi(s: &str) -> String {
    s.nfkd()
        .collect::<String>()
        .to_lowercase()
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Vietnamese without its marks, case kept: "Hồ sơ Đã tiếp nhận" -> "Ho so Da tiep nhan" (a text
/// message in plain characters, as brand-name SMS in Vietnam are usually sent).
pub fn without_marks(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect::<String>()
        .nfc()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold_vi("Đăng ký kết hôn"), "dang ky ket hon");
        assert_eq!(fold_vi("ĐĂNG KÝ KẾT HÔN"), "dang ky ket hon");
        assert_eq!(fold_vi("dang ky ket hon"), "dang ky ket hon");
        assert_eq!(fold_vi("Chứng thực bản sao"), "chung thuc ban sao");
        // NFD input folds the same as NFC.
        let nfd: String = "Ưu đãi người có công".nfd().collect();
        assert_eq!(fold_vi(&nfd), fold_vi("Ưu đãi người có công"));
        assert_eq!(clean(&format!("  {nfd} ")), "Ưu đãi người có công");
        assert_eq!(
            without_marks("Hồ sơ ĐÃ tiếp nhận: Ưu đãi, đúng hạn."),
            "Ho so DA tiep nhan: Uu dai, dung han."
        );
    }
}
