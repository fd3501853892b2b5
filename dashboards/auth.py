"""Sign-in and roles: Streamlit OIDC when configured in secrets, else passwords from settings.

Roles: ``analyst`` (household explorer, console, device-key exports) and ``marketer`` (aggregates of
at least k households only). With OIDC, analysts are the e-mails listed in ``[hausgraph] analysts``
of the secrets. With passwords, ``HAUSGRAPH_DASHBOARD_PASSWORD`` gives ``marketer`` and
``HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD`` (or ``[hausgraph] analyst_password`` in the secrets) gives
``analyst``; either one alone already requires signing in.

Fails closed: with no sign-in configured the app serves only a loopback address (local use, as
analyst); bound anywhere else it refuses to show anything. Failed password attempts back off
(:class:`Backoff`, shared by every session of the process).
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

__all__ = [
    "ANALYST",
    "MARKETER",
    "Backoff",
    "current_role",
    "current_user",
    "is_loopback",
    "password_role",
    "require_analyst",
    "role",
]

ANALYST = "analyst"
MARKETER = "marketer"
_ROLE_KEY = "hausgraph_role"
_USER_KEY = "hausgraph_user"


def _secrets() -> dict[str, Any]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets.toml at all (a FileNotFoundError or Streamlit's own) is valid
        return {}


def is_loopback(address: str | None) -> bool:
    """Whether the app's bind address reaches this machine only. Unset means every interface.

    >>> [is_loopback(a) for a in ("127.0.0.1", "::1", "localhost", None, "", "0.0.0.0", "10.1.2.3")]
    [True, True, True, False, False, False, False]
    """
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def password_role(given: str, password: str | None, analyst_password: str | None) -> str | None:
    """The role a typed password grants, compared in constant time; an unset password grants nothing.

    >>> password_role("pw", "pw", None), password_role("x", "pw", "x"), password_role("?", "pw", None)
    ('marketer', 'analyst', None)
    >>> password_role("", None, "x"), password_role("", "", None)
    (None, None)
    """
    if not given:
        return None
    if analyst_password and hmac.compare_digest(given.encode(), analyst_password.encode()):
        return ANALYST
    if password and hmac.compare_digest(given.encode(), password.encode()):
        return MARKETER
    return None


class Backoff:
    """After the first failed attempt, each further failure doubles the wait before the next (1 s, 2 s,
    4 s … up to ``max_s``); a success resets it.

    >>> b = Backoff(max_s=10, clock=iter([0, 0, 0, 0.5, 0.5, 3, 3, 3]).__next__)
    >>> b.fail(), b.wait_s()   # first failure: no wait yet
    (None, 0.0)
    >>> b.fail(), b.wait_s()   # second: 1 s
    (None, 1.0)
    >>> b.fail(), b.wait_s(), b.wait_s()   # third (at 0.5 s): 2 s from then
    (None, 2.0, 0.0)
    """

    def __init__(self, max_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_s = max_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._until = 0.0

    def wait_s(self) -> float:
        """Seconds until another attempt is allowed (0 when it is)."""
        with self._lock:
            return max(0.0, self._until - self._clock())

    def fail(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= 2:
                self._until = self._clock() + min(self._max_s, 2.0 ** (self._failures - 2))

    def succeed(self) -> None:
        with self._lock:
            self._failures, self._until = 0, 0.0


@st.cache_resource
def _backoff(max_s: float) -> Backoff:
    """One back-off for the whole process: a new browser session does not start afresh."""
    return Backoff(max_s)


def current_role() -> str | None:
    """The role of this session as decided by :func:`role` (``None`` before)."""
    return st.session_state.get(_ROLE_KEY)


def current_user() -> str:
    """Who is signed in, for audit records: the OIDC e-mail, else the role and a session id."""
    return st.session_state.get(_USER_KEY) or "unknown"


def require_analyst() -> None:
    """Stop the page unless this session is an analyst's (pages that show single households)."""
    if current_role() != ANALYST:
        st.title("Not available")
        st.error("This page shows single households: analysts only.")
        st.stop()


def _settle(granted: str, user: str) -> str:
    st.session_state[_ROLE_KEY] = granted
    st.session_state[_USER_KEY] = user
    return granted


def role(
    dashboard_password: str | None,
    analyst_password: str | None = None,
    bind_address: str | None = None,
    backoff_max_s: float = 60.0,
) -> str:
    """The signed-in user's role; shows the sign-in form and stops the script until signed in."""
    secrets = _secrets()
    own = secrets.get("hausgraph") or {}
    analyst_password = analyst_password or own.get("analyst_password")
    if "auth" in secrets:
        if not st.user.is_logged_in:
            st.title("hausgraph")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        st.sidebar.button("Sign out", on_click=st.logout)
        email = st.user.get("email")
        return _settle(ANALYST if email in list(own.get("analysts") or []) else MARKETER, str(email))
    if dashboard_password or analyst_password:
        return _password_form(dashboard_password, analyst_password, _backoff(backoff_max_s))
    if not is_loopback(bind_address):
        st.title("hausgraph")
        st.error(
            f"Refused: the app is served on {bind_address or 'every interface'} without a sign-in. "
            "Set HAUSGRAPH_DASHBOARD_PASSWORD (marketers) and HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD, "
            "or OIDC in .streamlit/secrets.toml, or serve on 127.0.0.1 only."
        )
        st.stop()
    return _settle(ANALYST, "local")


def _password_form(password: str | None, analyst_password: str | None, backoff: Backoff) -> str:
    if st.session_state.get(_ROLE_KEY):
        if st.sidebar.button("Sign out"):
            for key in (_ROLE_KEY, _USER_KEY):
                st.session_state.pop(key, None)
            st.rerun()
        return st.session_state[_ROLE_KEY]
    st.title("hausgraph")
    with st.form("sign_in"):
        given = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            wait = backoff.wait_s()
            if wait > 0:
                st.error(f"Too many failed sign-ins: try again in {wait:.0f} s.")
                st.stop()
            granted = password_role(given, password, analyst_password)
            if granted:
                backoff.succeed()
                _settle(granted, f"{granted}:{_session_id()}")
                st.rerun()
            backoff.fail()
            st.error("Wrong password.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _session_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.session_id[:8] if ctx else "?"
    except Exception:  # noqa: BLE001 - an audit name, not a security boundary
        return "?"
