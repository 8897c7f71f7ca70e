"""``main(argv)``: the parser of every sub-command, the warnings and the exit codes.

Exit codes: 0 all gates pass, 1 a gate failed, 2 usage or input error, 3 a bug in
fairaudit, 4 nothing could be evaluated, 5 ``check --strict``: the overall verdict is not
PASS.

Only input errors are exit 2: the command line's own errors (:class:`CLIError`, argparse's)
and the ``ValueError``, ``TypeError`` and ``FileNotFoundError`` that fairaudit's validation
raises with a message naming the argument. Any other exception (also one of those three
types raised by an operation rather than by fairaudit's ``raise``) is a bug: exit 3, one line
saying so and how to report it (an ``OSError``, such as a full disk, says that the
operating system refused instead); ``--debug`` or ``FAIRAUDIT_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import IO, Any

from . import audit, case_study, check, demo, ll144, report
from ._errors import (
    EXIT_CODES_TEXT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    is_input_error,
)
from ._parser import Parser, ParserExit, formatter

#: The sub-commands, in the order of ``fairaudit --help``: each module has ``NAME``,
#: ``add_parser(sub)`` and ``run(args) -> exit code``.
COMMANDS = (audit, check, report, case_study, demo, ll144)
COMMAND_NAMES = tuple(c.NAME for c in COMMANDS)

MSG_BUG = (
    "internal error: {kind}: {message} -- this is a bug in fairaudit {version}; please "
    "report it with the command line and the output of the same command with --debug"
)
MSG_SYSTEM = (
    "internal error: {kind}: {message} (the operating system refused; not a bug in "
    "fairaudit; re-run with --debug for the traceback)"
)

MAIN_EPILOG = (
    """\
examples:
  fairaudit demo                                   # audit built-in data, write report.html
  fairaudit audit data.csv --target y --prediction y_hat --sensitive sex --out report.html
  fairaudit audit data.csv --target y --score p --threshold 0.5 --sensitive sex \\
      --sensitive race --json results.json --fail-on "demographic_parity_ratio<0.8"
  fairaudit check results.json --fail-on "equalized_odds_difference>0.1"
  fairaudit report results.json --out report.html
  fairaudit case-study list
  fairaudit ll144 data.csv --sex gender --race-ethnicity race --selected hired --out audit.html

"""
    + EXIT_CODES_TEXT
)


def build_parser() -> argparse.ArgumentParser:
    """The ``fairaudit`` parser with every sub-command's options."""
    from .. import __version__

    parser = Parser(
        prog="fairaudit",
        description="Audit machine-learning models for bias: group metrics with confidence "
        "intervals, named fairness criteria, self-contained HTML reports and CI gates.",
        epilog=MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"fairaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fairaudit`` command; return its exit code (never raises).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``fairaudit`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code (see ``fairaudit --help``).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list or os.environ.get("FAIRAUDIT_DEBUG", "") == "1"
    stdout = sys.stdout
    guard = _PipeGuard(stdout)
    sys.stdout = guard  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            if not debug:  # undefined values are reported in the results, not as warnings
                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.showwarning = _one_line_warning(_prog(args_list))
            return _main(args_list, debug)
    finally:
        guard.flush()
        sys.stdout = stdout
        if guard.broken:
            _silence(stdout)


def _prog(args_list: list[str]) -> str:
    command = next((a for a in args_list if not a.startswith("-")), None)
    return f"fairaudit {command}" if command in COMMAND_NAMES else "fairaudit"


def _one_line_warning(prog: str):
    """A ``warnings.showwarning`` that writes ``PROG: warning: MESSAGE`` on one line."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split())
        print(f"{prog}: warning: {text}", file=file or sys.stderr)

    return show


def _main(args_list: list[str], debug: bool) -> int:
    parser = build_parser()
    prog = "fairaudit"
    try:
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        prog = f"fairaudit {args.command}"
        if getattr(args, "quiet", False) and not debug:
            warnings.simplefilter("ignore")  # --quiet: the results record what was warned
        handler = {c.NAME: c.run for c in COMMANDS}[args.command]
        return int(handler(args))
    except ParserExit as exc:
        return exc.status
    except CLIError as exc:
        if debug and exc.traceback_of is not None:
            traceback.print_exception(exc.traceback_of)
        print(f"{exc.prog or prog}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return EXIT_OK
    except Exception as exc:
        if debug:
            traceback.print_exc()
        message = " ".join(str(exc).split()) or type(exc).__name__
        if is_input_error(exc):  # the library's message names the argument and the fix
            print(f"{prog}: error: {message}", file=sys.stderr)
            return EXIT_USAGE
        from .. import __version__

        template = MSG_SYSTEM if isinstance(exc, OSError) else MSG_BUG
        text = template.format(kind=type(exc).__name__, message=message, version=__version__)
        print(f"{prog}: {text}", file=sys.stderr)
        return EXIT_INTERNAL


class _PipeGuard:
    """``sys.stdout`` that turns a closed pipe (``| head``) into silence.

    After the first ``BrokenPipeError`` every further write is dropped, so the command
    finishes and returns its exit code (e.g. a failed gate's) instead of an error.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _silence(stream: IO[str]) -> None:
    """Point a broken stdout at /dev/null so that the interpreter's last flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
