"""What the peer's two handlers share: configuration, the event envelope,
exactly-once claims, coupons, tickets, email and publishing.

The peer is the same logic as memnun's review-responder and complaint-intake
written the way most shops write a Lambda function in Python: boto3, the
DynamoDB resource layer for items (the low-level client for transactions),
clients created once at module level, one message after another. It makes
the same AWS calls, in the same order, as memnun does for the same events,
so that the benchmark compares the languages and libraries, not two
different amounts of work. It is part of the benchmark, not of the product.
"""

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


def _claim(key, lease_until_ms, now):
    expires = int((now + timedelta(days=IDEMPOTENCY_TTL_DAYS)).timestamp())
    try:
        idempotency_table.put_item(
            Item={
                "pk": key,
                "status": "in_progress",
                "lease_until": lease_until_ms,
                "expires_at": expires,
            },
            ConditionExpression="attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":in_progress": "in_progress",
                ":now": int(now.timestamp() * 1000),
            },
        )
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        existing = idempotency_table.get_item(Key={"pk": key}).get("Item")
        if existing and existing.get("status") == "done":
            return False
        raise RuntimeError(f"{key} is being handled by another invocation") from e


def once(key, context, work):
    """Runs work() once per key: claim, work, mark done (or release)."""
    now = datetime.now(timezone.utc)
    lease_until_ms = int(now.timestamp() * 1000) + context.get_remaining_time_in_millis()
    if not _claim(key, lease_until_ms, now):
        return None
    try:
        result = work()
    except Exception:
        idempotency_table.delete_item(
            Key={"pk": key},
            ConditionExpression="#status = :in_progress",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":in_progress": "in_progress"},
        )
        raise
    idempotency_table.update_item(
        Key={"pk": key},
        UpdateExpression="SET #status = :done, expires_at = :expires REMOVE lease_until",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":done": "done",
            ":expires": int((now + timedelta(days=IDEMPOTENCY_TTL_DAYS)).timestamp()),
        },
    )
    return result


def refresh_customer(customer_id, incoming, now):
    """The stored customer, with the event's contact details saved when new
    or changed; answers what is known now."""
    stored = table.get_item(Key={"pk": f"CUSTOMER#{customer_id}", "sk": "PROFILE"}).get("Item")
    incoming = incoming or {}
    fields = ("email", "name", "locale", "time_zone")
    changed = {f: incoming[f] for f in fields if incoming.get(f) and (not stored or stored.get(f) != incoming[f])}
    if changed:
        names = {f"#{f}": f for f in changed}
        values = {f":{f}": v for f, v in changed.items()}
        values[":at"] = now_key(now)
        values[":id"] = customer_id
        sets = ", ".join(f"#{f} = :{f}" for f in changed)
        table.update_item(
            Key={"pk": f"CUSTOMER#{customer_id}", "sk": "PROFILE"},
            UpdateExpression=f"SET {sets}, contact_at = :at, customer_id = :id",
            ConditionExpression="attribute_not_exists(contact_at) OR contact_at <= :at",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    known = stored or {}
    contact = {f: incoming.get(f) or known.get(f) for f in fields}
    contact["last_apology_coupon_at"] = known.get("last_apology_coupon_at")
    return contact


def count(key, context, week_of, field):
    """Adds one to a counter of the week, once per effect."""
    iso = week_of.astimezone(SHOP_TIME_ZONE).isocalendar()
    week = f"STATS#{iso.year}-W{iso.week:02d}"

    def add():
        table.update_item(
            Key={"pk": week, "sk": "WEEK"},
            UpdateExpression="ADD #f :one",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":one": 1},
        )

    once(key, context, add)


def generate_code(prefix):
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{prefix}-{symbols[:5]}-{symbols[5:]}"


def generate_ticket_number():
    digits = "".join(secrets.choice("0123456789") for _ in range(8))
    return f"TK-{digits[:4]}-{digits[4:]}"


def _transact(items):
    client = dynamodb.meta.client
    client.transact_write_items(TransactItems=items)


def _put(table_name, item, condition=None):
    put = {"TableName": table_name, "Item": {k: serializer.serialize(v) for k, v in item.items() if v is not None}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def issue_coupon(customer_id, reason, prefix, percent, now, expires_at, source_key, cap_cutoff):
    """The coupon this event issued before, or a new one; None when the
    apology cap was reached."""
    by_cause = {"pk": f"CUSTOMER#{customer_id}", "sk": f"COUPON#{reason}#{source_key}"}
    existing = table.get_item(Key=by_cause).get("Item")
    if existing:
        return existing
    coupon = {
        "code": generate_code(prefix),
        "customer_id": customer_id,
        "reason": reason,
        "percent": percent,
        "issued_at": now_key(now),
        "expires_at": now_key(expires_at),
        "source_event": source_key,
    }
    customer_update = {
        "Update": {
            "TableName": TABLE_NAME,
            "Key": {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}},
            "UpdateExpression": "SET last_apology_coupon_at = :at",
            "ConditionExpression": "attribute_not_exists(last_apology_coupon_at) OR last_apology_coupon_at < :cutoff",
            "ExpressionAttributeValues": {
                ":at": {"S": now_key(now)},
                ":cutoff": {"S": now_key(cap_cutoff)},
            },
        }
    }
    try:
        _transact(
            [
                _put(TABLE_NAME, {"pk": f"COUPON#{coupon['code']}", "sk": "COUPON", **coupon}, "attribute_not_exists(pk)"),
                _put(TABLE_NAME, {**by_cause, **coupon}, "attribute_not_exists(pk)"),
                customer_update,
            ]
        )
    except ClientError as e:
        if e.response["Error"]["Code"] == "TransactionCanceledException":
            return None
        raise
    return coupon


def open_ticket(ticket):
    """Stores a new ticket and its by-cause record in one transaction."""
    by_cause = {
        "pk": f"CUSTOMER#{ticket['customer_id']}",
        "sk": f"TICKET#{ticket['origin']}#{ticket['source_event']}",
        "number": ticket["number"],
    }
    _transact(
        [
            _put(TABLE_NAME, {"pk": f"TICKET#{ticket['number']}", "sk": "TICKET", **ticket}, "attribute_not_exists(pk)"),
            _put(TABLE_NAME, by_cause, "attribute_not_exists(pk)"),
        ]
    )
    return ticket


def publish(context, message_id, kind, data, now, source):
    """Sends one event to the outbound queue, once per message id."""
    body = json.dumps(
        {
            "specversion": "1.0",
            "id": message_id,
            "source": source,
            "type": kind,
            "time": now_key(now),
            "datacontenttype": "application/json",
            "data": data,
        }
    )
    once(f"publish#{message_id}", context, lambda: sqs.send_message(QueueUrl=OUTBOUND_QUEUE_URL, MessageBody=body))


def send_email(context, template, customer_id, source_key, to, subject, html, text):
    """Sends an email once per (template, customer, event)."""

    def send():
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

    once(f"email#{template}#{customer_id}#{source_key}", context, send)


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
