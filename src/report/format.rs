//! Figures as people read them: three significant digits, digits grouped in thousands
//! (`4 070 664`, never `4070664`), and SI prefixes (`4.07 M`) where space is short —
//! chart ticks and the labels beside bars.
//!
//! The group separator is U+202F, a narrow no-break space (the SI convention): it never
//! reads as a decimal mark in any locale, and a figure never breaks across lines.

/// Between groups of three digits.
pub const GROUP: char = '\u{202F}';

/// A figure with as many decimals as its size deserves (3 significant digits or more),
/// its integer digits grouped in thousands from 10 000 up (`12 346`, `1234`).
pub fn number(value: f64) -> String {
    let text = match value.abs() {
        v if v >= 100.0 || v == 0.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        v if v >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    };
    match value.abs() >= 10_000.0 {
        true => grouped(&text),
        false => text,
    }
}

/// `text`, an integer with an optional sign, its digits grouped in thousands.
fn grouped(text: &str) -> String {
    let (sign, digits) = text.split_at(usize::from(text.starts_with('-')));
    let mut out = String::from(sign);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(GROUP);
        }
        out.push(digit);
    }
    out
}

/// A figure with an SI prefix from a thousand up (`7 M`, `12.5 k`, `950`, `0.25`): three
/// significant digits at most, trailing zeros dropped, for chart ticks and bar labels.
pub fn si(value: f64) -> String {
    let prefixes = [(1e12, " T"), (1e9, " G"), (1e6, " M"), (1e3, " k")];
    let (scaled, prefix) = prefixes
        .iter()
        .find(|(scale, _)| value.abs() >= *scale)
        .map_or((value, ""), |(scale, prefix)| (value / scale, *prefix));
    let digits = number(scaled);
    let digits = match digits.contains('.') {
        true => digits.trim_end_matches('0').trim_end_matches('.'),
        false => &digits,
    };
    format!("{digits}{prefix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(number(1234.5), "1234");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.2345), "1.23");
        assert_eq!(number(0.012345), "0.012");
        assert_eq!(number(0.0), "0");
    }

    #[test]
    fn large_numbers_are_grouped_in_thousands() {
        assert_eq!(number(12345.6), "12\u{202F}346");
        assert_eq!(number(7_000_000.0), "7\u{202F}000\u{202F}000");
        assert_eq!(number(-4_070_664.0), "-4\u{202F}070\u{202F}664");
        assert_eq!(number(999_999.0), "999\u{202F}999");
    }

    #[test]
    fn si_prefixes_shorten_large_numbers() {
        assert_eq!(si(7_000_000.0), "7 M");
        assert_eq!(si(4_070_664.0), "4.07 M");
        assert_eq!(si(12_500.0), "12.5 k");
        assert_eq!(si(1000.0), "1 k");
        assert_eq!(si(950.0), "950");
        assert_eq!(si(0.25), "0.25");
        assert_eq!(si(2.0), "2");
        assert_eq!(si(0.0), "0");
        assert_eq!(si(3.2e9), "3.2 G");
    }
}
