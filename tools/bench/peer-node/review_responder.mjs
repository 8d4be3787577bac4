// review-responder, the Node.js peer: a low product review becomes an
// apology, a coupon and a follow-up ticket (see memnun's
// functions/review-responder for the rules this follows).

import * as c from "./common.mjs";

const SOURCE = "memnun/review-responder";
const THRESHOLD = Number(process.env.APOLOGY_RATING_THRESHOLD || "2");
const PERCENTS = Object.fromEntries(
  (process.env.APOLOGY_COUPON_PERCENTS || "1=20,2=15").split(",").map((p) => p.split("=").map(Number)),
);
const VALID_DAYS = Number(process.env.APOLOGY_COUPON_VALID_DAYS || "30");
const CAP_DAYS = Number(process.env.APOLOGY_COUPON_CAP_DAYS || "30");

const SUBJECTS = {
  tr: (shop, ticket) => `${shop}: yorumunuz için özür dileriz [${ticket}]`,
  en: (shop, ticket) => `${shop}: we are sorry about your review [${ticket}]`,
};
const BODIES = {
  tr: (f) =>
    `<p>Merhaba ${f.name},</p><p>${f.product} ile ilgili yaşadığınız sorun için özür dileriz. ` +
    `Bir arkadaşımız sizinle iletişime geçecek (talep ${f.ticket}).</p>${f.coupon}<p>${f.shop}</p>`,
  en: (f) =>
    `<p>Hello ${f.name},</p><p>We are sorry about what happened with ${f.product}. ` +
    `Someone from our team will reach out (ticket ${f.ticket}).</p>${f.coupon}<p>${f.shop}</p>`,
};
const COUPONS = {
  tr: (percent, code, expires) => `<p>Özür olarak %${percent} indirim kodu: <strong>${code}</strong>, ${expires} tarihine kadar geçerli.</p>`,
  en: (percent, code, expires) => `<p>As an apology, ${percent}% off with the code <strong>${code}</strong>, valid until ${expires}.</p>`,
};

/** The end of the coupon's last day, in the shop's time zone. */
function expiry(now) {
  const today = c.civil(now, c.SHOP_TIME_ZONE);
  const last = new Date(Date.UTC(today.year, today.month - 1, today.day + VALID_DAYS));
  return c.instant(c.SHOP_TIME_ZONE, last.getUTCFullYear(), last.getUTCMonth() + 1, last.getUTCDate(), 23, 59, 59);
}

async function respond(event, unit) {
  const data = event.data;
  const customerId = data.customer_id;
  const rating = data.rating;
  if (!customerId || !Number.isInteger(rating) || rating < 1 || rating > 5) {
    throw new c.Permanent("data.customer_id and data.rating (1-5) are required");
  }
  const now = event._time;
  const key = event._key;
  const stored = await c.readCustomer(customerId);
  const contact = c.contactOf(stored, data.customer);
  const negative = rating <= THRESHOLD;
  const writes = [
    c.put({
      pk: `CUSTOMER#${customerId}`,
      sk: `REVIEW#${c.nowKey(now)}#${key}`,
      customer_id: customerId,
      rating,
      negative,
      product_id: data.product_id,
      product_name: data.product_name,
      order_id: data.order_id,
      text: data.text,
      posted_at: c.nowKey(now),
    }),
  ];
  if (!negative || !contact.email) {
    const profile = c.profileUpdate(customerId, stored, data.customer, now);
    await unit.commit(profile ? [...writes, profile] : writes, null);
    return negative ? "recorded; no address to answer" : "recorded";
  }

  const last = contact.last_apology_coupon_at;
  const capCutoff = c.addDays(now, -CAP_DAYS);
  const capped = CAP_DAYS > 0 && last && new Date(last) > capCutoff;
  let coupon = null;
  if (!capped) {
    coupon = {
      code: c.generateCode("RVW"),
      customer_id: customerId,
      reason: "negative_review",
      percent: PERCENTS[rating],
      issued_at: c.nowKey(now),
      expires_at: c.nowKey(expiry(now)),
      source_event: key,
    };
    writes.push(...c.couponPuts(coupon));
  }
  const profile = c.profileUpdate(customerId, stored, data.customer, now, coupon ? now : null, capCutoff);
  if (profile) writes.push(profile);
  const ticket = {
    number: c.generateTicketNumber(),
    customer_id: customerId,
    origin: "negative_review",
    category: "quality",
    priority: rating === 1 ? "high" : "normal",
    status: "open",
    opened_at: c.nowKey(now),
    source_event: key,
    order_id: data.order_id,
    product_id: data.product_id,
    summary: `${rating}★ review of ${data.product_name || "a product"}`,
    gsi1pk: `CUSTOMER#${customerId}`,
    gsi1sk: `TICKET#${c.nowKey(now)}`,
    version: 1,
  };
  writes.push(...c.ticketPuts(ticket));
  const amounts = { negative_reviews: 1 };
  if (coupon) {
    amounts.coupons_negative_review = 1;
    amounts.coupon_percent_negative_review = coupon.percent;
  }
  writes.push(c.statsUpdate(unit.key, now, amounts));
  await unit.commit(writes, { coupon: coupon?.code ?? null, ticket: ticket.number });

  const messages = [];
  if (coupon) {
    messages.push(
      c.message(
        `coupon.issued:${coupon.code}`,
        "coupon.issued",
        { code: coupon.code, customer_id: customerId, percent: coupon.percent, expires_at: coupon.expires_at, reason: "negative_review" },
        now,
        SOURCE,
      ),
    );
  }
  messages.push(
    c.message(
      `ticket.opened:${ticket.number}`,
      "ticket.opened",
      { ticket_id: ticket.number, customer_id: customerId, category: ticket.category, priority: ticket.priority },
      now,
      SOURCE,
    ),
  );
  await c.publish(messages);
  await unit.advance();

  const locale = c.localeOf(contact);
  const couponHtml = coupon
    ? COUPONS[locale](coupon.percent, coupon.code, c.formatDate(new Date(coupon.expires_at), c.SHOP_TIME_ZONE))
    : "";
  const html = BODIES[locale]({
    shop: c.escape(c.SHOP_NAME),
    name: c.escape(contact.name || ""),
    product: c.escape(data.product_name || "your order"),
    ticket: ticket.number,
    coupon: couponHtml,
  });
  const text = html.replace(/<[^>]+>/g, "\n");
  await c.sendEmail(contact.email, SUBJECTS[locale](c.SHOP_NAME, ticket.number), html, text);
  return coupon ? "apologized with a coupon" : "apologized";
}

async function processRecord(record, context) {
  const event = c.parseEvent(record.body, ["review.posted"]);
  const outcome = await c.runUnit(`event#review-responder#${event._key}`, context, (unit) => respond(event, unit));
  return outcome ?? "duplicate";
}

export async function handler(event, context) {
  return c.handleBatch(event, context, processRecord);
}
