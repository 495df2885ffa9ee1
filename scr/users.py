"""Who a user is, whichever chat tool they use: a Slack user ID (`U012AB3CD`) or a Teams user's object ID.

Stored user IDs are at most 32 characters. A Teams user is keyed on their Microsoft Entra object ID (`aadObjectId`,
stable, unlike `29:…` IDs, names or e-mail addresses), a GUID kept as its 32 hex digits in upper case. The bot serves
one tenant (`TEAMS_TENANT_ID`, checked on every activity), so the object ID alone names the person.
"""

from __future__ import annotations

import re

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
OBJECT_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


def teams_user(object_id: str) -> str:
    """The stored key of a Teams user's object ID; `ValueError` if it is not a GUID."""
    if not OBJECT_ID.fullmatch(object_id):
        raise ValueError(f"{object_id!r} is not a Teams user's object ID (a GUID)")
    return object_id.replace("-", "").upper()


def user_key(value: str) -> str | None:
    """A Slack user ID or a Teams object ID as stored, or None if it is neither."""
    if SLACK_USER.fullmatch(value):
        return value
    if OBJECT_ID.fullmatch(value):
        return teams_user(value)
    return None
