"""SMS through SNS (publish to a phone number): the one-time code's second channel. AWS errors become
DeliveryFailed like the mailer's."""

from __future__ import annotations

from chalicelib.adapters.aws import client
from chalicelib.adapters.mail import DeliveryFailed, _error_code
from chalicelib.settings import Settings


class SnsSms:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, phone: str, text: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        sns = client("sns", self._settings)
        try:
            response = sns.publish(
                PhoneNumber=phone,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except ClientError as exc:
            code, msg = _error_code(exc)
            raise DeliveryFailed("sms", code, msg, code in {"InvalidParameter", "OptedOut"}) from exc
        except BotoCoreError as exc:
            raise DeliveryFailed("sms", type(exc).__name__, str(exc), False) from exc
        return str(response.get("MessageId", ""))
