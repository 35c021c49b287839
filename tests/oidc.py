"""Signing in to a streamlit app through a real OpenID Connect provider on loopback.

The provider is ``oidc-provider-mock`` (a Flask app built on Authlib's server side),
served by werkzeug on a thread of the test process at ``http://127.0.0.1:<port>``.
The app signs people in with its own ``st.login()``: the ``[auth]`` section of a
secrets.toml kept outside the project, handed to ``streamlit run`` as
``--secrets.files``. A person signs in as they would: the app's "Sign in" button,
the provider's form (the subject typed in, "Authorize"), and back on the app::

    with running_provider() as issuer, running_app_with_auth(folder, issuer) as url:
        ...open a page on url...
        sign_in(page, "ada@example.com", "Ada Lovelace")

Everything is on 127.0.0.1, never ``localhost``: the app's cookies (Authlib's state in
``_streamlit_session``, the signed identity in ``_streamlit_user``) belong to the host
the browser used, and Streamlit takes the identity only from a websocket whose Origin
is the origin of ``redirect_uri``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from tests.browser import ROOT, free_port, running_streamlit, wait_idle

if TYPE_CHECKING:
    from werkzeug.serving import WSGIRequestHandler

SECRETS_NAME = "secrets.toml"
_DISCOVERY = "/.well-known/openid-configuration"
# Streamlit's cookies on the app's origin once a person has signed in; the first two
# are chunked (``_streamlit_user_1``...) when an identity outgrows one cookie.
USER_COOKIE = "_streamlit_user"
TOKENS_COOKIE = "_streamlit_user_tokens"
XSRF_COOKIE = "_streamlit_xsrf"


def _quiet_handler() -> type[WSGIRequestHandler]:
    """werkzeug's request handler without its line on stderr for every request."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return QuietHandler


@contextmanager
def running_provider() -> Iterator[str]:
    """Start an OpenID Connect provider on a free loopback port; yield its issuer URL.

    The provider asks for a registered client (``register_client``, which
    ``write_team_secrets`` calls): a wrong ``client_secret`` or ``redirect_uri`` fails
    the sign-in as it would at a real provider. It wants the ``nonce`` Authlib sends.
    Users are made on the fly: the subject typed into its form, with the claims
    ``set_user`` stored for it beforehand (only ``email`` = the subject otherwise).
    Its state (clients, users, codes, tokens) lives in memory and goes with it.
    """
    from oidc_provider_mock import app as provider_app  # type: ignore[import-untyped]
    from werkzeug.serving import make_server

    server = make_server(
        "127.0.0.1", 0, provider_app(require_client_registration=True, require_nonce=True),
        threaded=True, request_handler=_quiet_handler(),
    )  # fmt: skip
    issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name="oidc-provider",
        daemon=True,
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(issuer + _DISCOVERY, timeout=2) as answer:
                    if json.load(answer).get("issuer") == issuer:
                        break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not answer within 30 s")
            time.sleep(0.1)
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _send_json(method: str, url: str, body: object) -> bytes:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: bytes = answer.read()
        return result


def register_client(issuer: str, redirect_uri: str) -> tuple[str, str]:
    """Register a confidential client for ``redirect_uri`` (client_secret_basic, as
    Authlib authenticates at the token endpoint); its ``(client_id, client_secret)``."""
    answer = json.loads(
        _send_json("POST", issuer + "/oauth2/clients", {"redirect_uris": [redirect_uri]})
    )
    return answer["client_id"], answer["client_secret"]


def set_user(issuer: str, sub: str, claims: Mapping[str, object]) -> None:
    """Store the claims the provider puts in the ID token of subject ``sub``
    (``email`` and ``email_verified`` go with the scope "email", ``name`` and the
    other profile claims with "profile", as Streamlit asks for both)."""
    _send_json("PUT", f"{issuer}/users/{quote(sub, safe='')}", dict(claims))


def write_team_secrets(folder: Path, issuer: str, app_port: int) -> Path:
    """Write ``folder/secrets.toml`` whose ``[auth]`` signs in through ``issuer`` an app
    served at ``http://127.0.0.1:<app_port>``; register its client there. Its path.

    Pass it to the app with ``streamlit run app.py --secrets.files <path>``, which
    replaces the default places (the project's ``.streamlit/secrets.toml`` and the
    home folder's): the project's files stay untouched.
    """
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    client_id, client_secret = register_client(issuer, redirect_uri)
    values = {
        "redirect_uri": redirect_uri,
        "cookie_secret": secrets.token_urlsafe(32),
        "client_id": client_id,
        "client_secret": client_secret,
        "server_metadata_url": issuer + _DISCOVERY,
    }
    path = Path(folder) / SECRETS_NAME
    # A JSON string is a TOML basic string for these plain ASCII values.
    path.write_text(
        "[auth]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    )
    return path


@contextmanager
def running_app_with_auth(
    folder: Path, issuer: str, script: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run`` the app (or ``script``) on a free loopback port, signing in
    through ``issuer`` with secrets written into ``folder``, with ``env`` as its
    environment when given; yield its URL."""
    port = free_port()
    secrets_file = write_team_secrets(folder, issuer, port)
    flags = ("--secrets.files", str(secrets_file))
    with running_streamlit(script or ROOT / "app.py", port, *flags, env=env) as url:
        yield url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# The app is drawn: no script running and something in the main area, or, on a page
# without the activity watch of ``open_app_page``, both held for 300 ms.
_DRAWN = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app && app.getAttribute("data-test-script-state") === "notRunning"
      && !!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']");
}
"""


def _wait_drawn(page) -> None:  # type: ignore[no-untyped-def]
    if page.evaluate("typeof window.__activity === 'object'"):
        wait_idle(page)
    page.wait_for_function(_DRAWN, timeout=60_000, polling=50)
    page.wait_for_timeout(300)
    page.wait_for_function(_DRAWN, timeout=60_000, polling=50)


def sign_in(page, email: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in as a person does: click the app's "Sign in", type ``email`` as the subject
    into the provider's form (the ID token then carries ``sub`` = ``email`` = email and
    ``name``), "Authorize", and wait until the app has drawn its signed-in page."""
    app_origin = _origin(page.url)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/oauth2/authorize?**", timeout=30_000)
    set_user(_origin(page.url), email, {"email": email, "email_verified": True, "name": name})
    subject = page.get_by_placeholder("sub")
    subject.click()
    subject.fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(app_origin + "/", timeout=30_000)
    _wait_drawn(page)
    if page.get_by_role("button", name="Sign in", exact=True).count():
        raise AssertionError(f"still signed out after signing in as {email}")


def sign_out(page, label: str = "Sign out") -> None:  # type: ignore[no-untyped-def]
    """Click the app's ``label`` button (``st.logout``), confirm "End session" on the
    provider's page it sends the browser to, and wait until the app shows "Sign in"."""
    app_origin = _origin(page.url)
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_url("**/oauth2/end_session?**", timeout=30_000)
    page.get_by_role("button", name="End session", exact=True).click()
    page.wait_for_url(app_origin + "/", timeout=30_000)
    _wait_drawn(page)
    page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=30_000)


def signed_in_cookies(context, app_url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The browser context's cookies for the app at ``app_url``, by name: the signed
    identity (``_streamlit_user``, ``_streamlit_user_tokens``), ``_streamlit_xsrf`` and
    ``_streamlit_session``. Cookies ignore the port: two apps on 127.0.0.1 in one
    context share them, so give each app its own context."""
    return {cookie["name"]: cookie["value"] for cookie in context.cookies(app_url)}


def websocket_handshake(context, app_url: str) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Headers and subprotocols for a websocket client to open ``/_stcore/stream`` as the
    signed-in browser of ``context``: Streamlit reads the identity cookie only when the
    XSRF token comes as the second subprotocol (matching the ``_streamlit_xsrf``
    cookie) and the Origin header is the origin of ``redirect_uri``::

        headers, subprotocols = websocket_handshake(context, url)
        websockets.connect(ws_url, additional_headers=headers, subprotocols=subprotocols)
    """
    cookies = signed_in_cookies(context, app_url)
    if USER_COOKIE not in cookies or XSRF_COOKIE not in cookies:
        raise AssertionError(
            f"{app_url} has no signed-in session in this context: {sorted(cookies)}"
        )
    headers = {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "Origin": _origin(app_url),
    }
    return headers, ["streamlit", cookies[XSRF_COOKIE]]
