//! How every field of a log line is written: text from outside (an admin's sign-in name, a
//! provider's refusal) can hold line breaks and control characters that would forge a line
//! of its own, or hide or reorder what a reader sees. Each such character is written as an
//! escape (`\u{a}`), in the message and in every field of events and spans alike.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::{
    field::RecordFields,
    fmt::{format::Writer, FormatFields},
};

/// The field formatter of the portal's log (`init_logging`).
#[derive(Clone, Copy, Debug, Default)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Escaping {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes each field as `name=value` (the message bare), escaped.
struct Escaping<'writer> {
    writer: Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl Escaping<'_> {
    fn field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        // `log` records' own metadata, which tracing's bridge passes as fields (the default
        // formatter leaves them out too).
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let name = field.name().strip_prefix("r#").unwrap_or(field.name());
        let separator = if std::mem::take(&mut self.first) {
            ""
        } else {
            " "
        };
        let mut out = EscapingWriter(&mut self.writer);
        self.result = if field.name() == "message" {
            write!(out.0, "{separator}").and_then(|()| out.write_fmt(value))
        } else {
            write!(out.0, "{separator}{name}=").and_then(|()| out.write_fmt(value))
        };
    }
}

impl Visit for Escaping<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, format_args!("{value}"));
    }

    /// The error and what caused it, each after a colon.
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut chain = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        self.field(field, format_args!("{chain}"));
    }

    // `%value` and `?value` fields and the message come here.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, format_args!("{value:?}"));
    }
}

/// Passes text on with every character [`needs_escape`] written as `\u{…}`.
struct EscapingWriter<'a, W: Write>(&'a mut W);

impl<W: Write> Write for EscapingWriter<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some((at, found)) = rest.char_indices().find(|(_, c)| needs_escape(*c)) {
            self.0.write_str(&rest[..at])?;
            write!(self.0, "\\u{{{:x}}}", u32::from(found))?;
            rest = &rest[at + found.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// C0 and C1 controls (line breaks among them), what residents' text may not hold
/// ([`crate::plain_text::is_hidden_control`]: bidirectional embeddings, overrides and
/// isolates), the bidirectional marks, and the Unicode line and paragraph separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || crate::plain_text::is_hidden_control(c)
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    /// Every line the subscriber writes.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    /// What `log` writes, through the portal's formatter.
    fn logged(log: impl FnOnce()) -> String {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields)
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .with_writer(lines.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = lines
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8(bytes).expect("text")
    }

    const FORGED: &str = "admin\n2026-12-06T00:00:00Z  INFO signed in";

    fn one_line(text: &str) -> &str {
        assert_eq!(text.matches('\n').count(), 1, "one line: {text:?}");
        text
    }

    #[test]
    fn a_displayed_field_cannot_start_a_line_of_its_own() {
        let text = logged(|| tracing::warn!(username = %FORGED, "sign-in refused"));
        assert!(
            one_line(&text).contains(r"username=admin\u{a}2026"),
            "{text}"
        );
    }

    #[test]
    fn a_str_field_and_the_message_are_escaped() {
        let forged = FORGED.to_owned();
        let text = logged(|| tracing::info!(words = forged.as_str(), "refused: {forged}"));
        assert!(
            one_line(&text).contains(r"refused: admin\u{a}2026"),
            "{text}"
        );
        assert!(text.contains(r"words=admin\u{a}2026"), "{text}");
    }

    #[test]
    fn an_error_field_is_escaped() {
        let error = std::io::Error::other("bad\r\nline");
        let text = logged(|| tracing::error!(error = &error as &dyn std::error::Error, "failed"));
        assert!(
            one_line(&text).contains(r"error=bad\u{d}\u{a}line"),
            "{text}"
        );
    }

    #[test]
    fn a_span_field_is_escaped() {
        let text = logged(|| {
            let span = tracing::info_span!("request", path = %"/a\nb");
            let _entered = span.enter();
            tracing::info!("handled");
        });
        assert!(one_line(&text).contains(r"path=/a\u{a}b"), "{text}");
    }

    #[test]
    fn separators_c1_controls_and_reordering_are_escaped() {
        let text = logged(
            || tracing::info!(name = %"camera\u{202e}gpj.exe\u{2028}x\u{85}y\u{2067}", "named"),
        );
        assert!(
            one_line(&text).contains(r"name=camera\u{202e}gpj.exe\u{2028}x\u{85}y\u{2067}"),
            "{text}"
        );
    }

    #[test]
    fn raw_names_lose_their_prefix_and_log_metadata_is_left_out() {
        let text = logged(|| tracing::info!(r#type = "camera", "named"));
        assert!(
            text.contains("type=camera") && !text.contains("r#"),
            "{text}"
        );
    }

    #[test]
    fn ordinary_text_is_written_as_it_is() {
        let text = logged(|| tracing::info!(city = %"深圳 Shenzhen", "a tab\tand quotes \"\""));
        assert!(text.contains(r#"a tab\u{9}and quotes """#), "{text}");
        assert!(text.contains("city=深圳 Shenzhen"), "{text}");
    }
}
