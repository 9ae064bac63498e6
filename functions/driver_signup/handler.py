"""Cognito post-confirmation trigger: a driver who signed up joins the drivers group.

Only self sign-ups (`PostConfirmation_ConfirmSignUp`): operators are created by an
administrator, and a confirmed password reset changes nobody's group. Cognito retries a
failed trigger up to three times, and adding a member twice is harmless.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import LazyClient
from shared.observability import configure_logging, logger

DRIVERS_GROUP = "drivers"
SIGN_UP = "PostConfirmation_ConfirmSignUp"

configure_logging()
cognito = LazyClient("cognito-idp")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("triggerSource") == SIGN_UP:
        cognito.admin_add_user_to_group(
            UserPoolId=event["userPoolId"], Username=event["userName"], GroupName=DRIVERS_GROUP
        )
        logger.info("driver signed up", extra={"sub": event["request"]["userAttributes"]["sub"]})
    # Cognito expects the event back.
    return event
