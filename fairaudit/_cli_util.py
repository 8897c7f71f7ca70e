"""Command-line plumbing: errors with exit codes, progress on stderr, model loading."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NOTHING_EVALUATED = 4
EXIT_INCONCLUSIVE = 5  # check --strict: the overall verdict is not PASS

ERR_FILE_MISSING = "argument {arg}: file '{path}' does not exist"
ERR_FILE_READ = "argument {arg}: cannot read '{path}' as {kind}: {reason}"
ERR_COLUMN = "argument {arg}: column '{column}' is not in {data}; its columns are: {columns}"
ERR_TRUST = (
    "argument --model: loading a pickled model runs code from the file; add --trust-model "
    "if you trust '{path}'"
)
ERR_NO_PREDICTION = (
    "one of the arguments --prediction, --model or --score with --threshold is required"
)
ERR_EMPTY = "argument DATA: '{path}' has no rows"


class CLIError(Exception):
    """An error reported as one line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE, prog: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog


def check_columns(known: list[str], columns: list[str] | None, arg: str, data: str) -> None:
    """Refuse a column name that the file does not have, listing the ones it has."""
    for column in columns or []:
        if column not in known:
            listed = ", ".join(map(str, known[:40]))
            if len(known) > 40:
                listed += ", ..."
            raise CLIError(ERR_COLUMN.format(arg=arg, column=column, data=data, columns=listed))


def load_model(path: str, trusted: bool) -> Any:
    """Load a pickled or joblib model, only when the user said it is trusted."""
    if not trusted:
        raise CLIError(ERR_TRUST.format(path=path))
    if not Path(path).is_file():
        raise CLIError(ERR_FILE_MISSING.format(arg="--model", path=path))
    try:
        import joblib

        return joblib.load(path)
    except Exception as exc:
        raise CLIError(
            ERR_FILE_READ.format(
                arg="--model",
                path=path,
                kind="a pickled model",
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
        ) from exc


class Progress:
    """Elapsed-time spinner on stderr, shown only when stderr is a terminal."""

    FRAMES = "|/-\\"

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled

    @contextmanager
    def step(self, text: str):
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
