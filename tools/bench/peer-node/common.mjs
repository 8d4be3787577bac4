// What the Node.js peer's two handlers share: configuration, the event
// envelope, the unit of work, coupons, tickets, email and publishing.
//
// The peer is the same logic as memnun's review-responder and complaint-intake
// written the way most shops write a Lambda function in Node.js: the AWS SDK
// for JavaScript v3, the DynamoDB document client for items and transactions,
// clients created once at module level, one message after another. It makes
// the same AWS calls, in the same order, as memnun (and the Python peer) for
// the same events, so that the benchmark compares languages and libraries,
// not two different amounts of work. It is part of the benchmark, not of the
// product.

import { createHash, randomInt, randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { SQSClient, SendMessageBatchCommand } from "@aws-sdk/client-sqs";

// Clients at module level: created during init, reused by every invocation.
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const ses = new SESClient({});
// The queue's URL names AWS's host; the configured endpoint (the bench's
// stub, a VPC endpoint) is where requests go.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

export const TABLE_NAME = process.env.TABLE_NAME;
const IDEMPOTENCY_TABLE_NAME = process.env.IDEMPOTENCY_TABLE_NAME;
const OUTBOUND_QUEUE_URL = process.env.OUTBOUND_QUEUE_URL;
export const SHOP_NAME = process.env.SHOP_NAME;
const SENDER_EMAIL = process.env.SENDER_EMAIL;
const DEFAULT_LOCALE = process.env.DEFAULT_LOCALE || "tr";
export const SHOP_TIME_ZONE = process.env.SHOP_TIME_ZONE || "Europe/Istanbul";
const SES_CONFIGURATION_SET = process.env.SES_CONFIGURATION_SET || undefined;
const IDEMPOTENCY_TTL_DAYS = Number(process.env.IDEMPOTENCY_TTL_DAYS || "30");
for (const [name, value] of Object.entries({ TABLE_NAME, IDEMPOTENCY_TABLE_NAME, OUTBOUND_QUEUE_URL, SHOP_NAME, SENDER_EMAIL })) {
  if (!value) throw new Error(`${name} is not set`);
}

const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
const DAY_MS = 24 * 3600 * 1000;

/** A message that can never succeed: it goes to the dead-letter queue. */
export class Permanent extends Error {}

/** Fixed-width UTC, as memnun stores times. */
export function nowKey(date) {
  const iso = date.toISOString();
  return `${iso.slice(0, 23)}000000Z`;
}

/** The civil date and time of `date` on the clock of `timeZone`. */
export function civil(date, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute, second: +parts.second, parts };
}

/** The instant a civil time on `timeZone`'s clock names. */
export function instant(timeZone, year, month, day, hour, minute, second) {
  const guess = Date.UTC(year, month - 1, day, hour, minute, second);
  const seen = civil(new Date(guess), timeZone);
  const offset = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second) - guess;
  return new Date(guess - offset);
}

/** `dd.mm.yyyy` (and ` hh:mm`) on a clock. */
export function formatDate(date, timeZone, withTime = false) {
  const c = civil(date, timeZone).parts;
  const day = `${c.day}.${c.month}.${c.year}`;
  return withTime ? `${day} ${c.hour}:${c.minute}` : day;
}

export function addDays(date, days) {
  return new Date(date.getTime() + days * DAY_MS);
}

/** The CloudEvents envelope, checked; throws Permanent when invalid. */
export function parseEvent(body, allowed) {
  let event;
  try {
    event = JSON.parse(body);
  } catch (e) {
    throw new Permanent(`body is not JSON: ${e.message}`);
  }
  for (const field of ["specversion", "id", "source", "type", "time", "data"]) {
    if (!(field in event)) throw new Permanent(`${field} is missing`);
  }
  if (event.specversion !== "1.0") throw new Permanent("specversion must be 1.0");
  if (!allowed.includes(event.type)) throw new Permanent(`${event.type} does not belong on this queue`);
  const time = new Date(event.time);
  if (Number.isNaN(time.getTime())) throw new Permanent("time must be an RFC 3339 timestamp");
  return { ...event, _time: time, _key: `${event.source}#${event.id}` };
}

/**
 * One event's unit of work, as memnun runs it: one record in the idempotency
 * table leases the work and says how far it got. Begin is one conditional
 * update (a duplicate learns it is done from the refusal itself), the
 * event's writes land in one transaction with the record at step 1, and each
 * later effect moves the step on.
 */
export class Unit {
  constructor(key, context) {
    const now = Date.now();
    this.key = key;
    this.token = randomBytes(8).toString("hex");
    this.until = now + context.getRemainingTimeInMillis();
    this.now = now;
    this.expires = Math.floor((now + IDEMPOTENCY_TTL_DAYS * DAY_MS) / 1000);
    this.step = 0;
  }

  /** False when the event was handled before. */
  async begin() {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: IDEMPOTENCY_TABLE_NAME,
          Key: { pk: this.key },
          UpdateExpression: "SET #status = :in_progress, lease = :token, lease_until = :until, expires_at = :expires",
          ConditionExpression: "attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":in_progress": "in_progress",
            ":token": this.token,
            ":until": this.until,
            ":expires": this.expires,
            ":now": this.now,
          },
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return true;
    } catch (e) {
      if (e.name !== "ConditionalCheckFailedException") throw e;
      const status = e.Item?.status?.S ?? e.Item?.status;
      if (status === "done") return false;
      throw new Error(`${this.key} is being handled by another invocation`);
    }
  }

  /** The event's writes and the record at step 1, all or nothing. */
  async commit(items, saved) {
    const record = {
      Update: {
        TableName: IDEMPOTENCY_TABLE_NAME,
        Key: { pk: this.key },
        UpdateExpression: saved ? "SET step = :step, saved = :saved" : "SET step = :step",
        ConditionExpression: "lease = :token",
        ExpressionAttributeValues: { ":step": 1, ":token": this.token, ...(saved ? { ":saved": JSON.stringify(saved) } : {}) },
      },
    };
    await documents.send(new TransactWriteCommand({ TransactItems: [...items, record] }));
    this.step = 1;
  }

  /** One more effect done. */
  async advance() {
    this.step += 1;
    await documents.send(
      new UpdateCommand({
        TableName: IDEMPOTENCY_TABLE_NAME,
        Key: { pk: this.key },
        UpdateExpression: "SET step = :step",
        ConditionExpression: "lease = :token",
        ExpressionAttributeValues: { ":step": this.step, ":token": this.token },
      }),
    );
  }

  async finish() {
    await documents.send(
      new UpdateCommand({
        TableName: IDEMPOTENCY_TABLE_NAME,
        Key: { pk: this.key },
        UpdateExpression: "SET #status = :done REMOVE lease, lease_until, saved",
        ConditionExpression: "lease = :token",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":done": "done", ":token": this.token },
      }),
    );
  }

  /** Lets a retry take the unit over at once, keeping the step. */
  async release() {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: IDEMPOTENCY_TABLE_NAME,
          Key: { pk: this.key },
          UpdateExpression: "SET lease_until = :zero",
          ConditionExpression: "lease = :token",
          ExpressionAttributeValues: { ":zero": 0, ":token": this.token },
        }),
      );
    } catch {
      console.warn(JSON.stringify({ unit: this.key, error: "not released" }));
    }
  }
}

/** Runs work(unit) as the unit `key`; null for a duplicate. */
export async function runUnit(key, context, work) {
  const unit = new Unit(key, context);
  if (!(await unit.begin())) return null;
  let outcome;
  try {
    outcome = await work(unit);
  } catch (e) {
    await unit.release();
    throw e;
  }
  await unit.finish();
  return outcome;
}

export async function readCustomer(customerId) {
  const { Item } = await documents.send(
    // Consistently, as memnun reads: a retried event must see its own
    // earlier writes.
    new GetCommand({
      TableName: TABLE_NAME,
      Key: { pk: `CUSTOMER#${customerId}`, sk: "PROFILE" },
      ConsistentRead: true,
    }),
  );
  return Item ?? {};
}

const CONTACT_FIELDS = ["email", "name", "locale", "time_zone"];

/** The event's contact details, the stored ones filling the gaps. */
export function contactOf(stored, incoming = {}) {
  const contact = {};
  for (const f of CONTACT_FIELDS) contact[f] = incoming?.[f] || stored[f];
  contact.last_apology_coupon_at = stored.last_apology_coupon_at;
  return contact;
}

/**
 * The customer's item as one update: new contact details (only over older
 * ones) and the apology cap; null when nothing changes.
 */
export function profileUpdate(customerId, stored, incoming = {}, now, couponAt = null, capCutoff = null) {
  const changed = CONTACT_FIELDS.filter((f) => incoming?.[f] && stored[f] !== incoming[f]);
  if (changed.length === 0 && couponAt === null) return null;
  const names = {};
  const values = { ":id": customerId };
  const sets = ["customer_id = :id"];
  const conditions = [];
  if (changed.length > 0) {
    for (const f of changed) {
      names[`#${f}`] = f;
      values[`:${f}`] = incoming[f];
      sets.push(`#${f} = :${f}`);
    }
    sets.push("contact_at = :at");
    values[":at"] = nowKey(now);
    conditions.push("(attribute_not_exists(contact_at) OR contact_at <= :at)");
  }
  if (couponAt !== null) {
    sets.push("last_apology_coupon_at = :issued");
    values[":issued"] = nowKey(couponAt);
    values[":cutoff"] = nowKey(capCutoff);
    conditions.push("(attribute_not_exists(last_apology_coupon_at) OR last_apology_coupon_at < :cutoff)");
  }
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: { pk: `CUSTOMER#${customerId}`, sk: "PROFILE" },
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeValues: values,
      ...(changed.length > 0 ? { ExpressionAttributeNames: names } : {}),
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(" AND ") } : {}),
    },
  };
}

/** The ISO week of `date` on the shop's clock, `2026-W47`. */
export function isoWeek(date) {
  const { year, month, day } = civil(date, SHOP_TIME_ZONE);
  const d = new Date(Date.UTC(year, month - 1, day));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const STATS_SHARDS = 8;

/** Adds to the week's counters, in the shard the unit's key picks. */
export function statsUpdate(unitKey, weekOf, amounts) {
  const shard = parseInt(createHash("sha256").update(unitKey).digest("hex").slice(0, 8), 16) % STATS_SHARDS;
  const entries = Object.entries(amounts);
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: { pk: `STATS#${isoWeek(weekOf)}#${shard}`, sk: "WEEK" },
      UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :v${i}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
    },
  };
}

function draw(alphabet, n) {
  let s = "";
  for (let i = 0; i < n; i += 1) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function generateCode(prefix) {
  const symbols = draw(CODE_ALPHABET, 10);
  return `${prefix}-${symbols.slice(0, 5)}-${symbols.slice(5)}`;
}

/** The due index's shard of `key`: FNV-1a modulo 16, as memnun's sweep reads it. */
export function shardOf(key, shards = 16) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, "utf8")) {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h % shards;
}

export function generateTicketNumber() {
  const digits = draw("0123456789", 8);
  return `TK-${digits.slice(0, 4)}-${digits.slice(4)}`;
}

export function put(item, condition) {
  return { Put: { TableName: TABLE_NAME, Item: item, ...(condition ? { ConditionExpression: condition } : {}) } };
}

/** The coupon by its code and by its cause, each written once. */
export function couponPuts(coupon) {
  return [
    // The coupon's own item is also in the index of coupons by issue day
    // (its UTC day, then when and which), as memnun's is.
    put(
      {
        pk: `COUPON#${coupon.code}`,
        sk: "COUPON",
        ...coupon,
        gsi4pk: `ISSUED#${coupon.issued_at.slice(0, 10)}`,
        gsi4sk: `${coupon.issued_at}#${coupon.code}`,
      },
      "attribute_not_exists(pk)",
    ),
    put(
      { pk: `CUSTOMER#${coupon.customer_id}`, sk: `COUPON#${coupon.reason}#${coupon.source_event}`, ...coupon },
      "attribute_not_exists(pk)",
    ),
  ];
}

/** The ticket and its by-cause record, each written once. */
export function ticketPuts(ticket) {
  const puts = [
    put({ pk: `TICKET#${ticket.number}`, sk: "TICKET", ...ticket }, "attribute_not_exists(pk)"),
    put(
      { pk: `CUSTOMER#${ticket.customer_id}`, sk: `TICKET#${ticket.origin}#${ticket.source_event}`, number: ticket.number },
      "attribute_not_exists(pk)",
    ),
  ];
  if (ticket.order_id) {
    // The order's last ticket, for a later complaint about it to join.
    puts.push(
      put({
        pk: `CUSTOMER#${ticket.customer_id}`,
        sk: `OPENED#ORDER#${ticket.order_id}`,
        order_id: ticket.order_id,
        number: ticket.number,
      }),
    );
  }
  return puts;
}

/** The customer's tickets opened between two times, counted. */
export async function countTickets(customerId, from, to) {
  const { Count } = await documents.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: "by_customer",
      KeyConditionExpression: "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": `CUSTOMER#${customerId}`, ":from": `TICKET#${nowKey(from)}`, ":to": `TICKET#${nowKey(to)}~` },
      Select: "COUNT",
    }),
  );
  return Count ?? 0;
}

/** One event for the outbound queue. */
export function message(id, type, data, now, source) {
  return {
    MessageBody: JSON.stringify({ specversion: "1.0", id, source, type, time: nowKey(now), datacontenttype: "application/json", data }),
  };
}

/** The event's messages in one batch. */
export async function publish(messages) {
  const Entries = messages.map((m, i) => ({ Id: String(i), ...m }));
  const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: OUTBOUND_QUEUE_URL, Entries }));
  if (result.Failed?.length) throw new Error(`${result.Failed.length} messages not published`);
}

export async function sendEmail(to, subject, html, text) {
  const result = await ses.send(
    new SendEmailCommand({
      Source: `"${SHOP_NAME}" <${SENDER_EMAIL}>`,
      Destination: { ToAddresses: [to] },
      Message: {
        Subject: { Data: subject, Charset: "UTF-8" },
        Body: { Html: { Data: html, Charset: "UTF-8" }, Text: { Data: text, Charset: "UTF-8" } },
      },
      ...(SES_CONFIGURATION_SET ? { ConfigurationSetName: SES_CONFIGURATION_SET } : {}),
    }),
  );
  return result.MessageId;
}

export function localeOf(contact) {
  const tag = (contact.locale || "").toLowerCase();
  for (const supported of ["tr", "en"]) {
    if (tag === supported || tag.startsWith(`${supported}-`)) return supported;
  }
  return DEFAULT_LOCALE;
}

export function zoneOf(contact) {
  if (!contact.time_zone) return SHOP_TIME_ZONE;
  try {
    new Intl.DateTimeFormat("en", { timeZone: contact.time_zone });
    return contact.time_zone;
  } catch {
    return SHOP_TIME_ZONE;
  }
}

export function escape(text) {
  return String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const TURKISH = { ı: "i", ş: "s", ğ: "g", ü: "u", ö: "o", ç: "c", â: "a", î: "i", û: "u" };

/** Lowercase the Turkish way, drop the marks, squeeze repeats. */
export function fold(text) {
  let t = text.replaceAll("İ", "i").replaceAll("I", "ı").toLowerCase();
  t = t.replace(/[ışğüöçâîû]/g, (ch) => TURKISH[ch]);
  t = t.normalize("NFKD").replace(/\p{M}/gu, "");
  t = t.replaceAll("'", "").replaceAll("’", "");
  t = t.replace(/[^\p{L}\p{N}_\s]/gu, " ");
  return t.replace(/([\p{L}\p{N}_])\1{2,}/gu, "$1");
}

/** Every record on its own; the failed ones are reported. */
export async function handleBatch(event, context, process) {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const outcome = await process(record, context);
      console.info(JSON.stringify({ message_id: record.messageId, outcome }));
    } catch (e) {
      const permanent = e instanceof Permanent;
      (permanent ? console.error : console.warn)(JSON.stringify({ message_id: record.messageId, error: e.message, permanent }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
