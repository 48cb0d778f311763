"""Replacing a whole folder (a scenario folder) so that a complete one exists at every instant, one build at a time.

A build writes a new folder beside the old one (:func:`staging_folder`) and swaps it into place (:func:`swap_in`):

- On Linux the swap is one system call, ``renameat2(RENAME_EXCHANGE)``: the new folder and the old one trade names
  atomically, so ``FOLDER`` is the old complete folder up to that instant and the new complete folder after it; the
  old one (now at the staging name) is then removed. A SIGKILL at any point leaves a complete ``FOLDER``.
- Where the exchange is not available (another OS, a file system without it), two renames: the old folder to
  ``.NAME.old.XXXXXXXX``, the new one to ``FOLDER``. A kill between them leaves no ``FOLDER`` but a complete old one
  under the ``.old`` name, and the next build of the folder (:func:`build_lock`) puts it back before anything else.

:func:`build_lock` serialises builds of one folder (an exclusive ``fcntl`` lock on ``.NAME.lock`` beside it, which
the kernel releases however the process ends; the file is removed when the build is done) and, holding it, recovers from a killed build: it restores a folder
left under its ``.old`` name and removes the staging and ``.old`` folders a killed build left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from greenllm.outputs import make_temp_dir

log = logging.getLogger("greenllm")

STAGING, OLD = "staging", "old"
"""Middle words of the hidden names beside FOLDER: ``.NAME.staging.XXXXXXXX`` (a build in progress, or the old folder
after an exchange) and ``.NAME.old.XXXXXXXX`` (the old folder between the two renames of the fallback)."""

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _leftovers(folder: Path, kind: str) -> list[Path]:
    """The hidden ``.NAME.KIND.XXXXXXXX`` folders beside ``folder`` (mkdtemp's eight-character suffix), oldest first;
    ``kind`` "" matches ``.NAME.XXXXXXXX``, the staging folders of earlier versions."""
    middle = rf"\.{kind}" if kind else ""
    pattern = re.compile(rf"\.{re.escape(folder.name)}{middle}\.[a-z0-9_]{{8}}")
    if not folder.parent.is_dir():
        return []
    found = [p for p in folder.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def staging_folder(folder: Path) -> Path:
    """A new empty folder ``.NAME.staging.XXXXXXXX`` beside ``folder`` (same file system, so the swap is a rename)."""
    return make_temp_dir(folder.parent, prefix=f".{folder.name}.{STAGING}.")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically trade the names of ``a`` and ``b``; False where the system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_in(new: Path, folder: Path) -> None:
    """Put the complete folder ``new`` at ``folder`` (on the same file system), removing the old one; see the module
    docstring for what a kill at any point leaves. Call it holding :func:`build_lock`."""
    if not folder.exists():
        os.rename(new, folder)
        return
    if _exchange(new, folder):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the old folder
        return
    retired = make_temp_dir(folder.parent, prefix=f".{folder.name}.{OLD}.")
    os.replace(folder, retired / folder.name)  # no FOLDER from here ...
    os.rename(new, folder)                     # ... to here; build_lock restores it after a kill in between
    shutil.rmtree(retired, ignore_errors=True)


def recover(folder: Path) -> None:
    """After a killed build: a folder left under its ``.old`` name goes back in place when ``folder`` is missing;
    then every staging and ``.old`` folder beside it is removed. Call it holding :func:`build_lock`."""
    if not folder.exists():
        for retired in reversed(_leftovers(folder, OLD)):  # the newest complete old folder
            inner = retired / folder.name
            if inner.is_dir():
                os.rename(inner, folder)
                log.warning("%s: restored the folder a killed build had moved aside", folder)
                break
    for leftover in _leftovers(folder, STAGING) + _leftovers(folder, OLD) + _leftovers(folder, ""):
        shutil.rmtree(leftover, ignore_errors=True)


def _take_lock(path: Path, folder: Path):
    """An open handle of ``path`` holding its exclusive lock (waiting, saying so, while another build holds it). A
    holder removes the file when it is done, so a lock taken on a file that is no longer at ``path`` is taken again
    on the new one."""
    said = False
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - returned open, holding the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not said:
                log.warning("%s: another build of this folder is running; waiting for it to finish", folder)
                said = True
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return handle
        handle.close()


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``folder``'s builds (``.NAME.lock`` beside it, removed when done), after
    :func:`recover` has undone what a killed build left."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f".{folder.name}.lock"
    handle = _take_lock(path, folder)
    try:
        recover(folder)
        yield
    finally:
        path.unlink(missing_ok=True)  # before the lock goes: a waiter then sees its file is gone and retries
        handle.close()
