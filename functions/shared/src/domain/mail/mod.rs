//! Email: addresses, the rendered message, and the rules that keep
//! customer-supplied text from doing harm in it.
//!
//! HTML parts are rendered by askama with escaping on (`templates/*.html`);
//! customer text never becomes template source. Headers get
//! [`header_text`]: no line breaks, no control or bidi-override characters,
//! bounded length — so a name like `"x\r\nBcc: …"` stays a name.

pub mod birthday;
pub mod digest;
pub mod format;
pub mod mime;
pub mod render;
pub mod review_request;
pub mod tickets;

use std::fmt;

use base64::Engine as _;

/// A syntactically valid email address. `Debug` and `Display` are redacted,
/// so an address cannot reach a log by accident; [`EmailAddress::as_str`]
/// gives the address to the one place that needs it, the mailer.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the shape `local@domain.tld` (no spaces, no brackets, no
    /// control characters, at most 254 bytes).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.len() > 254 {
            return Err("must be 1 to 254 bytes".into());
        }
        let forbidden =
            |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c);
        if s.chars().any(forbidden) {
            return Err("has characters an address cannot have".into());
        }
        let (local, domain) = s.rsplit_once('@').ok_or("has no @")?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err("has no valid part before the @".into());
        }
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if !domain.contains('.') || !labels_ok {
            return Err("has no valid domain after the @".into());
        }
        Ok(EmailAddress(s.to_owned()))
    }

    /// The address itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

/// A message ready for the mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The recipient.
    pub to: EmailAddress,
    /// The subject, already safe for a header.
    pub subject: String,
    /// The HTML part.
    pub html: String,
    /// The plain-text part.
    pub text: String,
    /// The template's name, for tags and idempotency keys.
    pub template: &'static str,
    /// For marketing email: the one-click unsubscribe URL, sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058). Service
    /// email (acknowledgements, apologies) has none.
    pub unsubscribe: Option<String>,
    /// Where a reply goes instead of the sender (`Reply-To`): the help
    /// desk's inbound address, on emails about a ticket.
    pub reply_to: Option<EmailAddress>,
}

impl OutgoingEmail {
    /// A rendered email addressed to `to`, named `template` for its tags and
    /// idempotency key.
    pub fn new(to: EmailAddress, rendered: render::Rendered, template: &'static str) -> Self {
        OutgoingEmail {
            to,
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
            template,
            unsubscribe: None,
            reply_to: None,
        }
    }

    /// The same email, its replies going to `reply_to` (when set).
    pub fn with_reply_to(mut self, reply_to: Option<EmailAddress>) -> Self {
        self.reply_to = reply_to;
        self
    }

    /// The same email as marketing, unsubscribed from at `url`.
    pub fn with_unsubscribe(mut self, url: String) -> Self {
        self.unsubscribe = Some(url);
        self
    }
}

/// Text safe to show anywhere: control characters (line breaks included) and
/// bidirectional overrides removed, white space folded, at most `max_chars`
/// characters (an ellipsis marks a cut).
pub fn display_text(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut pending_space = false;
    let mut count = 0;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() || is_bidi_control(c) {
            // Bidi controls vanish; anything else that breaks a line becomes a space.
            pending_space |= !is_bidi_control(c);
            continue;
        }
        if count >= max_chars {
            out.push('…');
            return out;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        pending_space = false;
        out.push(c);
        count += 1;
    }
    out
}

/// [`display_text`] for a header value (at most 200 characters), where `=?`
/// also becomes `= ?`: mail clients decode an RFC 2047 encoded word
/// (`=?utf-8?q?…?=`) wherever it appears in a header, so a name that holds
/// one could smuggle back the line breaks and bidi overrides removed here.
pub fn header_text(s: &str) -> String {
    header_value(s, 200)
}

fn header_value(s: &str, max_chars: usize) -> String {
    let shown = display_text(s, max_chars);
    if shown.contains("=?") {
        // After display_text: removing a bidi control can join `=` and `?`.
        display_text(&shown.replace("=?", "= ?"), max_chars)
    } else {
        shown
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A `From` header value: the display name quoted, or MIME-encoded when it is
/// not plain ASCII (as SES requires for `Source`). The name is cut at 100
/// characters, as shop names are everywhere in the emails, and encoded in
/// words of at most 75 characters (RFC 2047), so the header stays one line
/// well under the 998 bytes a line may have whatever the name's script.
pub fn from_header(display_name: &str, address: &EmailAddress) -> String {
    let name = header_value(display_name, 100);
    if name.is_empty() {
        return address.as_str().to_owned();
    }
    if name.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{}>", address.as_str())
    } else {
        let mut words = Vec::new();
        let mut chunk = String::new();
        for c in name.chars() {
            // 45 bytes of UTF-8 are 60 of base64: 72 with the word's frame.
            if chunk.len() + c.len_utf8() > 45 {
                words.push(std::mem::take(&mut chunk));
            }
            chunk.push(c);
        }
        words.push(chunk);
        let encoded: Vec<String> = words
            .iter()
            .map(|w| {
                let b64 = base64::engine::general_purpose::STANDARD.encode(w.as_bytes());
                format!("=?UTF-8?B?{b64}?=")
            })
            .collect();
        format!("{} <{}>", encoded.join(" "), address.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_never_shown() {
        let a = EmailAddress::parse(" ayse.yilmaz+shop@example.com.tr ").unwrap();
        assert_eq!(a.as_str(), "ayse.yilmaz+shop@example.com.tr");
        assert!(!format!("{a:?}").contains("ayse"));
        for bad in [
            "",
            "ayse",
            "@example.com",
            "ayse@",
            "ayse@localhost",
            "a b@example.com",
            "a@b.com\r\nBcc: x@y.z",
            "<a@b.co>",
            "a@.co",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_text_cannot_break_a_header() {
        assert_eq!(
            header_text("Ayşe\r\nBcc: evil@example.com"),
            "Ayşe Bcc: evil@example.com"
        );
        assert_eq!(header_text("a\u{0}b\u{202E}c"), "a bc");
        assert_eq!(header_text("  many   spaces\t"), "many spaces");
        let long = "ş".repeat(500);
        assert_eq!(header_text(&long).chars().count(), 201);
    }

    #[test]
    fn from_header_encodes_what_is_not_ascii() {
        let sender = EmailAddress::parse("destek@dukkan.com.tr").unwrap();
        assert_eq!(
            from_header("Shop \"A\"", &sender),
            "\"Shop \\\"A\\\"\" <destek@dukkan.com.tr>"
        );
        assert_eq!(
            from_header("Dükkân", &sender),
            "=?UTF-8?B?RMO8a2vDom4=?= <destek@dukkan.com.tr>"
        );
        assert_eq!(from_header("\r\n", &sender), "destek@dukkan.com.tr");
        let long = from_header(&"Dükkân 🎂 ".repeat(100), &sender);
        assert!(long.len() < 998, "{} bytes", long.len());
        assert!(
            long.split(' ')
                .filter(|w| w.starts_with("=?"))
                .all(|w| w.len() <= 75 && w.ends_with("?="))
        );
    }

    #[test]
    fn encoded_words_cannot_be_smuggled_into_a_header() {
        assert_eq!(
            header_text("=?utf-8?q?=0D=0ABcc:_x?="),
            "= ?utf-8?q?=0D=0ABcc:_x?="
        );
        assert_eq!(header_text("=\u{202E}?utf-8?b?x?="), "= ?utf-8?b?x?=");
        assert!(
            !from_header("=?UTF-8?B?4oCu?=", &EmailAddress::parse("a@b.co").unwrap())
                .starts_with("\"=?")
        );
    }
}
