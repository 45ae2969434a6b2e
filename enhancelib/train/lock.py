"""One writer per run folder: a lock file that names its holder.

Two trainings writing the same folder would overwrite each other's checkpoint
and interleave their logs. :func:`run_lock` guards a run folder with the file
``run.lock`` in it, holding JSON that names the writer (process id, host,
start time, command). A second writer fails at once with
:class:`RunLockedError`, which names the holder and the fix.

How a writer knows the lock is its own: it creates the file atomically
(``O_CREAT | O_EXCL``) or opens the one left there, and then takes an
exclusive ``flock`` on it without waiting. The kernel drops that ``flock``
when its process ends in any way (``kill -9`` included), so a lock file whose
``flock`` can be taken was left by a writer that is gone: it is taken over
with a note naming the old holder (and, where ``flock`` is missing, a holder
on this host whose process id is no longer alive counts as gone). A file
left by a process on another host is not taken over, since that process
cannot be checked from here; the error says to delete the file if that
process has ended. The lock is released, and its file removed, when the
block ends, whether normally, by an exception or by Ctrl-C, so that a
finished run folder (a recorded run included) holds no lock file.

A process may take the lock of a folder it already holds (``reproduce``
clears the folder under the lock, then trains in it).
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: process ids alone decide
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "LockHolder", "RunLockedError", "run_lock"]

LOCK_NAME = "run.lock"
"""The lock file's name inside a run folder."""

_ATTEMPTS = 5
"""Tries to take a lock whose file a releasing writer removes in the meantime."""

_held: dict[Path, tuple[int, int]] = {}
"""Locks this process holds: lock file -> (descriptor, nesting depth)."""


class RunLockedError(RuntimeError):
    """The run folder is being written by another process."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a run folder's lock."""

    pid: int
    host: str
    started: str
    command: str = ""

    @classmethod
    def current(cls) -> "LockHolder":
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), started, " ".join(sys.argv))

    def describe(self) -> str:
        running = f", running `{self.command}`" if self.command else ""
        return f"process {self.pid} on {self.host}, started {self.started}{running}"


@contextmanager
def run_lock(run_dir: str | Path) -> Iterator[LockHolder]:
    """Hold the lock of ``run_dir`` (created if missing) for the ``with`` block; yields this writer."""
    path = (Path(run_dir) / LOCK_NAME).resolve()
    if path in _held:
        descriptor, depth = _held[path]
        _held[path] = (descriptor, depth + 1)
        try:
            yield _read_holder(descriptor) or LockHolder.current()
        finally:
            _held[path] = (descriptor, depth)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, holder = _acquire(path)
    _held[path] = (descriptor, 1)
    try:
        yield holder
    finally:
        del _held[path]
        _release(path, descriptor)


def _acquire(path: Path) -> tuple[int, LockHolder]:
    for _ in range(_ATTEMPTS):
        descriptor = _open(path)
        if descriptor is None:
            continue  # removed between our look and our open: try again
        try:
            holder = _claim(path, descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        if holder is not None:
            return descriptor, holder
        os.close(descriptor)
        time.sleep(0.05)
    raise RunLockedError(f"Could not take the lock {path}: other writers keep replacing it. Try again.")


def _open(path: Path) -> int | None:
    """A descriptor of the lock file, created if absent; ``None`` if it vanished meanwhile."""
    try:
        return os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
    except FileExistsError:
        try:
            return os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return None


def _claim(path: Path, descriptor: int) -> LockHolder | None:
    """Make the lock file behind ``descriptor`` ours; ``None`` when it is no longer the file at ``path``."""
    if not _try_flock(descriptor):
        raise _locked_error(path, _read_holder(descriptor))
    if not _same_file(path, descriptor):
        return None  # its holder removed it on release after we opened it
    previous = _read_holder(descriptor)
    if previous is not None and fcntl is None and previous.host == socket.gethostname() and _alive(previous.pid):
        raise _locked_error(path, previous)
    if previous is not None and previous.host != socket.gethostname():
        raise _locked_error(path, previous, remote=True)
    if previous is not None:
        print(f"note: taking over the lock {path} left by {previous.describe()}, which is no longer running "
              "(training resumes from its last checkpoint).", file=sys.stderr)
    holder = LockHolder.current()
    _write_holder(descriptor, holder)
    return holder


def _locked_error(path: Path, holder: LockHolder | None, remote: bool = False) -> RunLockedError:
    folder = path.parent
    who = holder.describe() if holder is not None else "another process (its lock file is being written)"
    if remote:
        fix = (f"That process cannot be checked from here: wait for it to finish, or, if it is no longer "
               f"running, delete {path} and start again")
    else:
        stop = f"stop it (kill {holder.pid}) " if holder is not None else "stop it "
        fix = f"Wait for it to finish, {stop}and run the same command again to resume, or train into another folder"
    return RunLockedError(f"The run folder {folder} is being written by {who}; a second writer would overwrite "
                          f"its checkpoint and logs. {fix}.")


def _try_flock(descriptor: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(path: Path, descriptor: int) -> bool:
    try:
        on_disk, ours = os.stat(path), os.fstat(descriptor)
    except FileNotFoundError:
        return False
    return (on_disk.st_dev, on_disk.st_ino) == (ours.st_dev, ours.st_ino)


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _read_holder(descriptor: int) -> LockHolder | None:
    """The holder recorded in the lock file, ``None`` for an empty or unreadable one."""
    try:
        os.lseek(descriptor, 0, os.SEEK_SET)
        raw = os.read(descriptor, 65536)
        fields = json.loads(raw.decode("utf-8"))
        return LockHolder(int(fields["pid"]), str(fields["host"]), str(fields["started"]),
                          str(fields.get("command", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_holder(descriptor: int, holder: LockHolder) -> None:
    data = (json.dumps(asdict(holder), indent=2) + "\n").encode("utf-8")
    os.ftruncate(descriptor, 0)
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.write(descriptor, data)
    os.fsync(descriptor)


def _release(path: Path, descriptor: int) -> None:
    """Remove the lock file, then close it (which drops the ``flock``): waiting writers see it gone."""
    try:
        if _same_file(path, descriptor):
            path.unlink()
    except OSError:
        pass
    finally:
        os.close(descriptor)
