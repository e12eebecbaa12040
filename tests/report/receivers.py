"""Loopback receivers for the report's channels: one HTTP server that records every request (ntfy, Telegram's
Bot API and Pushover answer like the services: 200 with JSON), and a plain SMTP server (RFC 5321 subset)."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    requests: list[Request] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)  # path prefix -> status to answer (default 200)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(Request(self.command, self.path, dict(self.headers.items()), body))
                status = next((s for p, s in receiver.status.items() if self.path.startswith(p)), 200)
                payload = b'{"ok": true, "status": 1}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_PUT = _record

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class SmtpReceiver:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)  # (from, to, data)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                def say(line: str) -> None:
                    self.wfile.write(line.encode() + b"\r\n")

                say("220 loopback ESMTP")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        say("250 loopback")
                    elif verb == "MAIL":
                        sender = command.split(":", 1)[1].strip("<> ")
                        say("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip("<> "))
                        say("250 OK")
                    elif verb == "DATA":
                        say("354 end with .")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        receiver.messages.append((sender, recipients, data))
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
