"""The HTTP/1.1 server protocol: uvicorn's h11 one, whose own refusals (a request it
cannot read: malformed, or a request line or headers past h11's 16 KB) are
problem+json like every answer of the app, not plain text, and reach the client;
and whose TCP connections never wait on Nagle's algorithm."""

from __future__ import annotations

import asyncio
import socket

import h11
import msgspec
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.core.errors import PROBLEM_JSON, problem_body
from service.core.i18n import DEFAULT_LANG, N_, text

# After refusing, the rest of what the client sends is read and dropped this long before
# closing: closing on unread data resets the connection, and the client loses the answer.
LINGER_SECONDS = 2.0


class ProblemH11Protocol(H11Protocol):
    lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # An answer leaves in two writes (its head, then its body). asyncio turns Nagle off
        # only on sockets whose protocol number says TCP, and the socket uvicorn binds for
        # several workers says 0: the body then waited for the client's delayed ACK, some
        # 40 ms an answer (720 req/s instead of thousands, measured with --workers 2).
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.lingering:
            super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        # the request was never read: no language to honour, no route to name
        body = msgspec.json.encode(
            problem_body(
                400,
                "request.invalid",
                DEFAULT_LANG,
                reason=text(N_("not a readable HTTP/1.1 request (malformed, or its headers exceed 16 KB)")),
            )
        )
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
