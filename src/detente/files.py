"""Reading and writing files safely: the one atomic writer and the bounded reader.

Every file detente writes goes through :func:`write_atomic` (or :func:`write_atomic_with`
for writers that need a path, such as Parquet or Matplotlib): the content goes to a
temporary file in the target's folder, which is renamed over the target only when it is
complete, so a failure leaves the old file (or none) and no temporary file behind. A file
that is replaced keeps its permissions; a new file gets the usual ones (0666 less the
umask). A read-only target is refused unless ``force`` is given (or the command runs under
:func:`forcing`); errors name the target, never the temporary file.

:func:`read_bytes` reads only regular files (a named pipe or a device would block or never
end) and refuses files over :attr:`detente.limits.Limits.max_file_bytes`.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> write_atomic(p, "hello\\n")
>>> p.read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from detente.errors import DetenteError, LimitError

__all__ = ["forcing", "read_bytes", "read_text", "set_force", "write_atomic", "write_atomic_with"]

_FORCE: contextvars.ContextVar[bool] = contextvars.ContextVar("detente_force", default=False)


@contextlib.contextmanager
def forcing(force: bool = True) -> Iterator[None]:
    """Inside this block, :func:`write_atomic` replaces read-only files (``--force``)."""
    token = _FORCE.set(bool(force))
    try:
        yield
    finally:
        _FORCE.reset(token)


def set_force(force: bool) -> None:
    """From now on (in this context), replace read-only files: the ``--force`` of a command
    line that runs one command per process."""
    _FORCE.set(bool(force))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _target_mode(p: Path, force: bool) -> int | None:
    """The mode the written file gets: the existing target's, or None for a new file."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DetenteError(f"{p}: cannot write ({_reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DetenteError(f"{p}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise DetenteError(f"{p}: not a regular file; refusing to replace it")
    read_only = not st.st_mode & stat.S_IWUSR or not os.access(p, os.W_OK)
    if read_only and not force:
        raise DetenteError(f"{p}: the file is read-only; pass --force to replace it")
    return stat.S_IMODE(st.st_mode)


def write_atomic_with(
    path: str | Path, write: Callable[[Path], object], *, force: bool | None = None
) -> None:
    """Write ``path`` atomically with ``write(tmp)``, a function that writes a file at the
    path it is given (see the module docstring for what is guaranteed)."""
    p = Path(path)
    force = _FORCE.get() if force is None else force
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise DetenteError(f"{p}: the folder {parent} does not exist")
    mode = _target_mode(p, force)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise DetenteError(f"{p}: cannot write ({_reason(exc)})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if mode is None:
            mask = os.umask(0o022)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DetenteError(f"{p}: cannot write ({_reason(exc)})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: str | bytes, *, force: bool | None = None) -> None:
    """Write ``data`` (text is written as UTF-8, newlines as given) to ``path`` atomically.

    Parameters
    ----------
    path:
        The target file.
    data:
        The content.
    force:
        Replace a read-only target (default: as set by :func:`forcing`, else no).

    Raises
    ------
    DetenteError
        The folder does not exist, the target is read-only, or the write fails; the
        message names ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> write_atomic(p, b"x\\n1\\n")
    >>> p.read_bytes()
    b'x\\n1\\n'
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(payload)

    write_atomic_with(path, _write, force=force)


def read_bytes(path: str | Path, limit: int | None = None, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refusing pipes, devices and folders and files
    over ``limit`` bytes (default :attr:`detente.limits.Limits.max_file_bytes`)."""
    from detente.limits import current

    p = Path(path)
    limit = current().max_file_bytes if limit is None else limit
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise DetenteError(f"{p}: no such {what}") from None
    except OSError as exc:
        raise DetenteError(f"{p}: cannot read ({_reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DetenteError(f"{p}: is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise DetenteError(f"{p}: not a regular file (a pipe or a device?); give a {what}")
    if st.st_size > limit:
        raise LimitError(f"{p}: the {what} is too large: {st.st_size} bytes (limit {limit})")
    try:
        # O_NONBLOCK: should the path have been swapped for a pipe since the stat, the open
        # does not wait for a writer.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise DetenteError(f"{p}: not a regular file; give a {what}")
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise DetenteError(f"{p}: cannot read ({_reason(exc)})") from None
    if len(raw) > limit:
        raise LimitError(f"{p}: the {what} is too large: more than {limit} bytes")
    return raw


def read_text(path: str | Path, limit: int | None = None, what: str = "file") -> str:
    """The UTF-8 text (a byte-order mark is dropped) of the regular file ``path``."""
    raw = read_bytes(path, limit, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DetenteError(f"{path}: not UTF-8 text (byte {exc.start})") from None
