"""`relu-tui serve`: textual-serve answers a browser with the app's page; mistakes fail before serving."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import aiohttp
import pytest
from aiohttp import web

from relu_tui.app.guarded_server import GuardedServer, allowed_origins
from relu_tui.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_a_browser_with_the_app_page():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "relu_tui", "serve", "negative_init", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not come up"
                time.sleep(0.2)
        assert "relu-tui" in page and "ws://" in page  # the page connects back over a websocket
    finally:
        server.terminate()
        server.wait(10)


def test_serve_checks_the_scenario_before_serving(capsys):
    assert main(["serve", "no_such_scenario"]) == 2
    assert "no_such_scenario" in capsys.readouterr().err


# -- the guards, on a server in this process with a stand-in app (no torch: quick to start, quick to end) ---
# Says it is a Textual app, then sleeps (ending on SIGTERM); with "flood", ignores SIGTERM and writes screens
# without end: once its tab is gone nobody reads them and it blocks on the pipe, as a real app did.
STAND_IN = textwrap.dedent("""
    import signal, sys, time
    out = sys.stdout.buffer
    out.write(b"__GANGLION__\\n"); out.flush()
    if sys.argv[1:] == ["flood"]:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        payload = b"x" * 65536
        while True:
            out.write(b"D" + len(payload).to_bytes(4, "big") + payload); out.flush()
    time.sleep(120)
""")


def stand_in(tmp_path, *args: str) -> str:
    script = tmp_path / "app.py"
    script.write_text(STAND_IN)
    return "exec " + " ".join([sys.executable, str(script), *args])


async def serving(command: str, **options):
    port = free_port()
    server = GuardedServer(command, host="127.0.0.1", port=port, grace=0.3, **options)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return server, runner, f"http://127.0.0.1:{port}"


async def until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def bounded(test):
    """Run an async test to completion within 60 s."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), 60))
    return run


def test_the_allowed_origins_are_the_served_host_and_its_loopback_aliases():
    assert allowed_origins("http://localhost:8000") == {"http://localhost:8000", "http://127.0.0.1:8000",
                                                        "http://[::1]:8000"}
    assert allowed_origins("https://example.org") == {"https://example.org"}


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1", "null", None])
@bounded
async def test_a_websocket_from_another_origin_is_refused_with_403_and_starts_no_app(tmp_path, origin):
    server, runner, url = await serving(stand_in(tmp_path), max_sessions=2)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"{url}/ws", origin=origin)
            assert refused.value.status == 403 and not server.processes
            async with client.ws_connect(f"{url}/ws", origin=url.replace("127.0.0.1", "localhost")):
                await until(lambda: len(server.processes) == 1)  # the served host's own page is let in
    finally:
        await runner.cleanup()


@bounded
async def test_sessions_beyond_the_cap_are_refused_with_a_message_and_start_no_app(tmp_path):
    server, runner, url = await serving(stand_in(tmp_path), max_sessions=2)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            first = await client.ws_connect(f"{url}/ws", origin=url)
            second = await client.ws_connect(f"{url}/ws", origin=url)
            await until(lambda: len(server.processes) == 2)
            third = await client.ws_connect(f"{url}/ws", origin=url)
            message = await third.receive(timeout=5)
            assert message.type == aiohttp.WSMsgType.BINARY and b"--max-sessions 2" in message.data
            assert (await third.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
            assert third.close_code == 1013 and len(server.processes) == 2
            await first.close()
            await until(lambda: server.sessions == 1 and len(server.processes) == 1)
            fourth = await client.ws_connect(f"{url}/ws", origin=url)  # a freed place is taken again
            await until(lambda: len(server.processes) == 2)
            await second.close()
            await fourth.close()
            await until(lambda: not server.processes)
    finally:
        await runner.cleanup()


@bounded
async def test_a_closed_websocket_ends_its_app_even_one_blocked_on_a_pipe_that_ignores_sigterm(tmp_path):
    server, runner, url = await serving(stand_in(tmp_path, "flood"), max_sessions=2)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            websocket = await client.ws_connect(f"{url}/ws", origin=url)
            assert (await websocket.receive(timeout=5)).type == aiohttp.WSMsgType.BINARY  # the app is drawing
            await until(lambda: len(server.processes) == 1)
            pid = next(iter(server.processes)).pid
            await websocket.close()
            await until(lambda: not server.processes and not alive(pid))
    finally:
        await runner.cleanup()


def test_max_sessions_must_be_a_whole_number_of_at_least_one(capsys):
    assert main(["serve", "--max-sessions", "0"]) == 2
    assert "--max-sessions" in capsys.readouterr().err


def test_served_on_every_interface_a_page_may_drive_the_app_only_from_the_host_it_was_asked_for():
    from aiohttp.test_utils import make_mocked_request

    server = GuardedServer("true", host="0.0.0.0", port=8000, max_sessions=1)

    def allowed(origin, host="box.lan:8000"):
        headers = {"Host": host} | ({"Origin": origin} if origin else {})
        return server.origin_allowed(make_mocked_request("GET", "/ws", headers=headers))

    assert allowed("http://box.lan:8000") and allowed("https://box.lan:8000")
    assert not allowed("http://evil.example") and not allowed("http://box.lan:9000") and not allowed(None)
    assert not allowed("file://box.lan:8000")
