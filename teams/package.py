"""The Teams app package (`scr teams-package OUT.zip`): the manifest and two icons, zipped for upload to Teams.

The Teams SDK does not make one. The manifest follows the GA schema v1.22; the bot is `TEAMS_CLIENT_ID`. The icons
are drawn here (a colour icon of 192×192 and a white outline icon of 32×32 on transparency, as Teams asks), so the
package needs no image files or libraries.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from scr.settings import Settings

MANIFEST_VERSION = "1.22"
ACCENT = (0x1D, 0x35, 0x57)
GUIDANCE = "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"
SCOPES = ["personal", "team", "groupChat"]
COMMANDS = [
    ("status", "Open reviews, soonest deadline first; status REF for one review in full"),
    ("help", "Every command, or help VERB for one"),
    ("report", "The board's report for a period"),
]
Pixel = tuple[int, int, int, int]


def png(size: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """A square RGBA PNG drawn pixel by pixel."""
    rows = b"".join(b"\x00" + bytes(channel for x in range(size) for channel in pixel(x, y)) for y in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8 bits a channel, RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _ring(size: int, inner: float, outer: float, ink: Pixel, paper: Pixel) -> Callable[[int, int], Pixel]:
    """A ring (a clock face, for deadlines) with a hand pointing up."""
    centre = (size - 1) / 2

    def pixel(x: int, y: int) -> Pixel:
        distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
        hand = abs(x - centre) <= (outer - inner) / 2 and centre - inner * 0.8 <= y <= centre
        return ink if inner <= distance <= outer or hand else paper

    return pixel


def colour_icon() -> bytes:
    return png(192, _ring(192, 52, 66, (255, 255, 255, 255), (*ACCENT, 255)))


def outline_icon() -> bytes:
    return png(32, _ring(32, 10, 13, (255, 255, 255, 255), (0, 0, 0, 0)))


def manifest(settings: Settings, domain: str | None = None, website: str = GUIDANCE) -> dict:
    settings.require("teams_client_id", purpose="for the Teams app package")
    try:
        package_version = version("scr-bot")
    except PackageNotFoundError:
        package_version = "0.1.0"
    return {
        "$schema": f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json",
        "manifestVersion": MANIFEST_VERSION,
        "version": package_version,
        "id": settings.teams_client_id,
        "developer": {"name": "scr-bot", "websiteUrl": website, "privacyUrl": website, "termsOfUseUrl": website},
        "name": {"short": "scr-bot", "full": "scr-bot: serious case reviews on time"},
        "description": {
            "short": "Keeps serious case reviews on time: deadlines, escalations, referrals.",
            "full": "Keeps a safeguarding partnership's serious case reviews and local child safeguarding practice "
                    "reviews on time: ask for the status of every review, update the records, and get reminders "
                    "before deadlines and escalations after them, with buttons to record a referral, mark a "
                    "review published or snooze a notice. Answers about records come to your personal chat.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": settings.teams_client_id,
            "scopes": SCOPES,
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [{"scopes": SCOPES, "commands": [
                {"title": title, "description": description} for title, description in COMMANDS]}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": ["token.botframework.com", *([domain] if domain else [])],
    }


def write_package(path: Path, settings: Settings, domain: str | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(settings, domain), indent=2))
        package.writestr("color.png", colour_icon())
        package.writestr("outline.png", outline_icon())
