//! Sets of CPUs in the list form Linux writes and `taskset -c` reads (`0-3,8,10-11`):
//! what `--pin` takes, and how the kernel names the online CPUs and the ones this
//! process may run on. One parser for all three, so a pin is checked against the
//! machine in the machine's own terms.
//!
//! A set is kept as sorted, merged ranges rather than a list of CPUs: `--pin 0-4000000000`
//! is then a small value that the check against the machine refuses, not a huge list.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A non-empty set of CPU numbers. Written and recorded as its list (`"0-3,5"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CpuSet {
    /// Sorted, disjoint and not adjacent: `0-3,5`, never `0-1,2-3` or `5,0-3`.
    ranges: Vec<RangeInclusive<usize>>,
}

impl CpuSet {
    /// The CPUs the kernel has online (`/sys/devices/system/cpu/online`).
    pub fn online() -> Option<CpuSet> {
        std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?.parse().ok()
    }

    /// The CPUs this process may run on (`Cpus_allowed_list` in `/proc/self/status`): a
    /// container or `taskset` around `rtbench` narrows them.
    pub fn allowed() -> Option<CpuSet> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        status.lines().find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?.parse().ok()
    }

    /// How many CPUs the set holds.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|range| range.end() - range.start() + 1).sum()
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: usize) -> bool {
        self.ranges.iter().any(|range| range.contains(&cpu))
    }

    /// The first CPU of this set that `other` lacks, if any. Stops at the first one, so
    /// a huge range is not walked.
    pub fn first_outside(&self, other: &CpuSet) -> Option<usize> {
        self.ranges.iter().flat_map(Clone::clone).find(|&cpu| !other.contains(cpu))
    }

    /// The CPUs, in increasing order.
    pub fn cpus(&self) -> impl Iterator<Item = usize> + '_ {
        self.ranges.iter().flat_map(Clone::clone)
    }
}

impl FromStr for CpuSet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut ranges = text
            .trim()
            .split(',')
            .map(|part| parse_range(part.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|problem| {
                format!("`{text}` is not a CPU list such as 0, 0-3 or 1,3: {problem}")
            })?;
        ranges.sort_by_key(|range| *range.start());
        Ok(CpuSet { ranges: merged(ranges) })
    }
}

/// `N` or `N-M` with `N ≤ M`.
fn parse_range(part: &str) -> Result<RangeInclusive<usize>, String> {
    let number = |text: &str| {
        text.trim().parse::<usize>().map_err(|_| format!("`{text}` is not a CPU number"))
    };
    match part.split_once('-') {
        _ if part.is_empty() => Err("an empty entry".to_owned()),
        Some((first, last)) => match (number(first)?, number(last)?) {
            (first, last) if first <= last => Ok(first..=last),
            (first, last) => Err(format!("{first}-{last} runs backwards")),
        },
        None => number(part).map(|cpu| cpu..=cpu),
    }
}

/// Sorted ranges with overlapping and adjacent ones joined.
fn merged(sorted: Vec<RangeInclusive<usize>>) -> Vec<RangeInclusive<usize>> {
    let mut out: Vec<RangeInclusive<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if *range.start() <= last.end().saturating_add(1) => {
                *last = *last.start()..=*range.end().max(last.end());
            }
            _ => out.push(range),
        }
    }
    out
}

impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, range) in self.ranges.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match range.start() == range.end() {
                true => write!(f, "{}", range.start())?,
                false => write!(f, "{}-{}", range.start(), range.end())?,
            }
        }
        Ok(())
    }
}

impl From<CpuSet> for String {
    fn from(set: CpuSet) -> String {
        set.to_string()
    }
}

impl TryFrom<String> for CpuSet {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> CpuSet {
        text.parse().unwrap()
    }

    #[test]
    fn lists_take_single_cpus_ranges_and_both() {
        assert_eq!(set("0").cpus().collect::<Vec<_>>(), [0]);
        assert_eq!(set("0-3").cpus().collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!(set("1,3").cpus().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(set(" 8-9, 2 ,4-5\n").cpus().collect::<Vec<_>>(), [2, 4, 5, 8, 9]);
        assert_eq!(set("0-1,8-11").len(), 6);
    }

    #[test]
    fn lists_are_written_in_the_kernels_own_form() {
        assert_eq!(set("5,0-3").to_string(), "0-3,5");
        assert_eq!(set("2-3,0-1,1").to_string(), "0-3");
        assert_eq!(set("3,1").to_string(), "1,3");
        assert_eq!(serde_json::to_string(&set("1,3")).unwrap(), "\"1,3\"");
        assert_eq!(serde_json::from_str::<CpuSet>("\"0-1\"").unwrap(), set("1,0"));
    }

    #[test]
    fn malformed_lists_say_what_is_wrong() {
        for (text, problem) in [
            ("", "an empty entry"),
            ("1,,2", "an empty entry"),
            ("3-1", "3-1 runs backwards"),
            ("cpu0", "`cpu0` is not a CPU number"),
            ("-1", "`` is not a CPU number"),
            ("0-", "`` is not a CPU number"),
        ] {
            let error = text.parse::<CpuSet>().unwrap_err();
            assert!(error.contains(problem), "{text:?}: {error}");
            assert!(error.contains("0, 0-3 or 1,3"), "{error}");
        }
    }

    #[test]
    fn the_first_cpu_outside_another_set_is_found_without_walking_a_huge_range() {
        let online = set("0-1");
        assert_eq!(set("1").first_outside(&online), None);
        assert_eq!(set("0,99999").first_outside(&online), Some(99999));
        assert_eq!(set("0-4000000000").first_outside(&online), Some(2));
    }
}
