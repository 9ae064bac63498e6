"""The development identity provider's pages: sign-in (Cognito's hosted UI stand-in) and the
page that refuses an unknown client or redirect URI.

Plain HTML without scripts: labelled fields, the error announced (`role="alert"`), one-click
sign-in as the development operator. The style sheet is inline and allowed by its hash, so the
pages' Content-Security-Policy needs nothing else; they cannot be framed.
"""

from __future__ import annotations

import base64
import hashlib
import html

from local.identity.oauth import AuthorizeRequest

DEVELOPMENT_OPERATOR_ACTION = "development-operator"
AUTHORIZE_PATH = "/local-idp/oauth2/authorize"

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
main { max-width: 24rem; margin: 4rem auto; padding: 2rem; background: #fff;
       border: 1px solid #d0d4da; border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit;
        border: 1px solid #6b7280; border-radius: 4px; }
button { margin-top: 1.25rem; width: 100%; padding: .6rem; font: inherit; border-radius: 4px;
         border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #1d4ed8; }
button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.alert { padding: .75rem; border-radius: 4px; background: #fde8e8; color: #7f1d1d; }
.note { color: #4b5563; font-size: .9rem; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

# What the pages are sent with (the console's own headers are in local/console.py).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def sign_in_page(
    request: AuthorizeRequest,
    *,
    development_operator: str | None,
    error: str | None = None,
    email: str = "",
) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in request.fields().items()
    )
    alert = (
        f'<p class="alert" role="alert" id="sign-in-error">{html.escape(error)}</p>'
        if error
        else ""
    )
    described = ' aria-describedby="sign-in-error"' if error else ""
    one_click = (
        f"""<form method="post" action="{AUTHORIZE_PATH}">
{hidden}
<button type="submit" class="secondary" name="action" value="{DEVELOPMENT_OPERATOR_ACTION}">\
Continue as the development operator</button>
<p class="note">Signs in as {html.escape(development_operator)} (operators group).</p>
</form>"""
        if development_operator
        else ""
    )
    body = f"""<h1>Sign in to the CSMS</h1>
<p class="note">Local development identity provider (Cognito's stand-in).</p>
{alert}
<form method="post" action="{AUTHORIZE_PATH}">
{hidden}
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required\
 value="{html.escape(email)}"{described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"\
 required{described}>
<button type="submit" name="action" value="sign-in">Sign in</button>
</form>
{one_click}"""
    return _page("Sign in · local CSMS", body)


def refusal_page(message: str) -> str:
    """An authorization or sign-out request the provider will not send anywhere."""
    body = f"""<h1>This sign-in request cannot be served</h1>
<p class="alert" role="alert">{html.escape(message)}</p>
<p class="note">The application that sent you here is not registered with the local identity
provider for this address. Open the console from the start page of the local platform.</p>"""
    return _page("Sign-in refused · local CSMS", body)
