//! What a customer wrote in an email reply, without what they replied to.
//!
//! A reply to a ticket email carries, under the customer's words, the whole
//! email they answered (and often the one before it), and under that a
//! signature or a phone's "Sent from my iPhone". Kept whole, the ticket
//! would hold every acknowledgement again each time the customer wrote,
//! and the agent would read the shop's own words as the customer's. So a
//! reply is cut into what the customer wrote ([`Reply::text`]) and what
//! came after it ([`Reply::quoted`]), which is kept only to look for the
//! ticket's number when the subject lost it.
//!
//! The history starts at the first of:
//!
//! - an attribution line, as Gmail, Apple Mail and Thunderbird write it,
//!   in English or Turkish (`On Sun, 22 Nov 2026 at 10:15, Dükkan <…>
//!   wrote:`, `22 Kas 2026 Paz, 10:15 tarihinde Dükkan <…> şunu yazdı:`),
//!   also when the client wrapped it over two lines;
//! - Outlook's header block (`From:` / `Kimden:` followed by `Sent:`,
//!   `Date:`, `Gönderildi:`, `To:` or `Subject:` within three lines), with
//!   the line of underscores Outlook puts above it;
//! - a separator such as `-----Original Message-----`, or a forwarded
//!   message's `Begin forwarded message:`.
//!
//! Of what is above it, lines quoted with `>` are dropped (an inline answer
//! keeps the customer's lines between the quotes), and the signature is cut
//! at the standard `-- ` line or at the first line a phone or a mail app
//! adds by itself. Nothing here guesses beyond these forms: a reply that
//! matches none is kept whole, which an agent can read; cutting the
//! customer's own words could not be undone.

/// The customer's words and what followed them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// What the customer wrote: trimmed, with no run of more than one
    /// blank line; empty when the mail was only a quote or a signature.
    pub text: String,
    /// The quoted history, the inline quotes and the signature, as they
    /// were.
    pub quoted: String,
}

impl Reply {
    /// Cuts `body` (a mail's text, any line ends) into the reply and the rest.
    pub fn of(body: &str) -> Reply {
        let body = body.replace("\r\n", "\n").replace('\r', "\n");
        let lines: Vec<&str> = body.split('\n').collect();
        let history = history_start(&lines).unwrap_or(lines.len());
        let mut kept: Vec<&str> = Vec::new();
        let mut quoted: Vec<&str> = Vec::new();
        let mut signed = false;
        for line in &lines[..history] {
            if signed {
                quoted.push(line);
            } else if is_signature_start(line) {
                signed = true;
                quoted.push(line);
            } else if line.trim_start().starts_with('>') {
                quoted.push(line);
            } else {
                kept.push(line.trim_end());
            }
        }
        quoted.extend(&lines[history..]);
        Reply {
            text: tidy(&kept),
            quoted: quoted.join("\n"),
        }
    }
}

/// The index of the line where the quoted history starts, if any.
fn history_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        let folded = fold(line);
        if is_separator(&folded) {
            return Some(i);
        }
        if is_outlook_header(lines, i, &folded) {
            // The rule Outlook draws above its header block belongs to it.
            let above = previous_non_blank(lines, i);
            return Some(match above {
                Some(j) if is_rule(lines[j]) => j,
                _ => i,
            });
        }
        if is_attribution_end(&folded) {
            return Some(attribution_start(lines, i));
        }
    }
    None
}

/// Lower case, trimmed, with the typographic apostrophe made plain.
fn fold(line: &str) -> String {
    line.trim().to_lowercase().replace('\u{2019}', "'")
}

/// The endings of an attribution line: English, Turkish, and the few
/// other languages a shop's customers in Türkiye write in most.
const ATTRIBUTION_ENDS: [&str; 6] = [
    "wrote:",
    "yazdı:",
    "a écrit :",
    "schrieb:",
    "escribió:",
    "написал(а):",
];

fn is_attribution_end(folded: &str) -> bool {
    ATTRIBUTION_ENDS.iter().any(|end| folded.ends_with(end))
}

/// Where an attribution that ends on line `end` starts: the line itself,
/// or the line above when the client wrapped it (Gmail wraps at 78
/// characters, often leaving `wrote:` or the address alone below).
fn attribution_start(lines: &[&str], end: usize) -> usize {
    let this = fold(lines[end]);
    let opens = |s: &str| s.starts_with("on ") || s.starts_with("am ") || s.starts_with("le ");
    if opens(&this) || this.contains("tarihinde") {
        return end;
    }
    match previous_non_blank(lines, end) {
        Some(j) => {
            let above = fold(lines[j]);
            if opens(&above) || above.contains("tarihinde") || above.contains('<') {
                j
            } else {
                end
            }
        }
        None => end,
    }
}

/// `-----Original Message-----` and its translations, and the line a
/// forwarded message starts with.
fn is_separator(folded: &str) -> bool {
    let dashed = folded.starts_with("-----")
        && folded.ends_with("-----")
        && folded.chars().any(char::is_alphabetic);
    dashed
        || folded.starts_with("begin forwarded message")
        || folded.starts_with("iletilen ileti başlangıcı")
        || folded.starts_with("---------- forwarded message")
        || folded.starts_with("---------- iletilen ileti")
}

/// Outlook's `From:` line, followed within three lines by another header
/// of its block: a `From:` alone is a customer's sentence as often as not.
fn is_outlook_header(lines: &[&str], at: usize, folded: &str) -> bool {
    const FROM: [&str; 3] = ["from:", "kimden:", "gönderen:"];
    const NEXT: [&str; 9] = [
        "sent:",
        "date:",
        "to:",
        "subject:",
        "gönderildi:",
        "tarih:",
        "kime:",
        "konu:",
        "gönderilme tarihi:",
    ];
    if !FROM.iter().any(|f| folded.starts_with(f)) {
        return false;
    }
    lines
        .iter()
        .skip(at + 1)
        .take(3)
        .any(|l| NEXT.iter().any(|n| fold(l).starts_with(n)))
}

/// A line only of underscores or dashes, long enough to be a rule.
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 10 && t.chars().all(|c| c == '_' || c == '-')
}

fn previous_non_blank(lines: &[&str], at: usize) -> Option<usize> {
    (0..at).rev().find(|&j| !lines[j].trim().is_empty())
}

/// The first lines signatures add by themselves: the RFC 3676 delimiter
/// (`-- `, which some clients trim to `--`) and what phones and mail apps
/// append, in English and Turkish.
const SIGNATURE_STARTS: [&str; 14] = [
    "sent from my ",
    "sent from outlook",
    "sent from mail for windows",
    "sent from yahoo mail",
    "get outlook for ",
    "sent via ",
    "iphone'umdan gönderildi",
    "ipad'imden gönderildi",
    "ios için outlook",
    "android için outlook",
    "outlook'u edinin",
    "samsung galaxy cihazımdan gönderildi",
    "yahoo mail'den gönderildi",
    "windows için posta ile gönderildi",
];

fn is_signature_start(line: &str) -> bool {
    if line == "-- " || line.trim_end() == "--" {
        return true;
    }
    let folded = fold(line);
    SIGNATURE_STARTS.iter().any(|s| folded.starts_with(s))
}

/// Trims blank lines at both ends and keeps at most one blank line in a row.
fn tidy(lines: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for line in lines {
        let blank = line.trim().is_empty();
        if blank && out.last().is_none_or(|l: &&str| l.is_empty()) {
            continue;
        }
        out.push(if blank { "" } else { line });
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_in_english_keeps_the_words_above_the_attribution() {
        let body = "Still nothing arrived, can you check?\r\n\r\nOn Sun, Nov 22, 2026 at 10:15 AM Dükkan <destek@dukkan.example> wrote:\r\n\r\n> We have your message [TK-4821-0937].\r\n> Thank you\r\n";
        let reply = Reply::of(body);
        assert_eq!(reply.text, "Still nothing arrived, can you check?");
        assert!(reply.quoted.contains("TK-4821-0937"));
    }

    #[test]
    fn gmail_wrapped_attribution_starts_a_line_above() {
        let body = "Kargo hâlâ gelmedi.\n\nOn Sun, Nov 22, 2026 at 10:15 AM Dükkan Destek Ekibi <destek@dukkan.example>\nwrote:\n\n> Talebinizi aldık.\n";
        assert_eq!(Reply::of(body).text, "Kargo hâlâ gelmedi.");
    }

    #[test]
    fn gmail_in_turkish() {
        let body = "Teşekkürler, bekliyorum.\n\n22 Kas 2026 Paz, 10:15 tarihinde Dükkan <destek@dukkan.example> şunu\nyazdı:\n\n> Talebinizi aldık.\n";
        assert_eq!(Reply::of(body).text, "Teşekkürler, bekliyorum.");
    }

    #[test]
    fn apple_mail_with_its_phone_signature() {
        let body = "Paket hasarlı geldi, fotoğraf ekte.\n\niPhone’umdan gönderildi\n\n22 Kas 2026 tarihinde 10:15 saatinde, Dükkan <destek@dukkan.example> şunları yazdı:\n\n> Talebinizi aldık [TK-4821-0937].\n";
        let reply = Reply::of(body);
        assert_eq!(reply.text, "Paket hasarlı geldi, fotoğraf ekte.");
        assert!(reply.quoted.contains("TK-4821-0937"));
    }

    #[test]
    fn apple_mail_in_english() {
        let body = "Thanks!\n\nSent from my iPhone\n\n> On 22 Nov 2026, at 10:15, Dükkan <destek@dukkan.example> wrote:\n> \n> We have your message.\n";
        assert_eq!(Reply::of(body).text, "Thanks!");
    }

    #[test]
    fn outlook_header_block_with_its_rule() {
        let body = "The size is wrong, I need a 42.\n\nBest,\nJohn\n\n________________________________\nFrom: Dükkan <destek@dukkan.example>\nSent: Sunday, November 22, 2026 10:15 AM\nTo: John <john@example.com>\nSubject: We have your message [TK-4821-0937]\n\nThank you for writing.\n";
        let reply = Reply::of(body);
        assert_eq!(reply.text, "The size is wrong, I need a 42.\n\nBest,\nJohn");
        assert!(reply.quoted.starts_with("____"));
    }

    #[test]
    fn outlook_in_turkish_and_its_original_message_line() {
        let body = "Beden yanlış geldi.\n\nKimden: Dükkan <destek@dukkan.example>\nGönderildi: 22 Kasım 2026 Pazar 10:15\nKime: Ayşe\nKonu: Talebinizi aldık\n";
        assert_eq!(Reply::of(body).text, "Beden yanlış geldi.");
        let body = "Beden yanlış.\n-----Original Message-----\nFrom: Dükkan\n";
        assert_eq!(Reply::of(body).text, "Beden yanlış.");
    }

    #[test]
    fn a_from_in_a_sentence_is_the_customers() {
        let body = "From: my side, all is fine.\nBut the box was open.\n";
        assert_eq!(
            Reply::of(body).text,
            "From: my side, all is fine.\nBut the box was open."
        );
    }

    #[test]
    fn inline_answers_keep_the_lines_between_the_quotes() {
        let body = "> Which size did you order?\n42\n> And the colour?\nBlack\n";
        assert_eq!(Reply::of(body).text, "42\nBlack");
    }

    #[test]
    fn the_signature_delimiter_cuts_the_rest() {
        let body = "Please call me.\n\n-- \nAyşe Yılmaz\n+90 555 000 00 00\n";
        let reply = Reply::of(body);
        assert_eq!(reply.text, "Please call me.");
        assert!(reply.quoted.contains("+90"));
    }

    #[test]
    fn only_a_quote_leaves_nothing() {
        let body = "\n\nOn Sun, 22 Nov 2026, Dükkan <d@dukkan.example> wrote:\n> hi\n";
        assert_eq!(Reply::of(body).text, "");
    }

    #[test]
    fn blank_runs_collapse_and_a_reply_with_no_history_stays_whole() {
        let body = "\n\nFirst.\n\n\n\nSecond.   \n\n";
        let reply = Reply::of(body);
        assert_eq!(reply.text, "First.\n\nSecond.");
        assert_eq!(reply.quoted, "");
    }
}
