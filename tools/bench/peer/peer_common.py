"""What the peer's two handlers share: configuration, the event envelope,
the unit of work, coupons, tickets, email and publishing.

The peer is the same logic as memnun's review-responder and complaint-intake
written the way most shops write a Lambda function in Python: boto3, the
DynamoDB resource layer for items (the low-level client for transactions),
clients created once at module level, one message after another. It makes
the same AWS calls, in the same order, as memnun does for the same events,
so that the benchmark compares the languages and libraries, not two
different amounts of work. It is part of the benchmark, not of the product.
"""

import hashlib
import json
import logging
import os
import re
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO"))

# Clients at module level: created during init, reused by every invocation.
dynamodb = boto3.resource("dynamodb")
ses = boto3.client("ses")
sqs = boto3.client("sqs")
serializer = TypeSerializer()

TABLE_NAME = os.environ["TABLE_NAME"]
IDEMPOTENCY_TABLE_NAME = os.environ["IDEMPOTENCY_TABLE_NAME"]
OUTBOUND_QUEUE_URL = os.environ["OUTBOUND_QUEUE_URL"]
SHOP_NAME = os.environ["SHOP_NAME"]
SENDER_EMAIL = os.environ["SENDER_EMAIL"]
DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "tr")
SHOP_TIME_ZONE = ZoneInfo(os.environ.get("SHOP_TIME_ZONE", "Europe/Istanbul"))
SES_CONFIGURATION_SET = os.environ.get("SES_CONFIGURATION_SET") or None
IDEMPOTENCY_TTL_DAYS = int(os.environ.get("IDEMPOTENCY_TTL_DAYS", "30"))

table = dynamodb.Table(TABLE_NAME)
idempotency_table = dynamodb.Table(IDEMPOTENCY_TABLE_NAME)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class Permanent(Exception):
    """A message that can never succeed: it goes to the dead-letter queue."""


class Duplicate(Exception):
    """The event was handled before."""


def now_key(t):
    """Fixed-width UTC, as memnun stores times."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def parse_time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_event(body, allowed):
    """The CloudEvents envelope, checked; raises Permanent when invalid."""
    try:
        event = json.loads(body)
    except json.JSONDecodeError as e:
        raise Permanent(f"body is not JSON: {e}") from e
    for field in ("specversion", "id", "source", "type", "time", "data"):
        if field not in event:
            raise Permanent(f"{field} is missing")
    if event["specversion"] != "1.0":
        raise Permanent("specversion must be 1.0")
    if event["type"] not in allowed:
        raise Permanent(f"{event['type']} does not belong on this queue")
    event["_time"] = parse_time(event["time"])
    event["_key"] = f"{event['source']}#{event['id']}"
    return event


class Unit:
    """One event's unit of work, as memnun runs it: one record in the
    idempotency table leases the work and says how far it got. Begin is one
    conditional update (a duplicate learns it is done from the refusal
    itself), the event's writes land in one transaction with the record at
    step 1, and each later effect moves the step on."""

    def __init__(self, key, context):
        self.key = key
        self.token = secrets.token_hex(8)
        now = datetime.now(timezone.utc)
        self.until_ms = int(now.timestamp() * 1000) + context.get_remaining_time_in_millis()
        self.now_ms = int(now.timestamp() * 1000)
        self.expires = int((now + timedelta(days=IDEMPOTENCY_TTL_DAYS)).timestamp())
        self.step = 0
        self.saved = None

    def begin(self):
        """False when the event was handled before."""
        try:
            idempotency_table.update_item(
                Key={"pk": self.key},
                UpdateExpression="SET #status = :in_progress, lease = :token, lease_until = :until, expires_at = :expires",
                ConditionExpression="attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":in_progress": "in_progress",
                    ":token": self.token,
                    ":until": self.until_ms,
                    ":expires": self.expires,
                    ":now": self.now_ms,
                },
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = e.response.get("Item") or {}
            if old.get("status", {}).get("S") == "done":
                return False
            raise RuntimeError(f"{self.key} is being handled by another invocation") from e
        return True

    def _record(self, step, saved=None):
        values = {":step": {"N": str(step)}, ":token": {"S": self.token}}
        expression = "SET step = :step"
        if saved is not None:
            expression += ", saved = :saved"
            values[":saved"] = {"S": json.dumps(saved)}
        return {
            "Update": {
                "TableName": IDEMPOTENCY_TABLE_NAME,
                "Key": {"pk": {"S": self.key}},
                "UpdateExpression": expression,
                "ConditionExpression": "lease = :token",
                "ExpressionAttributeValues": values,
            }
        }

    def commit(self, items, saved):
        """The event's writes and the record at step 1, all or nothing."""
        dynamodb.meta.client.transact_write_items(TransactItems=[*items, self._record(1, saved)])
        self.step = 1

    def advance(self):
        """One more effect done."""
        self.step += 1
        idempotency_table.update_item(
            Key={"pk": self.key},
            UpdateExpression="SET step = :step",
            ConditionExpression="lease = :token",
            ExpressionAttributeValues={":step": self.step, ":token": self.token},
        )

    def finish(self):
        idempotency_table.update_item(
            Key={"pk": self.key},
            UpdateExpression="SET #status = :done REMOVE lease, lease_until, saved",
            ConditionExpression="lease = :token",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":done": "done", ":token": self.token},
        )

    def release(self):
        """Lets a retry take the unit over at once, keeping the step."""
        try:
            idempotency_table.update_item(
                Key={"pk": self.key},
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="lease = :token",
                ExpressionAttributeValues={":zero": 0, ":token": self.token},
            )
        except ClientError:
            logger.warning(json.dumps({"unit": self.key, "error": "not released"}))


def run_unit(key, context, work):
    """Runs work(unit) as the unit `key`; None for a duplicate."""
    unit = Unit(key, context)
    if not unit.begin():
        return None
    try:
        outcome = work(unit)
    except Exception:
        unit.release()
        raise
    unit.finish()
    return outcome


def read_customer(customer_id):
    # Consistently, as memnun reads: a retried event must see its own
    # earlier writes.
    key = {"pk": f"CUSTOMER#{customer_id}", "sk": "PROFILE"}
    return table.get_item(Key=key, ConsistentRead=True).get("Item") or {}


CONTACT_FIELDS = ("email", "name", "locale", "time_zone")


def contact_of(stored, incoming):
    """The event's contact details, the stored ones filling the gaps."""
    incoming = incoming or {}
    contact = {f: incoming.get(f) or stored.get(f) for f in CONTACT_FIELDS}
    contact["last_apology_coupon_at"] = stored.get("last_apology_coupon_at")
    return contact


def profile_update(customer_id, stored, incoming, now, coupon_at=None, cap_cutoff=None):
    """The customer's item as one update: new contact details (only over
    older ones) and the apology cap; None when nothing changes."""
    incoming = incoming or {}
    changed = {f: incoming[f] for f in CONTACT_FIELDS if incoming.get(f) and stored.get(f) != incoming[f]}
    if not changed and coupon_at is None:
        return None
    names, values, sets, conditions = {}, {":id": {"S": customer_id}}, ["customer_id = :id"], []
    if changed:
        for f, v in changed.items():
            names[f"#{f}"] = f
            values[f":{f}"] = {"S": v}
            sets.append(f"#{f} = :{f}")
        sets.append("contact_at = :at")
        values[":at"] = {"S": now_key(now)}
        conditions.append("(attribute_not_exists(contact_at) OR contact_at <= :at)")
    if coupon_at is not None:
        sets.append("last_apology_coupon_at = :issued")
        values[":issued"] = {"S": now_key(coupon_at)}
        values[":cutoff"] = {"S": now_key(cap_cutoff)}
        conditions.append("(attribute_not_exists(last_apology_coupon_at) OR last_apology_coupon_at < :cutoff)")
    update = {
        "TableName": TABLE_NAME,
        "Key": {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}},
        "UpdateExpression": "SET " + ", ".join(sets),
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    if conditions:
        update["ConditionExpression"] = " AND ".join(conditions)
    return {"Update": update}


STATS_SHARDS = 8


def stats_update(unit_key, week_of, amounts):
    """Adds to the week's counters, in the shard the unit's key picks."""
    iso = week_of.astimezone(SHOP_TIME_ZONE).isocalendar()
    shard = int(hashlib.sha256(unit_key.encode()).hexdigest()[:8], 16) % STATS_SHARDS
    names = {f"#c{i}": name for i, name in enumerate(amounts)}
    values = {f":v{i}": {"N": str(v)} for i, v in enumerate(amounts.values())}
    return {
        "Update": {
            "TableName": TABLE_NAME,
            "Key": {"pk": {"S": f"STATS#{iso.year}-W{iso.week:02d}#{shard}"}, "sk": {"S": "WEEK"}},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(amounts))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def generate_code(prefix):
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{prefix}-{symbols[:5]}-{symbols[5:]}"


def shard_of(key, shards=16):
    """The due index's shard of `key`: FNV-1a modulo 16, as memnun's sweep reads it."""
    h = 0x811C9DC5
    for b in key.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h % shards


def generate_ticket_number():
    digits = "".join(secrets.choice("0123456789") for _ in range(8))
    return f"TK-{digits[:4]}-{digits[4:]}"


def put(table_name, item, condition=None):
    entry = {"TableName": table_name, "Item": {k: serializer.serialize(v) for k, v in item.items() if v is not None}}
    if condition:
        entry["ConditionExpression"] = condition
    return {"Put": entry}


def coupon_puts(coupon):
    """The coupon by its code and by its cause, each written once."""
    by_cause = {"pk": f"CUSTOMER#{coupon['customer_id']}", "sk": f"COUPON#{coupon['reason']}#{coupon['source_event']}"}
    # The coupon's own item is also in the index of coupons by issue day
    # (its UTC day, then when and which), as memnun's is.
    by_day = {"gsi4pk": f"ISSUED#{coupon['issued_at'][:10]}", "gsi4sk": f"{coupon['issued_at']}#{coupon['code']}"}
    return [
        put(TABLE_NAME, {"pk": f"COUPON#{coupon['code']}", "sk": "COUPON", **coupon, **by_day}, "attribute_not_exists(pk)"),
        put(TABLE_NAME, {**by_cause, **coupon}, "attribute_not_exists(pk)"),
    ]


def ticket_puts(ticket):
    """The ticket and its by-cause record, each written once."""
    by_cause = {
        "pk": f"CUSTOMER#{ticket['customer_id']}",
        "sk": f"TICKET#{ticket['origin']}#{ticket['source_event']}",
        "number": ticket["number"],
    }
    puts = [
        put(TABLE_NAME, {"pk": f"TICKET#{ticket['number']}", "sk": "TICKET", **ticket}, "attribute_not_exists(pk)"),
        put(TABLE_NAME, by_cause, "attribute_not_exists(pk)"),
    ]
    if ticket.get("order_id"):
        # The order's last ticket, for a later complaint about it to join.
        puts.append(put(TABLE_NAME, {
            "pk": f"CUSTOMER#{ticket['customer_id']}",
            "sk": f"OPENED#ORDER#{ticket['order_id']}",
            "order_id": ticket["order_id"],
            "number": ticket["number"],
        }))
    return puts


def message(message_id, kind, data, now, source):
    """One event for the outbound queue."""
    return {
        "Id": str(len(message_id)),
        "MessageBody": json.dumps(
            {
                "specversion": "1.0",
                "id": message_id,
                "source": source,
                "type": kind,
                "time": now_key(now),
                "datacontenttype": "application/json",
                "data": data,
            }
        ),
    }


def publish(messages):
    """The event's messages in one batch."""
    for i, entry in enumerate(messages):
        entry["Id"] = str(i)
    result = sqs.send_message_batch(QueueUrl=OUTBOUND_QUEUE_URL, Entries=messages)
    if result.get("Failed"):
        raise RuntimeError(f"{len(result['Failed'])} messages not published")


def send_email(to, subject, html, text):
    kwargs = {
        "Source": f'"{SHOP_NAME}" <{SENDER_EMAIL}>',
        "Destination": {"ToAddresses": [to]},
        "Message": {
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Html": {"Data": html, "Charset": "UTF-8"}, "Text": {"Data": text, "Charset": "UTF-8"}},
        },
    }
    if SES_CONFIGURATION_SET:
        kwargs["ConfigurationSetName"] = SES_CONFIGURATION_SET
    return ses.send_email(**kwargs)["MessageId"]


def locale_of(contact):
    tag = (contact.get("locale") or "").lower()
    for supported in ("tr", "en"):
        if tag == supported or tag.startswith(supported + "-"):
            return supported
    return DEFAULT_LOCALE


def zone_of(contact):
    try:
        return ZoneInfo(contact["time_zone"]) if contact.get("time_zone") else SHOP_TIME_ZONE
    except Exception:
        return SHOP_TIME_ZONE


def escape(text):
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def fold(text):
    """Lowercase the Turkish way, drop the marks, squeeze repeats."""
    text = text.replace("İ", "i").replace("I", "ı").lower()
    text = text.translate(str.maketrans("ışğüöçâîû", "isguocaiu"))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"(\w)\1{2,}", r"\1", text)


def handle_batch(event, context, process):
    """Every record on its own; the failed ones are reported."""
    failures = []
    for record in event["Records"]:
        try:
            outcome = process(record, context)
            logger.info(json.dumps({"message_id": record["messageId"], "outcome": outcome}))
        except Permanent as e:
            logger.error(json.dumps({"message_id": record["messageId"], "error": str(e), "permanent": True}))
            failures.append({"itemIdentifier": record["messageId"]})
        except Exception as e:
            logger.warning(json.dumps({"message_id": record["messageId"], "error": str(e)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
