"""Delivery receipts from the SMS provider: a signed webhook, no session, no CSRF token."""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .delivery import message_mark_delivered

SIGNATURE_HEADER = "X-Signature"
RECEIPT_STATUSES = {"delivered": True, "failed": False}


def sign(secret: str, body: bytes) -> str:
    """The X-Signature value the provider sends: HMAC-SHA256 of the raw body, in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signature_valid(request: HttpRequest, secret: str) -> bool:
    received = request.headers.get(SIGNATURE_HEADER, "")
    return hmac.compare_digest(received.encode(), sign(secret, request.body).encode())


@csrf_exempt
@require_POST
def sms_receipt(request: HttpRequest) -> HttpResponse:
    """Record a receipt {"id", "status": "delivered"|"failed", "detail"}; replays are harmless.

    403 without a configured secret or with a wrong signature, 400 on a malformed body, 404 when
    no sent message has this provider id.
    """
    secret = getattr(settings, "SMS_WEBHOOK_SECRET", "")
    if not secret or not _signature_valid(request, secret):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "expected a JSON object"}, status=400)
    provider_id, status, detail = (
        payload.get("id"),
        payload.get("status"),
        payload.get("detail", ""),
    )
    if not isinstance(provider_id, str) or not provider_id:
        return JsonResponse({"error": "id must be a non-empty string"}, status=400)
    if not isinstance(status, str) or status not in RECEIPT_STATUSES:
        return JsonResponse({"error": "status must be delivered or failed"}, status=400)
    if not isinstance(detail, str):
        return JsonResponse({"error": "detail must be a string"}, status=400)
    matched = message_mark_delivered(
        provider_id=provider_id, delivered=RECEIPT_STATUSES[status], detail=detail
    )
    if not matched:
        return JsonResponse({"error": "unknown message"}, status=404)
    return JsonResponse({"matched": matched})
