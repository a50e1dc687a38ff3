//! A table as data — a title, headers, rows of text and a note below — so that the
//! Markdown files and `report.html` render the same cells from one source, each in its
//! own syntax ([`Table::markdown`] here, `html::table` for the page).

use std::fmt::Write;

/// A titled table of text cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// What the table compares (a Markdown `###` heading, an HTML `<h3>`).
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
    /// A line below the table (what it leaves out), if any.
    pub note: Option<String>,
}

impl Table {
    /// `### title`, the table in Markdown, and the note.
    pub fn markdown(&self) -> String {
        format!("\n### {}\n\n{}", self.title, self.grid())
    }

    /// The table in Markdown, and the note, without the title.
    pub fn grid(&self) -> String {
        let mut out = String::from("|");
        for header in &self.headers {
            let _ = write!(out, " {} |", escape(header));
        }
        let _ = write!(out, "\n|{}\n", "---|".repeat(self.headers.len()));
        for row in &self.rows {
            out.push('|');
            for cell in row {
                let _ = write!(out, " {} |", escape(cell));
            }
            out.push('\n');
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "\n{note}");
        }
        out
    }

    /// The first Markdown table in `markdown` (a header row, a `---` row, then rows),
    /// titled `title`; `None` when it holds none. Escaped pipes (`\|`) stay in their cell.
    pub fn from_markdown(title: &str, markdown: &str) -> Option<Table> {
        let mut lines = markdown.lines().map(str::trim).skip_while(|line| !line.starts_with('|'));
        let headers = cells(lines.next()?);
        lines.next().filter(|line| line.starts_with("|-") || line.starts_with("| -"))?;
        let rows = lines.take_while(|line| line.starts_with('|')).map(cells).collect();
        Some(Table { title: title.to_owned(), headers, rows, note: None })
    }
}

/// The cells of a Markdown table row, `\|` read as a literal pipe.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').filter(|rest| !rest.ends_with('\\')).unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next_if_eq(&'|').is_some() => cells.last_mut().unwrap().push('|'),
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|cell| cell.trim().to_owned()).collect()
}

/// Keeps a Markdown table cell on one line and its pipes literal.
pub fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_pipes_and_newlines() {
        let table = Table {
            title: "t".into(),
            headers: vec!["a".into(), "b|c".into()],
            rows: vec![vec!["1\n2".into(), "x".into()]],
            note: Some("n".into()),
        };
        let markdown = table.markdown();
        assert_eq!(markdown, "\n### t\n\n| a | b\\|c |\n|---|---|\n| 1 2 | x |\n\nn\n");
        let read = Table::from_markdown("t", &markdown).unwrap();
        assert_eq!(read.headers, ["a", "b|c"]);
        assert_eq!(read.rows, [["1 2", "x"]]);
        assert_eq!(Table::from_markdown("t", "no table here"), None);
    }
}
