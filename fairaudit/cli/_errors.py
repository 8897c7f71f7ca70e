"""Exit codes and the one-line error of the ``fairaudit`` command."""

from __future__ import annotations

import dis
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NOTHING_EVALUATED = 4
EXIT_INCONCLUSIVE = 5  # check --strict: the overall verdict is not PASS

ERR_FILE_MISSING = "argument {arg}: file '{path}' does not exist"
ERR_FILE_READ = "argument {arg}: cannot read '{path}' as {kind}: {reason}"
ERR_EMPTY = "argument DATA: '{path}' has no rows"

EXIT_CODES_TEXT = """\
exit codes:
  0  all gates pass (or no gate was asked for)
  1  a gate failed
  2  usage or input error (a one-line message names the argument)
  3  a bug in fairaudit (the message says how to report it; --debug shows the traceback)
  4  nothing could be evaluated (a gate's value is undefined, or every criterion is N/A)
  5  check --strict: no gate failed, but the overall verdict is not PASS (inconclusive)
"""


ERR_MODEL_RAISED = (
    "argument --model: the model in '{path}' raised {kind} in {method}(): {message} (an "
    "error in the model, not in fairaudit; --debug shows its traceback)"
)


class CLIError(Exception):
    """An error reported as one line on stderr, with an exit code.

    ``traceback_of``: an exception whose traceback ``--debug`` shows (an error raised in the
    user's own code, reported in one line otherwise).
    """

    def __init__(
        self,
        message: str,
        code: int = EXIT_USAGE,
        prog: str | None = None,
        traceback_of: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog
        self.traceback_of = traceback_of


def raised_in(exc: BaseException, obj: object) -> str | None:
    """The name of the method of ``obj`` that ``exc`` was raised in (the outermost frame
    of its traceback running a method of ``obj``), or None when it was raised elsewhere or
    in fairaudit's own code (a fairaudit estimator's bug stays a bug)."""
    tb: TracebackType | None = exc.__traceback__
    method = None
    while tb is not None:
        if method is None and tb.tb_frame.f_locals.get("self") is obj:
            method = tb.tb_frame.f_code.co_name
        last = tb
        tb = tb.tb_next
    if method is not None:
        module = str(last.tb_frame.f_globals.get("__name__", ""))
        if module == "fairaudit" or module.startswith("fairaudit."):
            return None  # a fairaudit estimator failing in fairaudit's code: not the user's
    return method


@contextmanager
def model_errors(model: object, path: str) -> Iterator[None]:
    """Report an exception raised inside the user's model (its ``predict``, ...) as an
    error in the model (exit 2, one line naming the file); others pass through."""
    try:
        yield
    except Exception as exc:
        method = raised_in(exc, model)
        if method is None:
            raise
        message = " ".join(str(exc).split()) or "(no message)"
        raise CLIError(
            ERR_MODEL_RAISED.format(
                path=path, kind=type(exc).__name__, method=method, message=message
            ),
            traceback_of=exc,
        ) from exc


def is_input_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an input error found by fairaudit's validation.

    That is a ``ValueError``, ``TypeError`` or ``FileNotFoundError`` raised by a ``raise``
    statement in fairaudit's code (the innermost frame of its traceback). The same types
    raised by an operation (numpy refusing a value, a bare re-raise) or in another package
    are not: fairaudit let something through that it should have checked.
    """
    if not isinstance(exc, ValueError | TypeError | FileNotFoundError):
        return False
    tb: TracebackType | None = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", ""))
    if module != "fairaudit" and not module.startswith("fairaudit."):
        return False
    return any(
        ins.offset == tb.tb_lasti and ins.opname == "RAISE_VARARGS"
        for ins in dis.get_instructions(tb.tb_frame.f_code)
    )


def option_message(message: str, options: Mapping[str, str]) -> str:
    """A library message in the command line's words: its parameter names replaced by the
    options that set them, prefixed ``argument OPTION:`` for the first one named.

    Parameters
    ----------
    message : str
        The library's message, e.g. ``pos_label='yes' does not occur in y_true ...``.
    options : mapping of str to str
        Parameter name -> option, e.g. ``{"pos_label": "--pos-label"}``. Names without an
        underscore (``threshold``) are replaced only where written ``NAME=``.

    Returns
    -------
    str
        E.g. ``argument --pos-label: 'yes' does not occur in --target ...``.
    """
    names = sorted(options, key=len, reverse=True)
    if not names:
        return message
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")\b(=?)")
    first: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, equals = match.group(1), match.group(2)
        if "_" not in name and not equals and match.start() != 0:
            return match.group(0)  # an ordinary word ("the decision threshold")
        first.append(options[name])
        rest = match.string[match.end() :]
        return options[name] + (" " if equals and rest[:1] not in ("", " ") else "")

    text = pattern.sub(replace, message)
    if not first:
        return message
    option = first[0]
    if text.startswith(option) and text[len(option) : len(option) + 1] in (" ", ":"):
        # "pos_label='yes' does" -> "'yes' does"; "y_pred must be" -> "must be"; "x: y" -> "y"
        text = text[len(option) :].removeprefix(":").lstrip()
    return f"argument {option}: {text}"


@contextmanager
def library_errors(options: Mapping[str, str]) -> Iterator[None]:
    """Report the library's input errors (see :func:`is_input_error`) in the command
    line's words (see :func:`option_message`) as :class:`CLIError`; others pass through."""
    try:
        yield
    except (ValueError, TypeError, FileNotFoundError) as exc:
        if not is_input_error(exc):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(option_message(message, options)) from exc
