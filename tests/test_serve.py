"""`relu-tui serve`: textual-serve answers a browser with the app's page; mistakes fail before serving."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

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
