"""Optional sign-in: Streamlit OIDC when configured in secrets, else a password from settings, else open.

Roles: ``analyst`` sees the Cypher console, ``marketer`` does not. With OIDC, analysts are the
e-mails listed in ``[hausgraph] analysts`` of the secrets; with the password form, the
settings' password gives ``marketer`` and ``[hausgraph] analyst_password`` (secrets) gives
``analyst``. With no sign-in configured, everyone is an analyst (local use).
"""

from __future__ import annotations

import hmac
from typing import Any

import streamlit as st

__all__ = ["ANALYST", "MARKETER", "password_role", "role"]

ANALYST = "analyst"
MARKETER = "marketer"


def _secrets() -> dict[str, Any]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets.toml at all (a FileNotFoundError or Streamlit's own) is valid
        return {}


def password_role(given: str, password: str, analyst_password: str | None) -> str | None:
    """The role a typed password grants, compared in constant time.

    >>> password_role("pw", "pw", None), password_role("x", "pw", "x"), password_role("?", "pw", None)
    ('marketer', 'analyst', None)
    """
    if analyst_password and hmac.compare_digest(given.encode(), analyst_password.encode()):
        return ANALYST
    if hmac.compare_digest(given.encode(), password.encode()):
        return MARKETER
    return None


def role(dashboard_password: str | None) -> str:
    """The signed-in user's role; shows the sign-in form and stops the script until signed in."""
    secrets = _secrets()
    own = secrets.get("hausgraph") or {}
    if "auth" in secrets:
        if not st.user.is_logged_in:
            st.title("hausgraph")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        st.sidebar.button("Sign out", on_click=st.logout)
        return ANALYST if st.user.get("email") in list(own.get("analysts") or []) else MARKETER
    if dashboard_password:
        if st.session_state.get("role"):
            if st.sidebar.button("Sign out"):
                del st.session_state["role"]
                st.rerun()
            return st.session_state["role"]
        st.title("hausgraph")
        with st.form("sign_in"):
            given = st.text_input("Password", type="password")
            if st.form_submit_button("Sign in"):
                granted = password_role(given, dashboard_password, own.get("analyst_password"))
                if granted:
                    st.session_state["role"] = granted
                    st.rerun()
                st.error("Wrong password.")
        st.stop()
    return ANALYST
