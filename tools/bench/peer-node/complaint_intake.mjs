// complaint-intake, the Node.js peer: a complaint becomes a ticket with a
// category, a priority and SLA deadlines, and the customer is acknowledged at
// once (see memnun's functions/complaint-intake for the rules this follows).
//
// The peer implements `complaint.created`, the event the benchmark sends; the
// rest of the ticket's life is memnun's alone. SLA deadlines are counted on
// the default calendar (every hour of every day), which is what the
// benchmark configures. The keyword rules are the Python peer's file.

import { readFileSync } from "node:fs";
import * as c from "./common.mjs";

const SOURCE = "memnun/complaint-intake";
const HISTORY_DAYS = 30;
const REPEAT_THRESHOLD = 2;
const WARNING_PERCENT = Number(process.env.SLA_WARNING_PERCENT || "80");
const CHANNELS = ["email", "web", "social", "phone", "chat"];
const PRECEDENCE = ["Damaged", "WrongItem", "Delivery", "Payment", "ReturnExchange", "Quality"];
const CATEGORY_NAMES = {
  Damaged: "damaged",
  WrongItem: "wrong_item",
  Delivery: "delivery",
  Payment: "payment",
  ReturnExchange: "return_exchange",
  Quality: "quality",
  Other: "other",
};
const HOUR_MS = 3600 * 1000;

/** `urgent=1h/8h,high=4h/24h,...` → {priority: [first reply, resolution] in ms}. */
function parseTargets(text) {
  const targets = {};
  for (const part of text.split(",")) {
    const [name, spans] = part.split("=");
    targets[name.trim()] = spans.split("/").map((s) => parseInt(s.trim(), 10) * HOUR_MS);
  }
  return targets;
}

const SLA_TARGETS = parseTargets(process.env.SLA_TARGETS || "urgent=1h/8h,high=4h/24h,normal=24h/72h,low=48h/120h");

const RULES_FILE = JSON.parse(readFileSync(new URL("../peer/rules.json", import.meta.url), "utf8"));

function compile(keyword) {
  return c
    .fold(keyword)
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (w.endsWith("*") ? [w.slice(0, -1), true] : [w, false]));
}

const RULES = Object.fromEntries(
  Object.entries(RULES_FILE)
    .filter(([category]) => !category.startsWith("__"))
    .map(([category, keywords]) => [category, keywords.map(compile).sort((a, b) => b.length - a.length)]),
);
const URGENT = RULES_FILE.__urgent.map(compile);

function matchAt(words, i, keyword) {
  if (i + keyword.length > words.length) return false;
  return keyword.every(([stem, isStem], j) => (isStem ? words[i + j].startsWith(stem) : words[i + j] === stem));
}

function wordsOf(subject, message) {
  return c.fold(`${subject || ""} ${message}`).split(/\s+/).filter(Boolean);
}

/** The category with the highest score; longer phrases first, each keyword counted once, ties by precedence. */
function classify(subject, message) {
  const words = wordsOf(subject, message);
  const scores = {};
  for (const [category, keywords] of Object.entries(RULES)) {
    const taken = new Array(words.length).fill(false);
    let score = 0;
    for (const keyword of keywords) {
      for (let i = 0; i < words.length; i += 1) {
        if (!taken.slice(i, i + keyword.length).some(Boolean) && matchAt(words, i, keyword)) {
          for (let j = i; j < i + keyword.length; j += 1) taken[j] = true;
          score += keyword.length;
          break;
        }
      }
    }
    scores[category] = score;
  }
  let best = PRECEDENCE[0];
  for (const category of PRECEDENCE) if ((scores[category] ?? 0) > (scores[best] ?? 0)) best = category;
  return (scores[best] ?? 0) === 0 ? "Other" : best;
}

function urgent(subject, message) {
  const words = wordsOf(subject, message);
  return URGENT.some((k) => words.some((_, i) => matchAt(words, i, k)));
}

function priority(category, channel, prior, isUrgent) {
  if (isUrgent) return "urgent";
  const order = ["low", "normal", "high", "urgent"];
  let p = { Payment: "high", Damaged: "high", Other: "low" }[category] ?? "normal";
  if (channel === "social") p = order[Math.min(order.indexOf(p) + 1, 3)];
  if (prior >= REPEAT_THRESHOLD && order.indexOf(p) < 2) p = "high";
  return p;
}

function sla(p, openedAt) {
  const [first, resolution] = SLA_TARGETS[p];
  const timers = {};
  for (const [name, target] of [["first_reply", first], ["resolution", resolution]]) {
    timers[`${name}_due`] = c.nowKey(new Date(openedAt.getTime() + target));
    timers[`${name}_warning_at`] = c.nowKey(new Date(openedAt.getTime() + (target * WARNING_PERCENT) / 100));
    timers[`${name}_warned`] = false;
    timers[`${name}_breached`] = false;
  }
  return timers;
}

const SUBJECTS = {
  tr: (shop, ticket) => `${shop}: talebinizi aldık [${ticket}]`,
  en: (shop, ticket) => `${shop}: we have your request [${ticket}]`,
};
const BODIES = {
  tr: (f) =>
    `<p>Merhaba ${f.name},</p><p>Talebinizi aldık; numarası <strong>${f.ticket}</strong>. ` +
    `Konu: ${f.category}. En geç ${f.due} tarihinde size dönüş yapacağız.</p><p>${f.shop}</p>`,
  en: (f) =>
    `<p>Hello ${f.name},</p><p>We have your request; its number is <strong>${f.ticket}</strong>. ` +
    `Topic: ${f.category}. You will hear from us by ${f.due}.</p><p>${f.shop}</p>`,
};

async function complaint(event, unit) {
  const data = event.data;
  const customerId = data.customer_id;
  const { channel, message } = data;
  if (!customerId || !CHANNELS.includes(channel) || !message) {
    throw new c.Permanent("data.customer_id, data.channel and data.message are required");
  }
  const now = event._time;
  const key = event._key;
  const stored = await c.readCustomer(customerId);
  const contact = c.contactOf(stored, data.customer);
  const prior = await c.countTickets(customerId, c.addDays(now, -HISTORY_DAYS), now);
  const subject = data.subject;
  const category = classify(subject, message);
  const p = priority(category, channel, prior, urgent(subject, message));
  const number = c.generateTicketNumber();
  const ticket = {
    number,
    customer_id: customerId,
    origin: "complaint",
    category: CATEGORY_NAMES[category],
    priority: p,
    status: "open",
    opened_at: c.nowKey(now),
    source_event: key,
    channel,
    order_id: data.order_id,
    subject: (subject || message).slice(0, 200),
    summary: message.slice(0, 1000),
    gsi1pk: `CUSTOMER#${customerId}`,
    gsi1sk: `TICKET#${c.nowKey(now)}#${number}`,
    version: 1,
    ...sla(p, now),
  };
  ticket.next_due = ticket.first_reply_warning_at;
  // In the due index, where the SLA sweep finds it: its shard, then when.
  ticket.gsi2pk = `DUE#${c.shardOf(number)}`;
  ticket.gsi2sk = `${ticket.next_due}#${number}`;
  const writes = c.ticketPuts(ticket);
  const profile = c.profileUpdate(customerId, stored, data.customer, now);
  if (profile) writes.push(profile);
  writes.push(c.statsUpdate(unit.key, now, { complaints: 1, [`complaints_${ticket.category}`]: 1, [`complaints_via_${channel}`]: 1 }));
  await unit.commit(writes, { ticket: number, first_reply_due: ticket.first_reply_due });
  await c.publish([
    c.message(
      `ticket.opened:${number}`,
      "ticket.opened",
      {
        ticket_id: number,
        customer_id: customerId,
        category: ticket.category,
        priority: p,
        first_reply_due: ticket.first_reply_due,
        resolution_due: ticket.resolution_due,
      },
      now,
      SOURCE,
    ),
  ]);
  await unit.advance();
  if (!contact.email) return "ticket opened; no address to acknowledge";
  const locale = c.localeOf(contact);
  const html = BODIES[locale]({
    shop: c.escape(c.SHOP_NAME),
    name: c.escape(contact.name || ""),
    ticket: number,
    category: ticket.category,
    due: c.formatDate(new Date(ticket.first_reply_due), c.zoneOf(contact), true),
  });
  const text = html.replace(/<[^>]+>/g, "\n");
  await c.sendEmail(contact.email, SUBJECTS[locale](c.SHOP_NAME, number), html, text);
  return "ticket opened and acknowledged";
}

async function processRecord(record, context) {
  const event = c.parseEvent(record.body, ["complaint.created"]);
  const outcome = await c.runUnit(`event#complaint-intake#${event._key}`, context, (unit) => complaint(event, unit));
  return outcome ?? "duplicate";
}

export async function handler(event, context) {
  return c.handleBatch(event, context, processRecord);
}
