"""SMS backends: an HTTP provider in production, a file locally. Email goes through Django's mail."""

import json
import logging
from abc import ABC, abstractmethod
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A failed send; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmsBackend(ABC):
    """Sends one SMS and returns the provider's reference for the delivery receipt."""

    @abstractmethod
    def send(self, *, to: str, body: str, reference: str) -> str: ...


class HttpSmsBackend(SmsBackend):
    """A JSON-over-HTTPS SMS provider: POST {to, text, sender, reference}, answer {id}."""

    def send(self, *, to: str, body: str, reference: str) -> str:
        if not settings.SMS_API_URL:
            raise SmsError("SMS_API_URL is not set", permanent=True)
        try:
            response = requests.post(
                settings.SMS_API_URL,
                json={
                    "to": to,
                    "text": body,
                    "sender": settings.SMS_SENDER,
                    "reference": reference,
                },
                headers={"Authorization": f"Bearer {settings.SMS_API_TOKEN}"},
                timeout=15,
            )
        except requests.RequestException as exc:
            raise SmsError(f"provider unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise SmsError(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise SmsError(
                f"provider refused the message: {response.status_code} {response.text[:200]}",
                permanent=True,
            )
        return _provider_id(response)


def _provider_id(response: requests.Response) -> str:
    """The provider's reference from an accepting answer.

    The SMS is already on its way: an unreadable answer must not make it fail (it would be sent
    again), it only means no delivery receipt will match it.
    """
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or payload.get("id") in (None, ""):
        logger.warning("SMS provider accepted a message without an id: %.200s", response.text)
        return ""
    return str(payload["id"])


class FileSmsBackend(SmsBackend):
    """Appends each SMS as a JSON line to settings.SMS_FILE_PATH (demo and development)."""

    def send(self, *, to: str, body: str, reference: str) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "to": to, "text": body, "reference": reference}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file-{reference}-{timezone.now().timestamp():.0f}"


def sms_backend() -> SmsBackend:
    """The backend named by settings.SMS_BACKEND (a dotted path to an SmsBackend class)."""
    return import_string(settings.SMS_BACKEND)()
