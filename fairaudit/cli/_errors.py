"""Exit codes and the one-line error of the ``fairaudit`` command."""

from __future__ import annotations

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


class CLIError(Exception):
    """An error reported as one line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE, prog: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog
