"""The server's HTTP/1.1 protocol (service.core.http11) on a real socket."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from service.core.http11 import ProblemH11Protocol


async def _app(scope, receive, send):  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_answers_never_wait_on_nagle_even_on_the_socket_of_several_workers():
    """uvicorn binds the socket it shares between workers without a protocol number, so
    asyncio leaves Nagle on for its connections: the protocol turns it off itself."""
    config = Config(app=_app, http=ProblemH11Protocol, lifespan="off", log_config=None)
    config.load()
    state, made = ServerState(), []

    def protocol() -> ProblemH11Protocol:
        made.append(ProblemH11Protocol(config, state, {}))
        return made[-1]

    shared = socket.socket(socket.AF_INET)  # as uvicorn's Config.bind_socket makes it: proto 0
    shared.bind(("127.0.0.1", 0))
    assert shared.proto == 0
    server = await asyncio.get_running_loop().create_server(protocol, sock=shared)
    try:
        reader, writer = await asyncio.open_connection(*shared.getsockname())
        writer.write(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 204")
        accepted = made[0].transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
