"""Receipt e-mails on the local platform (`python -m local --receipt-email-sender ADDRESS`).

What the stack setting receiptEmailSender deploys, in moto: the sender's SES identity, verified
(moto then records every message sent, `GET /moto-api/data.json` or its SES backend), and a
user pool shaped like the stack's (e-mail sign-in aliases: a user's username is their `sub`),
where the development identity provider registers each user it signs up, verified, under the
`sub` their tokens carry. The receipt_mailer function then runs unchanged: AdminGetUser with
the driver's id, SendEmail from the sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.settings import DUMMY_CREDENTIAL

USER_POOL_NAME = "csms-users"


@dataclass(frozen=True)
class LocalReceiptEmail:
    sender: str
    user_pool_id: str
    _cognito: Any

    @property
    def environment(self) -> dict[str, str]:
        """What the functions read (shared.config): as the stack sets them on receipt_mailer."""
        return {"RECEIPT_EMAIL_SENDER": self.sender, "USER_POOL_ID": self.user_pool_id}

    def register(self, email: str) -> str:
        """A confirmed user with this (verified) address in the local pool; their `sub`."""
        user = self._cognito.admin_create_user(
            UserPoolId=self.user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )["User"]
        attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
        return str(attributes.get("sub") or user["Username"])


def set_up_receipt_email(endpoint_url: str, region: str, sender: str) -> LocalReceiptEmail:
    """Blocking: the verified identity and the user pool, in moto."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIAL,
        aws_secret_access_key=DUMMY_CREDENTIAL,
        region_name=region,
    )
    session.client("sesv2", endpoint_url=endpoint_url).create_email_identity(EmailIdentity=sender)
    cognito = session.client("cognito-idp", endpoint_url=endpoint_url)
    pool = cognito.create_user_pool(
        PoolName=USER_POOL_NAME,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    return LocalReceiptEmail(sender, pool["Id"], cognito)
