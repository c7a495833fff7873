"""textual-serve's Server, guarded: only pages from the served host may drive the app, at most
``max_sessions`` apps run at once, and an app's process ends when its browser tab goes.

Without the guards, any web page open in the same browser could open the websocket (browsers do not
apply the same-origin policy to websockets) and drive the app, which writes exports on the server; each
connection starts an app process (about 300 MB); and a process left writing to a pipe nobody reads
ignores SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

GRACE_SECONDS = 3.0  # an app gets this long to quit when its tab goes, then SIGTERM, then as long again: SIGKILL
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
_WILDCARD = ("0.0.0.0", "::", "")


class _AppService(AppService):
    """An AppService that keeps its process, so the server can end it."""

    process: asyncio.subprocess.Process | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self.process = await super()._open_app_process(width, height)
        return self.process


class GuardedServer(Server):
    """A textual-serve Server with an Origin check, a cap on sessions and an end to every app it starts."""

    def __init__(self, command: str, host: str, port: int, *, max_sessions: int, grace: float = GRACE_SECONDS,
                 **kwargs) -> None:
        super().__init__(command, host=host, port=port, **kwargs)
        self.max_sessions = max_sessions
        self.grace = grace
        self.processes: set[asyncio.subprocess.Process] = set()  # app processes not ended yet
        self.sessions = 0
        self.origins = allowed_origins(self.public_url)
        self.any_host = host in _WILDCARD  # served on every interface: the page's origin is the request's host

    def origin_allowed(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        return self.any_host and parts.scheme in ("http", "https") and parts.netloc == request.host

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self.origin_allowed(request):
            origin = request.headers.get("Origin", "none")
            log.warning("refused a websocket from origin %r: only pages from %s may drive the app",
                        origin, self.public_url)
            raise web.HTTPForbidden(text=f"relu-tui serve: a page from origin {origin!r} may not drive the app; "
                                         f"open {self.public_url}")
        if self.sessions >= self.max_sessions:
            return await self._refuse(request)
        self.sessions += 1  # counted before any await, so simultaneous connections cannot all pass
        try:
            return await self._session(request)
        finally:
            self.sessions -= 1

    async def _refuse(self, request: web.Request) -> web.WebSocketResponse:
        """Tell the tab, in its terminal, why no app starts for it."""
        log.warning("refused a session: %d open, the most --max-sessions allows", self.sessions)
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        await websocket.send_bytes(
            f"relu-tui serve: {self.sessions} sessions are open, the most allowed (--max-sessions "
            f"{self.max_sessions}).\r\nClose another tab and reload this one, or restart the server with a larger "
            "--max-sessions.\r\n".encode())
        await websocket.close(code=1013, message=b"too many sessions")  # 1013: try again later
        return websocket

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: an app process driven by its websocket, ended (see :func:`end_process`) when it closes."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        service = _AppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                              close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        try:
            await service.start(width, height)
            if service.process is not None:
                self.processes.add(service.process)
            await self._process_messages(websocket, service)
        except Exception as error:  # a bad message from the tab: log it, end this session only
            log.exception(error)
        finally:
            await self._end(service)
            await websocket.close()
        return websocket

    async def _end(self, service: _AppService) -> None:
        try:
            await asyncio.wait_for(service.stop(), self.grace)  # asks the app to quit
        except Exception:
            pass
        if service.process is not None:
            await end_process(service.process, self.grace)
            self.processes.discard(service.process)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(end_process(process, self.grace) for process in list(self.processes)))
        self.processes.clear()


async def end_process(process: asyncio.subprocess.Process, grace: float) -> None:
    """Wait ``grace`` seconds for ``process`` to exit, then SIGTERM it, then after as long SIGKILL it.

    Its output is read and dropped meanwhile: an app blocked writing to a full pipe can then run to its
    end, and asyncio reports a process as exited only once its pipes are closed."""
    if process.stdin is not None:
        process.stdin.close()
    drains = [asyncio.create_task(_discard(stream)) for stream in (process.stdout, process.stderr) if stream]
    try:
        for stop in (process.terminate, process.kill):
            try:
                await asyncio.wait_for(process.wait(), grace)
                return
            except TimeoutError:
                pass
            try:
                stop()
            except ProcessLookupError:
                break
        await process.wait()
    finally:
        for drain in drains:
            drain.cancel()


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.read(2**16):
        pass


def allowed_origins(public_url: str) -> frozenset[str]:
    """The origins of pages the server hands out: its public URL's, and on a loopback host its aliases."""
    url = urlsplit(public_url)
    origins = {f"{url.scheme}://{url.netloc}"}
    port = f":{url.port}" if url.port else ""
    host = url.hostname or ""
    if host in ("localhost", "127.0.0.1", "::1"):
        origins |= {f"{url.scheme}://{name}{port}" for name in _LOOPBACK}
    return frozenset(origins)
