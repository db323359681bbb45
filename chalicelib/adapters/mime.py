"""An Email as one MIME message (text and HTML alternatives, then its attachments), for SES's raw content."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from chalicelib.services.ports import Email


def mime_message(email: Email, sender: str, reply_to: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Reply-To"] = reply_to
    message["Subject"] = email.subject
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message.as_bytes()
