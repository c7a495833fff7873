"""Unhandled exceptions in the apps: a log file, one line on stderr, a non-zero exit status."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from textual.app import App
from textual.worker import WorkerFailed

from relu_tui.app.crashlog import CRASH_EXIT, crash_line, write_crash_log
from relu_tui.app.worker import Failed


class ReportingApp(App[None]):
    """An app that logs its first unhandled exception (``crash``, ``crash_log``) as it stops.

    Textual still stops the app (and ``run_test`` still re-raises the error), but it no longer
    prints its own full-screen traceback after closing the terminal: the log file holds it and
    :func:`run_reporting` prints one line naming that file.
    """

    crash: BaseException | None = None
    crash_log: Path | None = None

    def _handle_exception(self, error: Exception) -> None:
        if self.crash is None:
            self._record_crash(error.error if isinstance(error, WorkerFailed) else error)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def _record_crash(self, error: BaseException) -> None:
        self.crash, self.crash_log = error, write_crash_log(error, type(self).__name__)

    def on_failed(self, message: Failed) -> None:
        """A thread of the app's failed: raised here, it ends the app as a failure on the UI thread does."""
        raise message.error


def run_reporting(app: ReportingApp) -> int:
    """Run ``app`` in the terminal; the exit status: 0, or ``CRASH_EXIT`` after a crash (reported)."""
    try:
        app.run()
    except Exception as error:  # failed outside the message loop, e.g. the terminal could not be set up
        if app.crash is None:
            app._record_crash(error)
    if app.crash is None:
        return app.return_code or 0
    print(crash_line(app.crash, type(app).__name__, app.crash_log), file=sys.stderr)
    if app.crash_log is None:  # nowhere to keep the traceback: better on the terminal than lost
        traceback.print_exception(app.crash, file=sys.stderr)
    return CRASH_EXIT
