//! Text inside the elements whose content the HTML parser does not read as markup
//! (`<title>`, `<textarea>`): anything typed there that closes the element would open
//! markup of its own. The renderer we use writes both raw (tachys renders `<textarea>`
//! children unescaped; leptos_meta pushes the title string as it is), and upstream has
//! changed this back and forth, so this module escapes them itself, once, in a way that
//! does not depend on the renderer: a textarea's text goes in as `inner_html` (raw by
//! contract), and the title as text the tests check is escaped exactly once.
//!
//! `<script>` and `<style>` never hold anything but our own constant text.

use leptos::prelude::*;

/// `text` with `&`, `<`, `>` and `"` written as character references.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The markup for a `<textarea>` holding `text`, for its `inner_html`. The parser drops one
/// newline right after `<textarea>`, so a text that starts with one gets another in front.
pub fn textarea_content(text: &str) -> String {
    let escaped = escape_text(text);
    if text.starts_with('\n') {
        format!("\n{escaped}")
    } else {
        escaped
    }
}

/// The page's `<title>`, whatever its text holds.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <leptos_meta::Title text=escape_text(&text)/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_tags_and_references_are_written_as_text() {
        assert_eq!(
            escape_text(r#"</textarea><b a="1">&amp;"#),
            "&lt;/textarea&gt;&lt;b a=&quot;1&quot;&gt;&amp;amp;"
        );
        assert_eq!(textarea_content("\nsecond line"), "\n\nsecond line");
        assert_eq!(textarea_content("路灯 < 5 m"), "路灯 &lt; 5 m");
    }
}
