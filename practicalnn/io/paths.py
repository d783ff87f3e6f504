"""Where practicalnn writes its files, and how: checked paths, atomic replacement, no debris.

``check_output_path`` is what a command calls for each output path before it starts working (so a
mistake costs nothing); ``atomic_write`` calls it again when the time to write comes.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from ..errors import argument_error

_TMP_SUFFIX = ".tmp"


def check_output_path(argument, path):
    """Check that ``path`` can receive a file written by practicalnn; return the path to write.

    A symbolic link is followed to its target. The target must be, or be about to become, a regular
    file (not a directory, a device, a FIFO or a socket) in an existing directory that this process
    may write to. Errors are ConfigError naming ``argument`` (the CLI's flag) and ``path``."""
    given = str(path)
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as err:
        raise argument_error(argument, given, f"a path that can be written ({err.strerror})") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise argument_error(argument, given, "a file path, not a directory")
    if mode is not None and not stat.S_ISREG(mode):
        raise argument_error(argument, given, "a regular file or a new path (it is a device, a FIFO or a socket)")
    parent = target.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise argument_error(argument, given, f"a path in an existing directory ({parent} {what})")
    if not os.access(parent, os.W_OK | os.X_OK) or (mode is not None and not os.access(target, os.W_OK)):
        raise argument_error(argument, given, f"a path this process may write to (permission denied in {parent})")
    return target


def atomic_write(path, data, argument="path"):
    """Write ``data`` (bytes) to ``path`` atomically: temporary file, fsync, rename.

    The path is checked first (``check_output_path``); an OSError while writing (a full disk) is
    raised again naming ``argument`` and ``path`` (its ``filename``), and leaves what was at ``path``
    untouched."""
    target = check_output_path(argument, path)
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=_TMP_SUFFIX)
    try:
        os.chmod(tmp, _mode_for(target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise OSError(err.errno, f"cannot write {argument} ({err.strerror or err})", str(path)) from err
        raise
    _fsync_dir(target.parent)
    return target


def remove_stale_temporaries(target):
    """Delete the temporary files of our naming (``.NAME.PID.XXXX.tmp``) beside ``target`` whose writer
    no longer runs: a writer killed with SIGKILL cannot clean up after itself."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[^.]+{re.escape(_TMP_SUFFIX)}$")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if match and not _running(int(match.group(1))):
            try:
                os.unlink(target.parent / name)
            except OSError:
                pass


def _running(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's process, or no pid at all
    return True


def _mode_for(path):
    """The permissions the file would get from a plain open(): the old file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not every platform can open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
