"""The user pool as the directory of drivers' contact details (Cognito AdminGetUser)."""

from __future__ import annotations

from typing import Any

from shared.adapters.aws_clients import error_code
from shared.ports.receipt_mail import DriverContact

USER_NOT_FOUND = "UserNotFoundException"


class CognitoDriverDirectory:
    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._user_pool_id = user_pool_id

    def contact(self, driver_id: str) -> DriverContact | None:
        # The pool signs in with e-mail aliases: a user's username is their `sub`, which is
        # also what AdminGetUser accepts for a local user.
        try:
            user = self._client.admin_get_user(UserPoolId=self._user_pool_id, Username=driver_id)
        except Exception as exc:
            if error_code(exc) == USER_NOT_FOUND:
                return None
            raise
        attributes = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes", [])}
        email = attributes.get("email")
        if not email:
            return None
        return DriverContact(email, attributes.get("email_verified", "").lower() == "true")
