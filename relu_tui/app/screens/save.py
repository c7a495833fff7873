"""Save the scenario on screen: a path to type, and a question before an existing file is replaced."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from relu_tui.visible import visible


class SaveScreen(ModalScreen[Path | None]):
    """Dismisses with the path to write (already confirmed when a file is there), or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", key_display="esc", id="cancel")]

    def __init__(self, suggestion: Path, what: str) -> None:
        super().__init__()
        self.suggestion, self.what = suggestion, what

    def compose(self) -> ComposeResult:
        with Vertical(id="save", classes="dialog"):
            yield Static(Text(f"Save {self.what} as a scenario file", style="bold"))
            yield Input(str(self.suggestion), id="path", compact=True)
            yield Static(Text("⏎ saves (a relative path is from where relu-tui started) · relu-tui FILE opens it "
                              "again, relu-tui run FILE reruns it exactly", style="dim"))
            yield Static("", id="save-error", classes="form-error")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#save-error", Static).update(Text("type a file name", style="bold red"))
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one("#save-error", Static).update(Text(f"{visible(str(path))} is a directory",
                                                              style="bold red"))
            return
        if path.exists():
            def answered(yes: bool | None) -> None:
                if yes:
                    self.dismiss(path)

            self.app.push_screen(ConfirmScreen(f"{visible(str(path))} exists. Replace it?"), answered)
            return
        self.dismiss(path)


class ConfirmScreen(ModalScreen[bool]):
    """A yes-or-no question: y says yes, n or escape no."""

    BINDINGS = [Binding("y", "dismiss(True)", "Yes", id="yes"),
                Binding("n,escape", "dismiss(False)", "No", key_display="n", id="no")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static(Text(self.question, style="bold"))
            yield Static(Text("y replaces it · n or esc keeps it", style="dim"))
        yield Footer(compact=True)
