//! Reads a raw received mail (RFC 5322 and MIME) into an
//! [`InboundMail`], with `mail-parser`.
//!
//! Why that crate: it is maintained (Stalwart's mail server parses every
//! message with it), it is fuzzed and never panics on hostile input, and it
//! decodes everything customers' clients send without a second crate:
//! RFC 2047 encoded words in the subject, base64 and quoted-printable
//! bodies, and the single-byte charsets Turkish mail still arrives in
//! (ISO-8859-9, Windows-1254). It makes an HTML-only mail's body text too.
//!
//! Only the first text body is read; attachments are counted and never
//! decoded into anything memnun keeps. The caller bounds the input's size
//! before it gets here.
//!
//! A mail with no plain part (some web and phone clients send HTML only)
//! is cut at the container its client puts the quoted history in (Gmail's
//! `gmail_quote`, Outlook's `divRplyFwdMsg` and `appendonsend`, Apple
//! Mail's and Thunderbird's `blockquote`, Yahoo's `yahoo_quoted`) before
//! it is made text, since a quote's markup, not its words, is what marks
//! it there; block elements become line breaks so the line rules of
//! [`crate::domain::reply`] still apply to what is left.

use mail_parser::MessageParser;
use mail_parser::decoders::html::html_to_text;

use crate::domain::inbound::InboundMail;
use crate::domain::mail::EmailAddress;

/// Reads `raw`; `None` when it is not a message (no headers, or no `From`
/// address to answer).
pub fn read(raw: &[u8]) -> Option<InboundMail> {
    let message = MessageParser::default().parse(raw)?;
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(|a| EmailAddress::parse(a).ok())?;
    let raw_header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let automatic = raw_header("Auto-Submitted").is_some_and(|v| !v.starts_with("no"))
        || raw_header("Precedence")
            .is_some_and(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()))
        || raw_header("List-Id").is_some()
        || raw_header("X-Autoreply").is_some()
        || raw_header("X-Autorespond").is_some()
        || raw_header("Return-Path").is_some_and(|v| v == "<>");
    let (text, quoted) = match message.text_part(0).map(|p| &p.body) {
        Some(mail_parser::PartType::Text(text)) => (text.to_string(), String::new()),
        _ => match message.body_html(0) {
            Some(html) => html_reply(&html),
            None => (String::new(), String::new()),
        },
    };
    Some(InboundMail {
        from: Some(from),
        subject: message.subject().map(str::to_owned),
        message_id: message.message_id().map(str::to_owned),
        text,
        quoted,
        automatic,
        attachments: message.attachment_count(),
    })
}

/// Where clients start the quoted history in HTML, lower case.
const HTML_QUOTES: [&str; 7] = [
    "<div class=\"gmail_quote",
    "<div id=\"divrplyfwdmsg\"",
    "<div id=\"appendonsend\"",
    "<div class=\"yahoo_quoted",
    "<div name=\"messagereplysection\"",
    "<hr id=\"stopspelling\"",
    "<blockquote",
];

/// An HTML body as text: the reply above the first quote container, and
/// the quoted history below it.
fn html_reply(html: &str) -> (String, String) {
    // ASCII lower-casing keeps every byte where it was.
    let lower = html.to_ascii_lowercase();
    let cut = HTML_QUOTES
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .unwrap_or(html.len());
    (as_text(&html[..cut]), as_text(&html[cut..]))
}

/// HTML made text, block elements made line breaks.
fn as_text(html: &str) -> String {
    const BLOCKS: [&str; 9] = [
        "<div",
        "</div",
        "<p",
        "<hr",
        "<blockquote",
        "</blockquote",
        "</li",
        "</tr",
        "</h",
    ];
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 64);
    let mut last = 0;
    for (at, _) in lower.match_indices('<') {
        let rest = &lower[at..];
        let is_block = BLOCKS.iter().any(|b| {
            rest.starts_with(b)
                && rest[b.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '>' || c == ' ' || c == '/' || c.is_ascii_digit())
        });
        if is_block {
            out.push_str(&html[last..at]);
            out.push_str("<br>");
            last = at;
        }
    }
    out.push_str(&html[last..]);
    html_to_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_cut_at_the_quote_container_and_blocks_become_lines() {
        let (text, quoted) = html_reply(
            "<div dir=\"ltr\">First line</div><div>Second line</div><br><div class=\"gmail_quote\"><div>On Sun wrote:</div><blockquote>TK-4821-0937</blockquote></div>",
        );
        assert_eq!(text.trim(), "First line\n\nSecond line");
        assert!(quoted.contains("TK-4821-0937"), "{quoted}");
    }

    #[test]
    fn no_from_is_no_mail() {
        assert_eq!(read(b"Subject: hi\r\n\r\nbody\r\n"), None);
        assert_eq!(read(b""), None);
    }

    #[test]
    fn out_of_office_is_automatic() {
        let mail = read(
            b"From: a@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nAway\r\n",
        )
        .unwrap();
        assert!(mail.automatic);
        let mail =
            read(b"From: a@example.com\r\nAuto-Submitted: no\r\nSubject: Re\r\n\r\nHere\r\n")
                .unwrap();
        assert!(!mail.automatic);
        let mail =
            read(b"From: a@example.com\r\nPrecedence: bulk\r\nSubject: x\r\n\r\ny\r\n").unwrap();
        assert!(mail.automatic);
    }
}
