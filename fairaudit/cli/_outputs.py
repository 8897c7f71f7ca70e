"""Where the command writes: output paths checked before any work, files written together.

Every output path is checked before anything is read or computed: it must not be a folder,
its folder must exist and be writable, it must not be one of the inputs (also through a
symbolic link or another spelling of the path) and no two outputs may name the same file.
The outputs of one run are then rendered in memory, staged as complete temporary files and
only then moved over their targets (:mod:`fairaudit._io`), so that they are all new or all
old. ``-`` is stdout.

Also the outputs every command shares: where the human summary goes, the JSON and Markdown
outputs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from .. import _io
from ._errors import CLIError

ERR_OUT_FOLDER = "argument {arg}: '{path}' is a folder; give a file name, e.g. '{example}'"
ERR_OUT_NO_FOLDER = (
    "argument {arg}: cannot write '{path}': folder '{folder}' does not exist; create it "
    "first or choose another path"
)
ERR_OUT_DENIED = "argument {arg}: cannot write '{path}': {reason}"
ERR_OUT_IS_INPUT = (
    "argument {arg}: '{path}' is the input {source} ('{source_path}'); writing it would "
    "destroy the input; choose another path"
)
ERR_OUT_TWICE = "arguments {first} and {second} both name '{path}'; give each its own file"
ERR_OUT_NOT_FOLDER = "argument {arg}: '{path}' exists and is not a folder"

#: File names suggested when an output argument names a folder.
EXAMPLE_NAMES = {"--out": "report.html", "--json": "results.json", "--markdown": "summary.md"}

STDOUT = "-"


@dataclass(frozen=True)
class Output:
    """One output of a run: the text for ``path`` (``-`` is stdout); appended or replaced."""

    arg: str
    path: str
    text: str
    append: bool = False


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: after symbolic links and ``..``, or as hard links."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(arg: str, path: str) -> None:
    """Refuse, with one line naming ``arg``, a path that cannot be written as a file.

    Parameters
    ----------
    arg : str
        The option, e.g. ``--out``.
    path : str
        The path as given; ``-`` (stdout) is always fine.
    """
    if path == STDOUT:
        return
    if not path:
        raise CLIError(ERR_OUT_DENIED.format(arg=arg, path=path, reason="empty file name"))
    target = os.path.realpath(path) if os.path.islink(path) else path
    if os.path.isdir(target):
        example = os.path.join(path, EXAMPLE_NAMES.get(arg, "output"))
        raise CLIError(ERR_OUT_FOLDER.format(arg=arg, path=path, example=example))
    if _io.is_direct(path) and os.path.exists(path):  # /dev/stdout, a pipe: written in place
        if not os.access(path, os.W_OK):
            reason = os.strerror(errno.EACCES)
            raise CLIError(ERR_OUT_DENIED.format(arg=arg, path=path, reason=reason))
        return
    folder = os.path.dirname(target) or os.curdir
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            reason = f"'{folder}' is not a folder"
            raise CLIError(ERR_OUT_DENIED.format(arg=arg, path=path, reason=reason))
        raise CLIError(ERR_OUT_NO_FOLDER.format(arg=arg, path=path, folder=folder))
    try:  # the one reliable test of "can a file be created here" (also as root)
        fd, probe = _io.new_temp_file(folder, os.path.basename(target))
    except OSError as exc:
        raise CLIError(ERR_OUT_DENIED.format(arg=arg, path=path, reason=_reason(exc))) from exc
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def check_outputs(
    outputs: Sequence[tuple[str, str | None]], inputs: Sequence[tuple[str, str | None]] = ()
) -> None:
    """Check every output before any work: writable, not an input, not named twice.

    Parameters
    ----------
    outputs : sequence of (argument, path or None)
        The outputs asked for; None (not asked) and ``-`` (stdout) are skipped.
    inputs : sequence of (argument, path or None)
        The files the run reads.
    """
    given = [(a, p) for a, p in outputs if p is not None and p != STDOUT]
    for arg, path in given:
        for source, source_path in inputs:
            if source_path is not None and same_file(path, source_path):
                raise CLIError(
                    ERR_OUT_IS_INPUT.format(
                        arg=arg, path=path, source=source, source_path=source_path
                    )
                )
    for i, (first, a) in enumerate(given):
        for second, b in given[i + 1 :]:
            if same_file(a, b) and not _io.is_direct(a):
                raise CLIError(ERR_OUT_TWICE.format(first=first, second=second, path=b))
    for arg, path in given:
        check_output(arg, path)


def check_folder(arg: str, path: str) -> None:
    """Create the output folder ``path`` if needed and check that files can be made in it."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise CLIError(ERR_OUT_NOT_FOLDER.format(arg=arg, path=path))
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = _io.new_temp_file(path, "probe")
    except OSError as exc:
        raise CLIError(ERR_OUT_DENIED.format(arg=arg, path=path, reason=_reason(exc))) from exc
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def write_outputs(outputs: Sequence[Output]) -> None:
    """Write the files of one run, all or none; then what goes to stdout.

    Every file is first written completely to a temporary file beside it; the targets are
    replaced only when all are written. A failure leaves every target as it was.
    """
    files = []
    for out in outputs:
        if out.path == STDOUT:
            continue
        data = out.text.encode("utf-8")
        files.append((out.path, _io.appended(out.path, data) if out.append else data))
    _io.write_files(files)
    for out in outputs:
        if out.path == STDOUT:
            sys.stdout.write(out.text)
            sys.stdout.flush()


# ----------------------------------------------------------------------------- shared outputs
ERR_TWO_STDOUT = "arguments --json and --markdown cannot both be '-' (stdout)"
ERR_STDOUT_REPORT = "arguments --out and {other} cannot both be '-' (stdout)"


def summary_stream(args: Any) -> IO[str]:
    """Human text goes to stdout unless stdout carries the report, JSON or Markdown.

    Refuses two outputs on stdout (checked before any work).
    """
    on_stdout = [
        arg for arg in ("--out", "--json", "--markdown") if getattr(args, arg[2:], None) == "-"
    ]
    if len(on_stdout) > 1:
        if "--out" in on_stdout:
            raise CLIError(ERR_STDOUT_REPORT.format(other=on_stdout[1]))
        raise CLIError(ERR_TWO_STDOUT)
    return sys.stderr if on_stdout else sys.stdout


def emit(lines: Sequence[str], stream: IO[str]) -> None:
    """Print ``lines`` to ``stream``, one per line."""
    for line in lines:
        print(line, file=stream)


def written(path: str) -> tuple[str, ...]:
    """The note that a report was written (none when it went to stdout)."""
    return () if path == STDOUT else (f"report written to {path}",)


def markdown_output(results: list[Any], args: Any, title: str) -> list[Output]:
    """The Markdown summary asked for with --markdown (appended to its file), if any."""
    target = getattr(args, "markdown", None)
    if not target:
        return []
    from ..report import render_markdown

    text = render_markdown(*results, title=title)
    return [Output("--markdown", target, text, append=True)]


def json_output(result: Any, target: str | None) -> list[Output]:
    """The results as JSON for --json (the library's text; stdout gets a final newline)."""
    if not target:
        return []
    text = result.to_json(indent=2)
    return [Output("--json", target, text + "\n" if target == STDOUT else text)]
