"""review-responder, the Python peer: a low product review becomes an
apology, a coupon and a follow-up ticket (see memnun's
functions/review-responder for the rules this follows)."""

import os
from datetime import datetime, time, timedelta

import peer_common as c

SOURCE = "memnun/review-responder"
THRESHOLD = int(os.environ.get("APOLOGY_RATING_THRESHOLD", "2"))
PERCENTS = {
    int(k): int(v)
    for k, v in (p.split("=") for p in os.environ.get("APOLOGY_COUPON_PERCENTS", "1=20,2=15").split(","))
}
VALID_DAYS = int(os.environ.get("APOLOGY_COUPON_VALID_DAYS", "30"))
CAP_DAYS = int(os.environ.get("APOLOGY_COUPON_CAP_DAYS", "30"))

SUBJECTS = {
    "tr": "{shop}: yorumunuz için özür dileriz [{ticket}]",
    "en": "{shop}: we are sorry about your review [{ticket}]",
}
BODIES = {
    "tr": (
        "<p>Merhaba {name},</p><p>{product} ile ilgili yaşadığınız sorun için özür dileriz. "
        "Bir arkadaşımız sizinle iletişime geçecek (talep {ticket}).</p>{coupon}<p>{shop}</p>"
    ),
    "en": (
        "<p>Hello {name},</p><p>We are sorry about what happened with {product}. "
        "Someone from our team will reach out (ticket {ticket}).</p>{coupon}<p>{shop}</p>"
    ),
}
COUPONS = {
    "tr": "<p>Özür olarak %{percent} indirim kodu: <strong>{code}</strong>, {expires} tarihine kadar geçerli.</p>",
    "en": "<p>As an apology, {percent}% off with the code <strong>{code}</strong>, valid until {expires}.</p>",
}


def expiry(now):
    """The end of the coupon's last day, in the shop's time zone."""
    day = now.astimezone(c.SHOP_TIME_ZONE).date() + timedelta(days=VALID_DAYS)
    return datetime.combine(day, time(23, 59, 59), tzinfo=c.SHOP_TIME_ZONE)


def respond(event, unit):
    data = event["data"]
    customer_id = data.get("customer_id")
    rating = data.get("rating")
    if not customer_id or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise c.Permanent("data.customer_id and data.rating (1-5) are required")
    now = event["_time"]
    key = event["_key"]
    stored = c.read_customer(customer_id)
    contact = c.contact_of(stored, data.get("customer"))
    negative = rating <= THRESHOLD
    writes = [
        c.put(
            c.TABLE_NAME,
            {
                "pk": f"CUSTOMER#{customer_id}",
                "sk": f"REVIEW#{c.now_key(now)}#{key}",
                "customer_id": customer_id,
                "rating": rating,
                "negative": negative,
                "product_id": data.get("product_id"),
                "product_name": data.get("product_name"),
                "order_id": data.get("order_id"),
                "text": data.get("text"),
                "posted_at": c.now_key(now),
            },
        )
    ]
    if not negative or not contact.get("email"):
        profile = c.profile_update(customer_id, stored, data.get("customer"), now)
        unit.commit(writes + ([profile] if profile else []), None)
        return "recorded" if not negative else "recorded; no address to answer"

    last = contact.get("last_apology_coupon_at")
    cap_cutoff = now - timedelta(days=CAP_DAYS)
    capped = CAP_DAYS > 0 and last is not None and c.parse_time(last) > cap_cutoff
    coupon = None
    if not capped:
        coupon = {
            "code": c.generate_code("RVW"),
            "customer_id": customer_id,
            "reason": "negative_review",
            "percent": PERCENTS[rating],
            "issued_at": c.now_key(now),
            "expires_at": c.now_key(expiry(now)),
            "source_event": key,
        }
        writes += c.coupon_puts(coupon)
    profile = c.profile_update(
        customer_id, stored, data.get("customer"), now, now if coupon else None, cap_cutoff
    )
    if profile:
        writes.append(profile)
    ticket = {
        "number": c.generate_ticket_number(),
        "customer_id": customer_id,
        "origin": "negative_review",
        "category": "quality",
        "priority": "high" if rating == 1 else "normal",
        "status": "open",
        "opened_at": c.now_key(now),
        "source_event": key,
        "order_id": data.get("order_id"),
        "product_id": data.get("product_id"),
        "summary": f"{rating}★ review of {data.get('product_name') or 'a product'}",
        "gsi1pk": f"CUSTOMER#{customer_id}",
        "gsi1sk": f"TICKET#{c.now_key(now)}",
        "version": 1,
    }
    writes += c.ticket_puts(ticket)
    amounts = {"negative_reviews": 1}
    if coupon:
        amounts["coupons_negative_review"] = 1
        amounts["coupon_percent_negative_review"] = coupon["percent"]
    writes.append(c.stats_update(unit.key, now, amounts))
    unit.commit(writes, {"coupon": coupon and coupon["code"], "ticket": ticket["number"]})

    messages = []
    if coupon:
        messages.append(
            c.message(
                f"coupon.issued:{coupon['code']}",
                "coupon.issued",
                {
                    "code": coupon["code"],
                    "customer_id": customer_id,
                    "percent": coupon["percent"],
                    "expires_at": coupon["expires_at"],
                    "reason": "negative_review",
                },
                now,
                SOURCE,
            )
        )
    messages.append(
        c.message(
            f"ticket.opened:{ticket['number']}",
            "ticket.opened",
            {
                "ticket_id": ticket["number"],
                "customer_id": customer_id,
                "category": ticket["category"],
                "priority": ticket["priority"],
            },
            now,
            SOURCE,
        )
    )
    c.publish(messages)
    unit.advance()

    locale = c.locale_of(contact)
    coupon_html = ""
    if coupon:
        expires = c.parse_time(coupon["expires_at"]).astimezone(c.SHOP_TIME_ZONE).strftime("%d.%m.%Y")
        coupon_html = COUPONS[locale].format(percent=coupon["percent"], code=coupon["code"], expires=expires)
    fields = {
        "shop": c.escape(c.SHOP_NAME),
        "name": c.escape(contact.get("name") or ""),
        "product": c.escape(data.get("product_name") or "your order"),
        "ticket": ticket["number"],
        "coupon": coupon_html,
    }
    html = BODIES[locale].format(**fields)
    text = c.re.sub(r"<[^>]+>", "\n", html)
    subject = SUBJECTS[locale].format(shop=c.SHOP_NAME, ticket=ticket["number"])
    c.send_email(contact["email"], subject, html, text)
    return "apologized with a coupon" if coupon else "apologized"


def process(record, context):
    event = c.parse_event(record["body"], ("review.posted",))
    outcome = c.run_unit(
        f"event#review-responder#{event['_key']}",
        context,
        lambda unit: respond(event, unit),
    )
    return outcome or "duplicate"


def handler(event, context):
    return c.handle_batch(event, context, process)
