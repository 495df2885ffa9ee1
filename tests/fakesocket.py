"""A fake Slack Socket Mode endpoint on loopback: a minimal WebSocket server (RFC 6455) that says hello, sends the
envelopes a test gives it, and collects the app's acknowledgements."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(payload: bytes, opcode: int = 0x1) -> bytes:
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([len(payload)])
    elif len(payload) < 65536:
        header += bytes([126]) + struct.pack("!H", len(payload))
    else:
        header += bytes([127]) + struct.pack("!Q", len(payload))
    return header + payload


def _exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = _exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(sock, 8))[0]
    mask = _exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_exactly(sock, length)))
    return first & 0x0F, payload


class FakeSocketMode:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.acks: list[dict] = []
        self.connected = threading.Event()
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.getsockname()[1]}/link/?ticket=test"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            request = b""
            while b"\r\n\r\n" not in request:
                request += client.recv(4096)
            key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                       if line.lower().startswith("sec-websocket-key"))
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            client.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            self._client = client
            self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
            self.connected.set()
            threading.Thread(target=self._read, args=(client,), daemon=True).start()

    def _read(self, client: socket.socket) -> None:
        try:
            while True:
                opcode, payload = _read_frame(client)
                if opcode == 0x9:  # ping
                    with self._lock:
                        client.sendall(_frame(payload, 0xA))
                elif opcode == 0x1:
                    self.acks.append(json.loads(payload))
                elif opcode == 0x8:
                    return
        except (ConnectionError, OSError):
            return

    def send(self, message: dict) -> None:
        with self._lock:
            self._client.sendall(_frame(json.dumps(message).encode()))

    def ack_for(self, envelope_id: str, seconds: float = 10) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for ack in self.acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            time.sleep(0.02)
        raise AssertionError(f"no acknowledgement of {envelope_id}")

    def close(self) -> None:
        self.server.close()
        if self._client is not None:
            self._client.close()
