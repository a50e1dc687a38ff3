//! The page's building blocks: escaping, tables, the stylesheet and the sorting script.
//!
//! Markup is written with `write!` and [`escape`] rather than a templating crate (askama,
//! maud): the page is a dozen kinds of element filled from the report's own types, which
//! a template language would only restate, and a proc-macro crate would add its build to
//! every build of rtbench. Every text that comes from data goes through [`escape`] (the
//! five characters that can end an element or an attribute); the SVG charts are inserted
//! as plotters wrote them, which escapes its own text.

use std::fmt::Write;

use crate::report::tabular::Table;

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` with Markdown's `**bold**` and `` `code` `` as HTML, everything else escaped
/// (the findings and environment lines are written for Markdown first).
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    let (mut bold, mut code) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !code && rest.starts_with("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = &rest[2..];
            continue;
        }
        if c == '`' {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
        } else {
            out.push_str(&escape(&c.to_string()));
        }
        rest = &rest[c.len_utf8()..];
    }
    // An unpaired marker would leave an element open: close it.
    if code {
        out.push_str("</code>");
    }
    if bold {
        out.push_str("</strong>");
    }
    out
}

/// `table` as `<h3>`, a sortable `<table>` and its note.
pub fn table(out: &mut String, table: &Table) {
    let _ =
        write!(out, "<h3>{}</h3>\n<table class=\"sortable\">\n<thead><tr>", escape(&table.title));
    for header in &table.headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (column, cell) in row.iter().enumerate() {
            let class = match cell.as_str() {
                text if text.starts_with("FAILED") => " class=\"failed\"",
                text if text.starts_with("n/a") => " class=\"na\"",
                _ => "",
            };
            let tag = if column == 0 { "th scope=\"row\"" } else { "td" };
            let end = if column == 0 { "th" } else { "td" };
            let _ = write!(out, "<{tag}{class}>{}</{end}>", inline(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(note) = &table.note {
        let _ = writeln!(out, "<p>{}</p>", inline(note));
    }
}

/// A whole page: `body` with the style in its head and the sorting script at its end,
/// nothing fetched from anywhere.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}<script>{SCRIPT}\
         </script>\n</body>\n</html>\n",
        escape(title)
    )
}

/// The page's style: readable without it, tidier with it.
pub const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d1d1f;
  max-width: 1180px; margin: 0 auto; padding: 0 1.2em 3em; }
h1 { margin-top: 1em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
nav ul { columns: 3; list-style: none; padding: 0; } nav li { margin: .1em 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: .25em .55em; text-align: left; vertical-align: top; }
thead th { background: #f0f2f5; cursor: pointer; white-space: nowrap; }
thead th[aria-sort=ascending]::after { content: ' \\25B2'; }
thead th[aria-sort=descending]::after { content: ' \\25BC'; }
tbody tr:nth-child(even) { background: #fafafa; }
td.na, th.na { color: #555; font-style: italic; } td.failed, th.failed { color: #a01e1e; font-weight: 600; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; display: block; }
blockquote { border-left: 4px solid #e0a030; margin: .6em 0; padding: .2em .8em; background: #fff8e8; }
code { font-size: 90%; background: #f3f3f3; padding: 0 .2em; }
";

/// Sorts a table by a clicked header: numbers by value (digit groups ignored), other text
/// alphabetically; a second click reverses. Marks the page `data-sortable="ready"` once
/// set up, which the browser test reads as proof that the script ran to its end.
pub const SCRIPT: &str = "
(function () {
  function key(row, column) {
    var cell = row.cells[column];
    var text = cell ? cell.textContent.trim() : '';
    var value = parseFloat(text.replace(/[\\u202f\\s]/g, ''));
    return isNaN(value) ? text : value;
  }
  function compare(a, b) {
    if (typeof a === 'number' && typeof b === 'number') { return a - b; }
    if (typeof a === 'number') { return -1; }
    if (typeof b === 'number') { return 1; }
    return a.localeCompare(b);
  }
  document.querySelectorAll('table.sortable thead th').forEach(function (header) {
    header.tabIndex = 0;
    header.title = 'Sort by this column';
    header.addEventListener('click', function () {
      var table = header.closest('table');
      var body = table.tBodies[0];
      var column = Array.prototype.indexOf.call(header.parentNode.children, header);
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (other) {
        other.removeAttribute('aria-sort');
      });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var order = compare(key(a, column), key(b, column));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  document.documentElement.setAttribute('data-sortable', 'ready');
})();
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_what_ends_an_element_or_attribute() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("n/a: 4\u{202F}070 µs"), "n/a: 4\u{202F}070 µs");
    }

    #[test]
    fn inline_markdown_becomes_elements_and_the_rest_is_escaped() {
        assert_eq!(
            inline("**gather** <b> `x<y`"),
            "<strong>gather</strong> &lt;b&gt; <code>x&lt;y</code>"
        );
        assert_eq!(inline("`open"), "<code>open</code>", "never an element left open");
    }

    #[test]
    fn tables_mark_failed_and_na_cells() {
        let mut out = String::new();
        let rows = vec![vec!["a<".into(), "FAILED: boom".into(), "n/a: no tcp".into()]];
        let headers = vec!["runtime".into(), "x".into(), "y".into()];
        table(&mut out, &Table { title: "T".into(), headers, rows, note: Some("n".into()) });
        assert!(out.contains("<th scope=\"row\">a&lt;</th>"), "{out}");
        assert!(out.contains("<td class=\"failed\">FAILED: boom</td>"), "{out}");
        assert!(out.contains("<td class=\"na\">n/a: no tcp</td>"), "{out}");
        assert!(out.contains("<p>n</p>"), "{out}");
    }
}
