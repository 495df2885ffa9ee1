"""`scr teams-package OUT.zip`: the Teams app package, from the settings."""

import json
import struct
import subprocess
import sys
import zipfile
import zlib

from tests.fakebotframework import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from tests.processes import ROOT, process_env


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows (RGBA, filter bytes removed) of a PNG this package wrote."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    chunks, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        tag, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(tag + body)
        if tag == b"IDAT":
            chunks.append(body)
        at += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * 4 + 1
    return width, height, [raw[row * stride + 1:(row + 1) * stride] for row in range(height)]


def test_the_package_holds_a_manifest_and_both_icons(tmp_path):
    out = tmp_path / "scr-bot-teams.zip"
    env = process_env(TEAMS_CLIENT_ID=CLIENT_ID, TEAMS_CLIENT_SECRET=CLIENT_SECRET, TEAMS_TENANT_ID=TENANT_ID,
                      DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    done = subprocess.run([sys.executable, "-m", "cli.main", "teams-package", str(out), "--domain",
                           "scr.example.org"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        colour, outline = _png(package.read("color.png")), _png(package.read("outline.png"))
    assert manifest["manifestVersion"].startswith("1.2") and manifest["id"] == CLIENT_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == CLIENT_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert [c["title"] for c in bot["commandLists"][0]["commands"]] == ["status", "help", "report"]
    assert "scr.example.org" in manifest["validDomains"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert all(url.startswith("https://") for url in manifest["developer"].values() if url.startswith("http"))
    assert colour[:2] == (192, 192) and all(row[3::4] == b"\xff" * 192 for row in colour[2])  # opaque
    assert outline[:2] == (32, 32)
    alphas = {a for row in outline[2] for a in row[3::4]}
    pixels = {bytes(row[i:i + 4]) for row in outline[2] for i in range(0, len(row), 4)}
    assert alphas == {0, 255} and pixels <= {b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"}  # white on transparency


def test_without_teams_settings_it_says_what_is_missing(tmp_path):
    env = process_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    done = subprocess.run([sys.executable, "-m", "cli.main", "teams-package", str(tmp_path / "p.zip")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "scr: TEAMS_CLIENT_ID is required for the Teams app package: set it in the " \
                                  "environment or in .env"
