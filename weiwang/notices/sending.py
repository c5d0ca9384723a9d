"""Delivering notices to WeCom group robots and by SMS: each delivery is claimed under a lease,
sent once per idempotency key, retried with backoff, and rate-limited per robot (WeCom allows
20 messages a minute per robot).

Exactly once: the SMS adapters pass the delivery's idempotency key as the provider's message id,
so a resend after a worker died mid-send is dropped by the provider. WeCom robots take no such
key, so a WeCom delivery whose worker died mid-send is never resent blindly: it is marked
"uncertain" for a worker to check in the group (at most once rather than twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from weiwang.core import crypto
from weiwang.core.periodic import periodic_task
from weiwang.notices.models import Channel, Delivery, DeliveryStatus

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
WECOM_PER_MINUTE = 20
WECOM_RATE_LIMITED = 45009  # WeCom's errcode for "API freq out of limit"
BATCH = 200


class SendError(Exception):
    def __init__(self, message: str, *, retry: bool):
        super().__init__(message)
        self.retry = retry


# SMS: GSM-7 text is 160 characters (153 per part when split); anything else — Chinese — is
# UCS-2: 70 UTF-16 units, 67 per part. A character outside the BMP (an emoji) takes two units
# and is never cut in half.
_GSM7 = re.compile(
    r"^[A-Za-z0-9 @£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]*$"
)


def sms_segments(text: str) -> list[str]:
    """The parts a text is sent in, split as phones join them back."""
    gsm = bool(_GSM7.match(text))
    single, part = (160, 153) if gsm else (70, 67)
    units = [1 if gsm or ord(ch) <= 0xFFFF else 2 for ch in text]
    if sum(units) <= single:
        return [text] if text else []
    parts, current, size = [], "", 0
    for ch, width in zip(text, units, strict=True):
        if size + width > part:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    if current:
        parts.append(current)
    return parts


@dataclass
class Sent:
    answer: str


class FileSmsAdapter:
    """Development: appends each message to a file instead of sending it."""

    def __init__(self, path: str):
        self.path = Path(path)

    def send(self, *, phone: str, text: str, message_id: str) -> Sent:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "phone": phone,
            "text": text,
            "message_id": message_id,
            "parts": len(sms_segments(text)),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return Sent(f"file:{message_id}")


class HttpSmsAdapter:
    """A provider's HTTP API: JSON body signed with HMAC-SHA256; the message id makes a resend
    of the same delivery a no-op at the provider."""

    def __init__(self, endpoint: str, key_id: str, secret: str, timeout: float = 10):
        self.endpoint, self.key_id, self.secret, self.timeout = endpoint, key_id, secret, timeout

    def send(self, *, phone: str, text: str, message_id: str) -> Sent:
        stamp = str(int(timezone.now().timestamp()))
        signature = hmac.new(
            self.secret.encode(), f"{stamp}\n{message_id}\n{phone}".encode(), hashlib.sha256
        ).hexdigest()
        body = {
            "key_id": self.key_id,
            "phone": phone,
            "content": text,
            "out_id": message_id,
            "timestamp": stamp,
            "signature": signature,
        }
        answer = _post_json(self.endpoint, body, self.timeout)
        if answer.get("code") not in (0, "0", "OK"):
            message = str(answer.get("message") or answer)
            raise SendError(message[:300], retry=bool(answer.get("retry", True)))
        return Sent(str(answer.get("id") or "ok")[:300])


def sms_adapter():
    if settings.SMS_BACKEND == "http":
        return HttpSmsAdapter(settings.SMS_ENDPOINT, settings.SMS_KEY_ID, settings.SMS_SECRET)
    return FileSmsAdapter(settings.SMS_FILE)


def _post_json(url: str, body: dict, timeout: float) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, never input
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise SendError(str(error)[:300], retry=True) from None


def wecom_send(*, key: str, markdown: str) -> Sent:
    """Post a markdown message through a group robot's webhook."""
    url = f"{settings.WECOM_WEBHOOK_BASE}?key={key}"
    answer = _post_json(url, {"msgtype": "markdown", "markdown": {"content": markdown}}, 10)
    code = answer.get("errcode")
    if code != 0:
        message = f"{code}: {answer.get('errmsg', '')}"
        raise SendError(message[:300], retry=code == WECOM_RATE_LIMITED or code is None)
    return Sent("ok")


def wecom_markdown(notice) -> str:
    link = f"{settings.SITE_URL}/notices/{notice.pk}/" if settings.SITE_URL else ""
    urgent = '<font color="warning">紧急</font> ' if notice.priority == "urgent" else ""
    text = strip_tags(notice.body).strip()
    lines = [f"### {urgent}{notice.title}", text[:1500]]
    if link:
        lines.append(f"[查看详情]({link})")
    return "\n".join(lines)


def sms_text(notice) -> str:
    text = strip_tags(notice.body).strip().replace("\n", " ")
    return settings.SMS_TEMPLATE.format(title=notice.title, summary=text[:120])


def _claim(now: dt.datetime) -> list[Delivery]:
    """Take due deliveries under a lease (others skip the locked rows); deliveries whose worker
    died mid-send (lease expired) are requeued for SMS and marked uncertain for WeCom."""
    with transaction.atomic():
        stale = Delivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.SENDING, lease_until__lt=now
        )
        stale.filter(channel=Channel.SMS).update(
            status=DeliveryStatus.QUEUED, lease_until=None, next_attempt_at=now
        )
        stale.filter(channel=Channel.WECOM).update(
            status=DeliveryStatus.UNCERTAIN,
            provider_answer="发送中断,无法确认是否已发到群里,请到群里核实",
        )
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:BATCH]
        )
        for delivery in due:
            delivery.status, delivery.lease_until = DeliveryStatus.SENDING, now + LEASE
            delivery.attempts += 1
        Delivery.objects.bulk_update(due, ["status", "lease_until", "attempts"])
    return due


def _wecom_room(delivery: Delivery, now: dt.datetime) -> dt.datetime | None:
    """When the robot may send again if it already sent 20 in the last minute."""
    recent = list(
        Delivery.objects.filter(
            group_id=delivery.group_id, sent_at__gte=now - dt.timedelta(minutes=1)
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)[:WECOM_PER_MINUTE]
    )
    if len(recent) < WECOM_PER_MINUTE:
        return None
    return recent[0] + dt.timedelta(minutes=1)


def _send_one(delivery: Delivery) -> Sent:
    notice = delivery.notice
    if delivery.channel == Channel.WECOM:
        key = crypto.decrypt(delivery.group.webhook_key_encrypted)
        return wecom_send(key=key, markdown=wecom_markdown(notice))
    phone = delivery.resident.phones.first()
    if phone is None:
        raise SendError("no phone", retry=False)
    return sms_adapter().send(
        phone=crypto.decrypt(phone.number_encrypted),
        text=sms_text(notice),
        message_id=delivery.idempotency_key,
    )


def _finish(delivery: Delivery, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        lease_until=None, **fields
    )


@periodic_task(every=60)
def deliveries_send() -> dict[str, int]:
    """Send what is due; returns counts by outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}
    while True:
        now = timezone.now()
        claimed = _claim(now)
        if not claimed:
            return counts
        for delivery in claimed:
            if delivery.channel == Channel.WECOM:
                later = _wecom_room(delivery, timezone.now())
                if later is not None:
                    _finish(
                        delivery,
                        status=DeliveryStatus.QUEUED,
                        next_attempt_at=later,
                        attempts=delivery.attempts - 1,
                    )
                    counts["deferred"] += 1
                    continue
            try:
                sent = _send_one(delivery)
            except SendError as error:
                retry = error.retry and delivery.attempts < MAX_ATTEMPTS
                backoff = dt.timedelta(minutes=2**delivery.attempts)
                _finish(
                    delivery,
                    status=DeliveryStatus.QUEUED if retry else DeliveryStatus.FAILED,
                    next_attempt_at=timezone.now() + backoff,
                    provider_answer=str(error)[:300],
                )
                counts["retry" if retry else "failed"] += 1
                continue
            _finish(
                delivery,
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                provider_answer=sent.answer[:300],
            )
            counts["sent"] += 1
        if len(claimed) < BATCH:
            return counts
