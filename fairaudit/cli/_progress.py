"""What a long step is doing: an elapsed-time spinner on stderr when it is a terminal."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from contextlib import contextmanager
from typing import IO


class Progress:
    """Elapsed-time spinner on stderr, shown only when stderr is a terminal.

    With ``lines=True`` a stream that is not a terminal (a CI log) gets one line when a
    step starts and one when it ends, instead of nothing.
    """

    FRAMES = "|/-\\"

    def __init__(
        self, stream: IO[str] | None = None, enabled: bool | None = None, *, lines: bool = False
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        if enabled is None:
            enabled = terminal
        self.enabled = enabled
        self.lines = lines and not terminal

    @contextmanager
    def step(self, text: str):
        if self.lines:
            with self._lines(text):
                yield
            return
        if not self.enabled:
            yield
            return
        stop = threading.Event()
        start = time.monotonic()

        def spin() -> None:
            for frame in itertools.cycle(self.FRAMES):
                if stop.wait(0.1):
                    break
                elapsed = time.monotonic() - start
                self.stream.write(f"\r{frame} {text} {elapsed:5.1f} s")
                self.stream.flush()

        thread = threading.Thread(target=spin, daemon=True)
        thread.start()
        ok = False
        try:
            yield
            ok = True
        finally:
            stop.set()
            thread.join()
            elapsed = time.monotonic() - start
            mark = "done" if ok else "failed"
            self.stream.write(f"\r{text} {mark} ({elapsed:.1f} s)\033[K\n")
            self.stream.flush()

    @contextmanager
    def _lines(self, text: str):
        start = time.monotonic()
        self.stream.write(f"{text} ...\n")
        self.stream.flush()
        ok = False
        try:
            yield
            ok = True
        finally:
            mark = "done" if ok else "failed"
            self.stream.write(f"{text} {mark} ({time.monotonic() - start:.1f} s)\n")
            self.stream.flush()
