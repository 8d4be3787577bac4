//! A rendered email as a raw MIME message, for the mail that needs headers
//! SES's simple send cannot set: marketing email with `List-Unsubscribe`.
//!
//! The message is `multipart/alternative` (plain text, then HTML), both
//! parts UTF-8 in base64, so no customer-supplied byte is ever seen by a
//! mail server as MIME structure: base64 has no line an attacker controls,
//! and the boundary contains `_`, which base64 never produces. Headers carry
//! only values already made safe ([`super::header_text`] for the subject,
//! [`super::from_header`] for the sender, a checked address, a URL without
//! white space); a non-ASCII subject is an RFC 2047 encoded word.

use base64::Engine as _;

use crate::domain::mail::OutgoingEmail;

/// The boundary between the parts: `=_` cannot occur in base64 output.
const BOUNDARY: &str = "=_memnun_alternative_0";
/// Longest line of a base64 body (RFC 2045).
const LINE: usize = 76;
/// Bytes of UTF-8 per encoded word, so each stays under 75 characters.
const WORD_BYTES: usize = 42;

/// The raw message for `email`, from `from` (a ready `From` value).
pub fn raw_message(from: &str, email: &OutgoingEmail) -> String {
    let mut out = String::with_capacity(email.html.len() * 4 / 3 + email.text.len() * 4 / 3 + 1024);
    header(&mut out, "From", from);
    header(&mut out, "To", email.to.as_str());
    if let Some(reply_to) = &email.reply_to {
        header(&mut out, "Reply-To", reply_to.as_str());
    }
    header(&mut out, "Subject", &encoded_words(&email.subject));
    header(&mut out, "MIME-Version", "1.0");
    if let Some(url) = email.unsubscribe.as_deref().filter(|u| is_header_safe(u)) {
        header(&mut out, "List-Unsubscribe", &format!("<{url}>"));
        header(
            &mut out,
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click",
        );
    }
    header(
        &mut out,
        "Content-Type",
        &format!("multipart/alternative; boundary=\"{BOUNDARY}\""),
    );
    out.push_str("\r\n");
    part(&mut out, "text/plain", &email.text);
    part(&mut out, "text/html", &email.html);
    out.push_str("--");
    out.push_str(BOUNDARY);
    out.push_str("--\r\n");
    out
}

fn header(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    out.push_str(value);
    out.push_str("\r\n");
}

fn part(out: &mut String, content_type: &str, body: &str) {
    out.push_str("--");
    out.push_str(BOUNDARY);
    out.push_str("\r\n");
    header(
        out,
        "Content-Type",
        &format!("{content_type}; charset=UTF-8"),
    );
    header(out, "Content-Transfer-Encoding", "base64");
    out.push_str("\r\n");
    let encoded = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
    for line in encoded.as_bytes().chunks(LINE) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str("\r\n");
    }
}

/// `s` as is when it is printable ASCII, else as RFC 2047 `B` encoded words
/// (split on character boundaries, folded onto continuation lines).
fn encoded_words(s: &str) -> String {
    let plain = s.chars().all(|c| c == ' ' || c.is_ascii_graphic()) && !s.contains("=?");
    if plain {
        return s.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// A URL fit for a header: printable ASCII, no spaces or angle brackets.
fn is_header_safe(url: &str) -> bool {
    !url.is_empty()
        && url.len() <= 2048
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::EmailAddress;
    use crate::domain::mail::render::Rendered;

    fn email(subject: &str, unsubscribe: Option<&str>) -> OutgoingEmail {
        let e = OutgoingEmail::new(
            EmailAddress::parse("ayse@example.com").unwrap(),
            Rendered {
                subject: subject.into(),
                html: "<p>Mutlu yıllar!</p>\r\n--=_memnun_alternative_0--".into(),
                text: "Mutlu yıllar!".into(),
            },
            "birthday",
        );
        match unsubscribe {
            Some(u) => e.with_unsubscribe(u.into()),
            None => e,
        }
    }

    fn decode_words(v: &str) -> String {
        v.split("\r\n ")
            .map(|w| {
                let b = w
                    .strip_prefix("=?UTF-8?B?")
                    .and_then(|w| w.strip_suffix("?="))
                    .unwrap();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap())
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn marketing_mail_carries_one_click_unsubscribe() {
        let raw = raw_message(
            "\"Shop\" <shop@example.com>",
            &email(
                "Happy birthday",
                Some("https://l.example.com/unsubscribe?t=abc.def"),
            ),
        );
        let (head, _) = raw.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(
                "\r\nList-Unsubscribe: <https://l.example.com/unsubscribe?t=abc.def>\r\n"
            )
        );
        assert!(head.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(head.starts_with("From: \"Shop\" <shop@example.com>\r\nTo: ayse@example.com\r\n"));
        assert!(head.contains("Subject: Happy birthday\r\n"));
    }

    #[test]
    fn a_url_that_could_break_the_header_is_left_out() {
        let raw = raw_message(
            "a@example.com",
            &email("x", Some("https://x\r\nBcc: y@z.com")),
        );
        assert!(!raw.contains("List-Unsubscribe"));
        assert!(!raw.contains("Bcc"));
    }

    #[test]
    fn bodies_are_base64_so_their_text_cannot_end_the_message() {
        let raw = raw_message("a@example.com", &email("x", None));
        // The HTML holds the closing boundary as text; only the real one is a line.
        let closing = format!("\r\n--{BOUNDARY}--\r\n");
        assert_eq!(raw.matches(&closing).count(), 1);
        assert!(raw.ends_with(&closing));
        assert_eq!(raw.matches(&format!("--{BOUNDARY}\r\n")).count(), 2);
        assert!(raw.lines().all(|l| l.len() <= 78));
    }

    #[test]
    fn subjects_beyond_ascii_are_encoded_words_that_decode_back() {
        let subject =
            "Doğum gününüz kutlu olsun, Ayşe! 🎂 İyi ki doğdunuz — Dükkân ailesinden sevgiyle";
        let words = encoded_words(subject);
        assert!(words.split("\r\n ").all(|w| w.len() <= 75));
        assert_eq!(decode_words(&words), subject);
        // An ASCII subject that looks like an encoded word is encoded too.
        assert_eq!(decode_words(&encoded_words("=?x?=")), "=?x?=");
    }

    #[test]
    fn a_reply_to_is_a_header_only_when_set() {
        let plain = raw_message("Dükkan <destek@dukkan.example>", &email("Merhaba", None));
        assert!(!plain.contains("Reply-To:"));
        let desk = EmailAddress::parse("talep@dukkan.zendesk.com").unwrap();
        let with = raw_message(
            "Dükkan <destek@dukkan.example>",
            &email("Merhaba", None).with_reply_to(Some(desk)),
        );
        assert!(
            with.contains("\r\nReply-To: talep@dukkan.zendesk.com\r\n"),
            "{with}"
        );
    }
}
