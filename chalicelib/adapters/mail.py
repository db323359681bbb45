"""SES v2 mailer and SNS publisher. AWS errors become DeliveryFailed, which names the provider's code."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.mime import mime_message
from chalicelib.services.ports import Email
from chalicelib.settings import Settings


class DeliveryFailed(Exception):
    def __init__(self, channel: str, code: str, message: str, permanent: bool) -> None:
        super().__init__(f"{channel} {code}: {message}")
        self.channel = channel
        self.code = code
        self.permanent = permanent


PERMANENT_SES_CODES = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
    "AccountSuspendedException",
    "SendingPausedException",
    "NotFoundException",
}


def _error_code(exc: Exception) -> tuple[str, str]:
    response: Any = getattr(exc, "response", None) or {}
    err = response.get("Error", {})
    return str(err.get("Code", type(exc).__name__)), str(err.get("Message", exc))


class SesMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, email: Email) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        ses = client("sesv2", self._settings)
        reply_to = email.reply_to or self._settings.reply_to_email
        try:
            if email.attachments:  # SES's Simple content cannot carry files: the whole MIME message, ≤ 10 MB
                response = ses.send_email(
                    FromEmailAddress=self._settings.sender_email,
                    Destination={"ToAddresses": list(email.to)},
                    Content={"Raw": {"Data": mime_message(email, self._settings.sender_email, reply_to)}},
                )
            else:
                response = ses.send_email(
                    FromEmailAddress=self._settings.sender_email,
                    Destination={"ToAddresses": list(email.to)},
                    ReplyToAddresses=[reply_to],
                    Content={
                        "Simple": {
                            "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                            "Body": {
                                "Text": {"Data": email.text, "Charset": "UTF-8"},
                                "Html": {"Data": email.html, "Charset": "UTF-8"},
                            },
                        }
                    },
                )
        except ClientError as exc:
            code, message = _error_code(exc)
            raise DeliveryFailed("ses", code, message, code in PERMANENT_SES_CODES) from exc
        except BotoCoreError as exc:
            raise DeliveryFailed("ses", type(exc).__name__, str(exc), False) from exc
        return str(response.get("MessageId", ""))


class SnsPublisher:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def publish(self, event_type: str, subject: str, message: dict[str, Any]) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        sns = client("sns", self._settings)
        try:
            response = sns.publish(
                TopicArn=self._settings.finance_topic_arn,
                Subject=subject[:99],
                Message=json.dumps(message, ensure_ascii=False, sort_keys=True),
                MessageAttributes={"event_type": {"DataType": "String", "StringValue": event_type}},
            )
        except ClientError as exc:
            code, msg = _error_code(exc)
            raise DeliveryFailed(
                "sns", code, msg, code in {"InvalidParameter", "NotFound", "AuthorizationError"}
            ) from exc
        except BotoCoreError as exc:
            raise DeliveryFailed("sns", type(exc).__name__, str(exc), False) from exc
        return str(response.get("MessageId", ""))
