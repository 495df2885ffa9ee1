"""A fake Bot Framework on loopback, over TLS: what Microsoft's cloud is to the Teams bot.

- the signing keys (a JWKS document) behind `TEAMS_OPENID_URL`, and tokens signed with them (`activity_token`);
- the sign-in service behind `TEAMS_LOGIN_URL`: tenant discovery and a client-credentials token endpoint;
- a connector at the activities' `serviceUrl` that records what the bot sends, creates personal chats, answers
  member look-ups and refuses calls as a test tells it to (429 with Retry-After, 5xx).

It serves HTTPS with a self-signed certificate for `localhost` and `127.0.0.1`; processes trust it through
`SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE` (`trust_env`), which urllib, httpx and requests all honour.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import itertools
import json
import re
import ssl
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CLIENT_ID = "8d3c1a5e-2f47-4b6a-9c1d-0e2f3a4b5c6d"
CLIENT_SECRET = "teams-test-secret"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "0b1e4f7a-1111-4222-8333-944455556666"
ISSUER = "https://api.botframework.com"
KID = "fake-key-1"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for localhost and 127.0.0.1, as PEM files in `folder`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fake-cert.pem", folder / "fake-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Sent:
    """One call the bot made to the connector."""

    method: str
    path: str
    body: dict
    conversation: str


class FakeBotFramework:
    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # never published
        self.sent: list[Sent] = []
        self.token_requests: list[dict] = []
        self.refusals: deque[tuple[int, dict[str, str]]] = deque()
        self.members: dict[str, str] = {}  # 29:… user ID → aadObjectId, for member look-ups
        self.roles: dict[str, str] = {}  # 29:… user ID → userRole ("user" when not named)
        self.issued: set[str] = set()  # the access tokens the login service handed out
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    # Where things are

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    @property
    def openid_url(self) -> str:
        return f"{self.base}/v1/.well-known/openidconfiguration"

    @property
    def login_url(self) -> str:
        return self.base

    @property
    def service_url(self) -> str:
        return f"{self.base}/connector/"

    # What a test does with it

    def activity_token(self, *, audience: str = CLIENT_ID, issuer: str = ISSUER, service_url: str | None = None,
                       expires_in: int = 3600, key=None, kid: str = KID, algorithm: str = "RS256") -> str:
        """A token as the Bot Framework signs one for an activity it sends to the bot."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "serviceurl": service_url or self.service_url,
                  "iat": now - 10, "nbf": now - 10, "exp": now + expires_in}
        if algorithm == "none":
            return jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
        return jwt.encode(claims, key or self.key, algorithm=algorithm, headers={"kid": kid})

    def refuse(self, status: int, times: int = 1, **headers: str) -> None:
        """Refuse the next `times` connector calls with `status` (and `headers`, e.g. Retry_After="1")."""
        self.refusals.extend([(status, {k.replace("_", "-"): v for k, v in headers.items()})] * times)

    def activities(self, conversation: str | None = None) -> list[dict]:
        """The activities the bot posted (not updates), to one conversation or to all."""
        return [s.body for s in self.sent if s.method == "POST" and s.path.endswith("/activities")
                and (conversation is None or s.conversation == conversation)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Serving

    def _jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "kid": KID, "alg": "RS256", "n": _b64(numbers.n),
                          "e": _b64(numbers.e), "endorsements": ["msteams"]}]}

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: dict | None = None,
               headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body if body is not None else {}).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        path = request.path.split("?")[0]
        if path == "/v1/.well-known/keys":
            return self._reply(request, 200, self._jwks())
        if path == "/v1/.well-known/openidconfiguration":
            return self._reply(request, 200, {"issuer": ISSUER, "jwks_uri": f"{self.base}/v1/.well-known/keys",
                                              "id_token_signing_alg_values_supported": ["RS256"]})
        login = re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path)
        if login:
            tenant = login.group(1)
            return self._reply(request, 200, {
                "issuer": f"{self.base}/{tenant}/v2.0",
                "authorization_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/token",
            })
        if re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
            return self._token(request, raw)
        if path.startswith("/connector/"):
            return self._connector(request, method, path.removeprefix("/connector"), raw)
        self._reply(request, 404, {"error": "not found"})

    def _token(self, request: BaseHTTPRequestHandler, raw: str) -> None:
        import urllib.parse

        form = dict(urllib.parse.parse_qsl(raw))
        with self.lock:
            self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._reply(request, 401, {"error": "invalid_client", "error_description": "bad secret"})
        now = int(time.time())
        token = jwt.encode({"iss": f"{self.base}/{TENANT_ID}/v2.0", "aud": "https://api.botframework.com",
                            "appid": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 3600}, self.key,
                           algorithm="RS256")
        with self.lock:
            self.issued.add(token)
        self._reply(request, 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _connector(self, request: BaseHTTPRequestHandler, method: str, path: str, raw: str) -> None:
        authorization = request.headers.get("Authorization", "")
        if authorization.removeprefix("Bearer ") not in self.issued:
            return self._reply(request, 401, {"error": {"code": "Unauthorized", "message": "bad token"}})
        with self.lock:
            refusal = self.refusals.popleft() if self.refusals else None
        if refusal:
            status, headers = refusal
            return self._reply(request, status, {"error": {"code": "Throttled", "message": "slow down"}}, headers)
        body = json.loads(raw) if raw else {}
        member = re.fullmatch(r"/v3/conversations/([^/]+)/members/([^/]+)", path)
        if method == "GET" and member:
            user = member.group(2)
            if user not in self.members:
                return self._reply(request, 404, {"error": {"code": "NotFound", "message": "no such member"}})
            return self._reply(request, 200, {"id": user, "name": "Someone", "aadObjectId": self.members[user],
                                              "userRole": self.roles.get(user, "user")})
        if method == "POST" and path == "/v3/conversations":
            user = body["members"][0]["id"]
            conversation = f"a:personal-{user}"
            with self.lock:
                self.sent.append(Sent(method, path, body, conversation))
            return self._reply(request, 201, {"id": conversation})
        activity = re.fullmatch(r"/v3/conversations/([^/]+)/activities(?:/([^/]+))?", path)
        if activity and method in ("POST", "PUT"):
            conversation = activity.group(1)
            with self.lock:
                self.sent.append(Sent(method, path if method == "POST" else "/activities/update", body,
                                      conversation))
            return self._reply(request, 201 if method == "POST" else 200,
                               {"id": activity.group(2) or f"activity-{next(self._ids)}"})
        self._reply(request, 404, {"error": {"code": "NotFound", "message": path}})


def new_id() -> str:
    return str(uuid.uuid4())
