"""The SMS backends against a real HTTP server and a real file; how their failures are handled."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from continuite.notifications.backends import FileSmsBackend, HttpSmsBackend, SmsError
from continuite.notifications.delivery import message_deliver
from continuite.notifications.tests.helpers import sms

TOKEN = "test-token-8f2c"


class FakeProvider:
    """A local SMS provider: checks the bearer token, records requests, answers as told."""

    def __init__(self):
        self.requests = []
        self.status, self.body = 200, {"id": "abc"}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    status, body = 401, {"error": "bad token"}
                else:
                    status, body = provider.status, provider.body
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"

    def answer(self, status: int, body=b"") -> None:
        self.status, self.body = status, body


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "continuite.notifications.backends.HttpSmsBackend"
    settings.SMS_API_URL, settings.SMS_API_TOKEN = fake.url, TOKEN
    settings.SMS_SENDER = "Continuite"
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sms_message(db):
    return sms("appointment:7:confirmation:sms", body="Votre rendez-vous est confirmé.")


def test_the_http_backend_posts_the_sms_with_its_token_and_returns_the_provider_id(provider):
    reference = HttpSmsBackend().send(to="+33612345678", body="Bonjour", reference="ref-1")

    assert reference == "abc"
    assert provider.requests == [
        {
            "path": "/v1/sms",
            "content_type": "application/json",
            "json": {
                "to": "+33612345678",
                "text": "Bonjour",
                "sender": "Continuite",
                "reference": "ref-1",
            },
        }
    ]


def test_a_delivered_sms_is_marked_sent_with_the_provider_id(provider, sms_message):
    outcome = message_deliver(message_id=sms_message.pk)

    assert (outcome.status, outcome.retry) == ("sent", False)
    sms_message.refresh_from_db()
    assert (sms_message.status, sms_message.provider_id, sms_message.attempts) == ("sent", "abc", 1)
    assert provider.requests[0]["json"]["reference"] == "appointment:7:confirmation:sms"


def test_a_provider_outage_leaves_the_message_pending_for_a_retry(provider, sms_message):
    provider.answer(503, {"error": "maintenance"})

    outcome = message_deliver(message_id=sms_message.pk)

    assert (outcome.status, outcome.retry) == ("pending", True)
    sms_message.refresh_from_db()
    assert (sms_message.status, sms_message.attempts) == ("pending", 1)
    assert "503" in sms_message.last_error


@pytest.mark.parametrize("status", [408, 429])
def test_timeouts_and_rate_limits_are_temporary(provider, sms_message, status):
    provider.answer(status)

    assert message_deliver(message_id=sms_message.pk).retry is True


def test_a_refused_message_fails_for_good(provider, sms_message):
    provider.answer(400, {"error": "invalid number"})

    outcome = message_deliver(message_id=sms_message.pk)

    assert (outcome.status, outcome.retry) == ("failed", False)
    sms_message.refresh_from_db()
    assert sms_message.status == "failed"
    assert "400" in sms_message.last_error and "invalid number" in sms_message.last_error


def test_a_wrong_token_fails_for_good(provider, settings, sms_message):
    settings.SMS_API_TOKEN = "wrong"

    assert message_deliver(message_id=sms_message.pk).status == "failed"
    sms_message.refresh_from_db()
    assert "401" in sms_message.last_error


@pytest.mark.parametrize("body", [b"OK", b"[]", b"{}"])
def test_an_accepted_sms_with_an_unreadable_answer_is_sent_not_sent_again(
    provider, sms_message, body
):
    provider.answer(200, body)

    assert message_deliver(message_id=sms_message.pk).status == "sent"
    assert message_deliver(message_id=sms_message.pk).status == "sent"
    assert len(provider.requests) == 1
    sms_message.refresh_from_db()
    assert (sms_message.status, sms_message.provider_id) == ("sent", "")


def test_an_unreachable_provider_is_a_temporary_failure(provider, settings):
    provider.server.shutdown()
    provider.server.server_close()

    with pytest.raises(SmsError, match="unreachable") as error:
        HttpSmsBackend().send(to="+33612345678", body="Bonjour", reference="ref-1")
    assert error.value.permanent is False


def test_without_a_provider_url_every_sms_fails_for_good(settings):
    settings.SMS_API_URL = ""

    with pytest.raises(SmsError) as error:
        HttpSmsBackend().send(to="+33612345678", body="Bonjour", reference="ref-1")
    assert error.value.permanent is True


def test_the_file_backend_appends_one_json_line_per_sms(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "var" / "sms.log"

    first = FileSmsBackend().send(to="+33612345678", body="Rendez-vous à 10 h", reference="r-1")
    FileSmsBackend().send(to="+33698765432", body="Annulé", reference="r-2")

    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    line = json.loads(lines[0])
    assert {key: line[key] for key in ("to", "text", "reference")} == {
        "to": "+33612345678",
        "text": "Rendez-vous à 10 h",
        "reference": "r-1",
    }
    assert "at" in line
    assert first.startswith("file-r-1-")
    assert json.loads(lines[1])["reference"] == "r-2"


def test_the_file_backend_accepts_a_path_given_as_a_string(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")

    FileSmsBackend().send(to="+33612345678", body="Bonjour", reference="r-1")

    assert json.loads((tmp_path / "sms.log").read_text(encoding="utf-8"))["text"] == "Bonjour"
