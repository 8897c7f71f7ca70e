"""Atomic file writes: a temporary file in the target's folder, flushed to disk, then renamed.

A reader of the target sees either the old file or the complete new one, never a truncated
one: the new content is written to a temporary file next to the target, ``fsync``-ed, and
moved over the target with :func:`os.replace` (atomic on POSIX and Windows within one file
system). On any failure the temporary file is removed and the target is left as it was.

The new file gets the permissions of the file it replaces, or, for a new file, those of
any file the process creates (``0o666`` less the umask) -- not the ``0o600`` of
:func:`tempfile.mkstemp`. A target that exists and is not a regular file (``/dev/null``, a
terminal, a named pipe), or a path under ``/dev`` or ``/proc`` (``/dev/stdout``), cannot be
replaced; it is written to directly. A symbolic link is followed: the file it points to is
replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "StagedFile",
    "append_text",
    "appended",
    "is_direct",
    "new_temp_file",
    "stage",
    "write_bytes",
    "write_files",
    "write_text",
]

PathLike = str | os.PathLike[str]
_TEMP_TRIES = 100


@dataclass
class StagedFile:
    """New content for ``target``, already complete on disk in ``temp`` (or held in memory).

    Call :meth:`commit` to move it over the target, or :meth:`discard` to drop it.
    """

    target: str
    temp: str | None  # None: the target is a special file, written directly on commit
    data: bytes = b""

    def commit(self) -> None:
        """Replace the target with the new content."""
        if self.temp is None:
            with open(self.target, "wb") as fh:
                fh.write(self.data)
            return
        os.replace(self.temp, self.target)
        self.temp = None
        _fsync_folder(os.path.dirname(self.target))

    def discard(self) -> None:
        """Remove the temporary file, leaving the target untouched."""
        if self.temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temp)
            self.temp = None


#: Folders of device files and process links (``/dev/stdout``, ``/proc/self/fd/1``): written
#: directly, because what they point to (a pipe, a terminal) cannot be replaced.
DIRECT_FOLDERS = ("/dev/", "/proc/")


def is_direct(path: PathLike) -> bool:
    """Whether ``path`` is written in place: an existing target that is neither a regular
    file nor a folder (after symbolic links), or a path under ``/dev`` or ``/proc``."""
    target = os.fspath(path)
    if os.path.abspath(target).startswith(DIRECT_FOLDERS):
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _resolve(path: PathLike) -> str:
    """The file that writing ``path`` changes: a symbolic link is followed."""
    target = os.fspath(path)
    if not target:
        raise FileNotFoundError(errno.ENOENT, "empty file name", target)
    return os.path.realpath(target) if os.path.islink(target) else target


def _fsync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def new_temp_file(folder: str, name: str) -> tuple[int, str]:
    """Create a new, empty, hidden file in ``folder``, named after ``name``.

    Parameters
    ----------
    folder : str
        Where to create it (the target's folder, so that a rename is atomic).
    name : str
        The target's file name, part of the temporary name.

    Returns
    -------
    (int, str)
        An open descriptor for writing, and the path. The mode is ``0o666`` less the
        umask, as for any new file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMP_TRIES):
        temp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def stage(path: PathLike, data: bytes) -> StagedFile:
    """Write ``data`` to a temporary file beside ``path``; the target is not touched yet.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its folder must exist).
    data : bytes
        The complete new content.

    Returns
    -------
    StagedFile
        Commit it to replace the target, or discard it.

    Raises
    ------
    OSError
        When the folder is missing or not writable, the target is a folder, or the disk
        is full; no file is left behind.
    """
    if is_direct(path):
        return StagedFile(os.fspath(path), None, bytes(data))
    target = _resolve(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    folder, name = os.path.split(target)
    fd, temp = new_temp_file(folder or os.curdir, name)
    staged = StagedFile(target, temp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if info is not None:  # keep the replaced file's permissions
            os.chmod(temp, stat.S_IMODE(info.st_mode))
    except BaseException:
        staged.discard()
        raise
    return staged


def write_files(items: Iterable[tuple[PathLike, bytes]]) -> None:
    """Write several files so that none is replaced unless all were written completely.

    Every content is first written to its temporary file; only when all succeeded are the
    targets replaced, one rename each. On a failure nothing is replaced and no temporary
    file is left.

    Parameters
    ----------
    items : iterable of (path, bytes)
        The files and their complete new contents.
    """
    staged: list[StagedFile] = []
    try:
        for path, data in items:
            staged.append(stage(path, data))
        for s in staged:
            s.commit()
    finally:
        for s in staged:
            s.discard()


def write_bytes(path: PathLike, data: bytes) -> None:
    """Replace ``path`` atomically with ``data`` (see the module docstring)."""
    write_files([(path, data)])


def write_text(path: PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` atomically with ``text`` encoded as ``encoding``."""
    write_files([(path, text.encode(encoding))])


def appended(path: PathLike, data: bytes) -> bytes:
    """The content of ``path`` followed by ``data`` (just ``data`` for a new file, or one
    written in place, see :func:`is_direct`)."""
    if is_direct(path):
        return bytes(data)
    try:
        with open(_resolve(path), "rb") as fh:
            return fh.read() + data
    except FileNotFoundError:
        return bytes(data)


def append_text(path: PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Append ``text`` to ``path``, atomically: the old content plus the new replaces it."""
    write_bytes(path, appended(path, text.encode(encoding)))
