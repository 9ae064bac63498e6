"""Mail through Amazon SES (API v2 SendEmail), from the stack's verified sender identity."""

from __future__ import annotations

from typing import Any

from shared.ports.receipt_mail import OutgoingMail


def _content(data: str) -> dict[str, str]:
    return {"Data": data, "Charset": "UTF-8"}


class SesMailSender:
    def __init__(self, client: Any, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, mail: OutgoingMail) -> str:
        response = self._client.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [mail.to]},
            Content={
                "Simple": {
                    "Subject": _content(mail.subject),
                    "Body": {"Text": _content(mail.text), "Html": _content(mail.html)},
                }
            },
        )
        return str(response["MessageId"])
