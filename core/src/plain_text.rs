//! What residents type that others will read (a report's description and answers, a display
//! name) is plain text. Two things in it could fool a reader: markup, and characters that
//! do not show but change what is shown (NUL and other controls, and the bidirectional
//! overrides and isolates that make `exe.txt` read as `txt.exe`). Both are refused with a
//! clear message rather than silently dropped, so the resident knows what was sent.

/// Does the text hold markup (`<tag`, `</tag`, `<!--`)? A lone `<` as in "depth < 5 cm" is
/// fine.
pub fn has_markup(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| {
        pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || matches!(pair[1], b'/' | b'!' | b'?'))
    })
}

/// Does the text hold a character that changes how it shows without showing itself? Line
/// breaks and tabs are text; other C0/C1 controls, the bidi embeddings, overrides and
/// isolates (U+202A..U+202E, U+2066..U+2069) and the byte-order mark inside text are not.
pub fn has_hidden_controls(text: &str) -> bool {
    text.chars().any(is_hidden_control)
}

/// One character of those [`has_hidden_controls`] looks for.
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` cut to at most `max` characters.
pub fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// What a provider says that residents will read (a camera's name, a hospital's or a
/// company's refusal, a desk's notes): the one rule for every adapter. A provider's words
/// are outside input like a resident's, but a resident cannot be asked to retype them, so
/// what would change how they show without showing (the characters [`has_hidden_controls`]
/// finds, the invisible bidi marks, zero-width spaces and line separators) is dropped rather
/// than refused; then the text is trimmed and cut to `max` characters.
pub fn provider_text(text: &str, max: usize) -> String {
    let shown: String = text
        .chars()
        .filter(|&c| {
            !is_hidden_control(c)
                && !matches!(
                    c,
                    '\u{200B}'
                        | '\u{2060}'
                        | '\u{200E}'
                        | '\u{200F}'
                        | '\u{061C}'
                        | '\u{2028}'
                        | '\u{2029}'
                )
        })
        .collect();
    shown.trim().chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_tags_not_every_angle_bracket() {
        assert!(has_markup("<script>alert(1)</script>"));
        assert!(has_markup("see <b>here</b>"));
        assert!(has_markup("<!-- hidden -->"));
        assert!(!has_markup("water depth < 5 cm, 3<4"));
        assert!(!has_markup("a -> b"));
    }

    #[test]
    fn provider_text_keeps_what_shows_and_drops_what_reorders_or_hides() {
        assert_eq!(
            provider_text(" Camera\u{202E}gpj.exe ", 40),
            "Cameragpj.exe"
        );
        assert_eq!(
            provider_text("a\u{200F}b\u{2028}c\u{7}d\u{2067}e", 40),
            "abcde"
        );
        assert_eq!(
            provider_text("福田区 · 深南大道\n第二行", 40),
            "福田区 · 深南大道\n第二行"
        );
        assert_eq!(provider_text("abcdef", 3), "abc");
        assert_eq!(provider_text("\u{200F} Name\u{200B} ", 40), "Name");
    }

    #[test]
    fn hidden_controls_are_found_and_ordinary_text_passes() {
        assert!(has_hidden_controls("light\0out"));
        assert!(has_hidden_controls("invoice\u{202E}fdp.exe"));
        assert!(has_hidden_controls("a\u{2066}b"));
        assert!(has_hidden_controls("bell\u{7}"));
        assert!(!has_hidden_controls("路灯不亮\n第二行\t完"));
        assert!(!has_hidden_controls("Ünïcödé – “quotes” and emoji 🚦"));
    }
}
