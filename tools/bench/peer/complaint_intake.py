"""complaint-intake, the Python peer: a complaint becomes a ticket with a
category, a priority and SLA deadlines, and the customer is acknowledged at
once (see memnun's functions/complaint-intake for the rules this follows).

The peer implements `complaint.created`, the event the benchmark sends; the
rest of the ticket's life (replies, resolution, surveys, late orders) is
memnun's alone. SLA deadlines are counted on the default calendar (every
hour of every day), which is what the benchmark configures.
"""

import json
import os
from datetime import timedelta

import peer_common as c
from peer_common import table

SOURCE = "memnun/complaint-intake"
HISTORY_DAYS = 30
REPEAT_THRESHOLD = 2
WARNING_PERCENT = int(os.environ.get("SLA_WARNING_PERCENT", "80"))
CHANNELS = ("email", "web", "social", "phone", "chat")
PRECEDENCE = ("Damaged", "WrongItem", "Delivery", "Payment", "ReturnExchange", "Quality")
CATEGORY_NAMES = {
    "Damaged": "damaged",
    "WrongItem": "wrong_item",
    "Delivery": "delivery",
    "Payment": "payment",
    "ReturnExchange": "return_exchange",
    "Quality": "quality",
    "Other": "other",
}


def parse_targets(text):
    """`urgent=1h/8h,high=4h/24h,...` → {priority: (first reply, resolution)}."""
    targets = {}
    for part in text.split(","):
        name, spans = part.split("=")
        first, resolution = spans.split("/")
        targets[name.strip()] = (
            timedelta(hours=int(first.strip().rstrip("h"))),
            timedelta(hours=int(resolution.strip().rstrip("h"))),
        )
    return targets


SLA_TARGETS = parse_targets(
    os.environ.get("SLA_TARGETS", "urgent=1h/8h,high=4h/24h,normal=24h/72h,low=48h/120h")
)

with open(os.path.join(os.path.dirname(__file__), "rules.json"), encoding="utf-8") as f:
    _RULES = json.load(f)


def _compile(keyword):
    words = c.fold(keyword).split()
    return [(w[:-1], True) if w.endswith("*") else (w, False) for w in words]


RULES = {
    category: sorted((_compile(k) for k in keywords), key=len, reverse=True)
    for category, keywords in _RULES.items()
    if not category.startswith("__")
}
URGENT = [_compile(k) for k in _RULES["__urgent"]]


def _match_at(words, i, keyword):
    if i + len(keyword) > len(words):
        return False
    for word, (stem, is_stem) in zip(words[i:], keyword):
        if not (word.startswith(stem) if is_stem else word == stem):
            return False
    return True


def classify(subject, message):
    """The category with the highest score; longer phrases first, each
    keyword counted once, ties by precedence."""
    words = c.fold(f"{subject or ''} {message}").split()
    scores = {}
    for category, keywords in RULES.items():
        taken = [False] * len(words)
        score = 0
        for keyword in keywords:
            for i in range(len(words)):
                if not any(taken[i : i + len(keyword)]) and _match_at(words, i, keyword):
                    for j in range(i, i + len(keyword)):
                        taken[j] = True
                    score += len(keyword)
                    break
        scores[category] = score
    best = max(PRECEDENCE, key=lambda cat: (scores.get(cat, 0), -PRECEDENCE.index(cat)))
    return "Other" if scores.get(best, 0) == 0 else best


def urgent(subject, message):
    words = c.fold(f"{subject or ''} {message}").split()
    return any(_match_at(words, i, k) for k in URGENT for i in range(len(words)))


def priority(category, channel, prior, is_urgent):
    if is_urgent:
        return "urgent"
    order = ["low", "normal", "high", "urgent"]
    p = {"Payment": "high", "Damaged": "high", "Other": "low"}.get(category, "normal")
    if channel == "social":
        p = order[min(order.index(p) + 1, 3)]
    if prior >= REPEAT_THRESHOLD and order.index(p) < 2:
        p = "high"
    return p


def sla(p, opened_at):
    first, resolution = SLA_TARGETS[p]
    timers = {}
    for name, target in (("first_reply", first), ("resolution", resolution)):
        timers[f"{name}_due"] = c.now_key(opened_at + target)
        timers[f"{name}_warning_at"] = c.now_key(opened_at + target * WARNING_PERCENT / 100)
        timers[f"{name}_warned"] = False
        timers[f"{name}_breached"] = False
    return timers


SUBJECTS = {
    "tr": "{shop}: talebinizi aldık [{ticket}]",
    "en": "{shop}: we have your request [{ticket}]",
}
BODIES = {
    "tr": (
        "<p>Merhaba {name},</p><p>Talebinizi aldık; numarası <strong>{ticket}</strong>. "
        "Konu: {category}. En geç {due} tarihinde size dönüş yapacağız.</p><p>{shop}</p>"
    ),
    "en": (
        "<p>Hello {name},</p><p>We have your request; its number is <strong>{ticket}</strong>. "
        "Topic: {category}. You will hear from us by {due}.</p><p>{shop}</p>"
    ),
}


def complaint(event, unit):
    data = event["data"]
    customer_id = data.get("customer_id")
    channel = data.get("channel")
    message = data.get("message")
    if not customer_id or channel not in CHANNELS or not message:
        raise c.Permanent("data.customer_id, data.channel and data.message are required")
    now = event["_time"]
    key = event["_key"]
    stored = c.read_customer(customer_id)
    contact = c.contact_of(stored, data.get("customer"))
    since = now - timedelta(days=HISTORY_DAYS)
    prior = table.query(
        IndexName="by_customer",
        KeyConditionExpression="gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
        ExpressionAttributeValues={
            ":pk": f"CUSTOMER#{customer_id}",
            ":from": f"TICKET#{c.now_key(since)}",
            ":to": f"TICKET#{c.now_key(now)}~",
        },
        Select="COUNT",
    )["Count"]
    subject = data.get("subject")
    category = classify(subject, message)
    p = priority(category, channel, prior, urgent(subject, message))
    number = c.generate_ticket_number()
    ticket = {
        "number": number,
        "customer_id": customer_id,
        "origin": "complaint",
        "category": CATEGORY_NAMES[category],
        "priority": p,
        "status": "open",
        "opened_at": c.now_key(now),
        "source_event": key,
        "channel": channel,
        "order_id": data.get("order_id"),
        "subject": (subject or message)[:200],
        "summary": message[:1000],
        "gsi1pk": f"CUSTOMER#{customer_id}",
        "gsi1sk": f"TICKET#{c.now_key(now)}#{number}",
        "version": 1,
        **sla(p, now),
    }
    ticket["next_due"] = ticket["first_reply_warning_at"]
    # In the due index, where the SLA sweep finds it: its shard, then when.
    ticket["gsi2pk"] = f"DUE#{c.shard_of(number)}"
    ticket["gsi2sk"] = f"{ticket['next_due']}#{number}"
    writes = c.ticket_puts(ticket)
    profile = c.profile_update(customer_id, stored, data.get("customer"), now)
    if profile:
        writes.append(profile)
    amounts = {"complaints": 1, f"complaints_{ticket['category']}": 1, f"complaints_via_{channel}": 1}
    writes.append(c.stats_update(unit.key, now, amounts))
    unit.commit(writes, {"ticket": number, "first_reply_due": ticket["first_reply_due"]})
    c.publish(
        [
            c.message(
                f"ticket.opened:{number}",
                "ticket.opened",
                {
                    "ticket_id": number,
                    "customer_id": customer_id,
                    "category": ticket["category"],
                    "priority": p,
                    "first_reply_due": ticket["first_reply_due"],
                    "resolution_due": ticket["resolution_due"],
                },
                now,
                SOURCE,
            )
        ]
    )
    unit.advance()
    if not contact.get("email"):
        return "ticket opened; no address to acknowledge"
    locale = c.locale_of(contact)
    due = c.parse_time(ticket["first_reply_due"]).astimezone(c.zone_of(contact))
    html = BODIES[locale].format(
        shop=c.escape(c.SHOP_NAME),
        name=c.escape(contact.get("name") or ""),
        ticket=number,
        category=ticket["category"],
        due=due.strftime("%d.%m.%Y %H:%M"),
    )
    text = c.re.sub(r"<[^>]+>", "\n", html)
    subject_line = SUBJECTS[locale].format(shop=c.SHOP_NAME, ticket=number)
    c.send_email(contact["email"], subject_line, html, text)
    return "ticket opened and acknowledged"


def process(record, context):
    event = c.parse_event(record["body"], ("complaint.created",))
    outcome = c.run_unit(
        f"event#complaint-intake#{event['_key']}",
        context,
        lambda unit: complaint(event, unit),
    )
    return outcome or "duplicate"


def handler(event, context):
    return c.handle_batch(event, context, process)
