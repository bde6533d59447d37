"""Writing an output file whole or not at all: the one way appconsol writes artefacts.

Every file appconsol writes for the user (plan.xlsx, table exports, `check -o` reports, mapping
files, baselines) goes through `artefact(target)`:

- the target is checked first: a file open in Excel (`~$name`) or LibreOffice (`.~lock.name#`),
  a read-only file, a folder where a file should be, an unwritable folder: refused in one line;
- the content is written inside a private temporary folder beside the target (so a rename is
  atomic, and helpers such as xlsxwriter keep their own temporary files there, not in $TMPDIR),
  flushed to disk with fsync, then renamed over the target, and the folder's entry fsynced;
- on any failure the temporary folder goes, and the previous file stays as it was;
- temporary folders left by a killed run are swept the next time the same target is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from appconsol.errors import ArtefactError, Location
from appconsol.store.writes import is_disk_full

TEMP_PREFIX = ".appconsol-tmp-"


def lock_owner(target: Path) -> str | None:
    """Which office program holds the file open (by its lock file beside it), if any."""
    if (target.parent / f"~${target.name}").exists():
        return "Excel"
    if (target.parent / f".~lock.{target.name}#").exists():
        return "LibreOffice"
    return None


def check_target(
    target: Path, *, label: str | None = None, error: type[ArtefactError] = ArtefactError
) -> None:
    """Refuse, before any work, a target that cannot be replaced cleanly."""
    label = label or f"'{target.name}'"
    where = Location(file=target)
    owner = lock_owner(target)
    if owner:
        lock = f"~${target.name}" if owner == "Excel" else f".~lock.{target.name}#"
        raise error(
            f"{label} is open in {owner} (its {lock} lock file exists)",
            hint=f"close it in {owner} and run again; the existing file was left as it was",
            location=where,
        )
    if target.is_dir():
        raise error("the output path is a folder", hint="name a file", location=where)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(
            f"cannot create the folder: {exc.strerror}",
            hint="choose another -o path",
            location=Location(file=target.parent),
        ) from exc
    if not _writable(target.parent):
        raise error(
            "the folder is not writable", hint="choose another -o path", location=Location(file=target.parent)
        )
    if target.exists() and not _writable(target):
        raise error(
            f"{label} is read-only",
            hint="make it writable, or choose another -o path; it was left as it was",
            location=where,
        )


def _writable(path: Path) -> bool:
    """Writable for us, and not marked read-only (root may write anything; it is still refused)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def sweep(folder: Path, name: str) -> None:
    """Remove temporary folders (and the old single temp files) a killed run left for `name`."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name.startswith(f"{TEMP_PREFIX}{name}.") and not _owner_alive(entry.name):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(f".{Path(name).stem}-") and entry.name.endswith(
                f"{Path(name).suffix}.tmp"
            ):
                entry.unlink(missing_ok=True)  # before temp folders: `.plan-abc123.xlsx.tmp`


def sweep_stale(folder: Path, prefix: str) -> None:
    """Remove `<prefix><pid>-*` folders whose process is gone (scratch space of a killed run)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name.startswith(prefix) and entry.is_dir():
                pid = entry.name[len(prefix) :].split("-")[0]
                if pid.isdigit() and not _pid_alive(int(pid)):
                    shutil.rmtree(entry, ignore_errors=True)


def _owner_alive(entry: str) -> bool:
    """Whether the process that made a temp folder (its pid is in the name) still runs."""
    try:
        pid = int(entry.rsplit(".", 2)[-2])
    except (ValueError, IndexError):
        return False
    return _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


@contextlib.contextmanager
def artefact(
    target: Path | str,
    *,
    label: str | None = None,
    error: type[ArtefactError] = ArtefactError,
    mode: int | None = None,
) -> Iterator[Path]:
    """Yield a path to write; on success it replaces `target` whole, on failure nothing changes."""
    target = Path(target)
    check_target(target, label=label, error=error)
    sweep(target.parent, target.name)
    try:
        folder = Path(
            tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target.name}.{os.getpid()}.", dir=target.parent)
        )
    except OSError as exc:
        raise _os_error(exc, target, label, error) from exc
    try:
        temporary = folder / target.name
        yield temporary
        try:
            _fsync(temporary)
            os.chmod(temporary, mode if mode is not None else _file_mode(target))
            os.replace(temporary, target)
            _fsync_folder(target.parent)
        except OSError as exc:
            raise _os_error(exc, target, label, error) from exc
    except Exception as exc:
        cause = _os_error_in(exc)
        if cause is None:
            raise
        raise _os_error(cause, target, label, error) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_text(target: Path | str, text: str, **kwargs: object) -> Path:
    """Write a text file (UTF-8) as an artefact."""
    with artefact(target, **kwargs) as temporary:  # type: ignore[arg-type]
        temporary.write_text(text, encoding="utf-8")
    return Path(target)


def _os_error_in(exc: BaseException) -> OSError | None:
    """The operating-system error behind an exception (xlsxwriter and polars wrap theirs), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ArtefactError):
            return None
        if isinstance(current, OSError):
            return current
        if is_disk_full(current):
            return OSError(errno.ENOSPC, "No space left on device")
        inner = next((a for a in current.args if isinstance(a, BaseException)), None)
        current = inner or current.__cause__
    return None


def _os_error(exc: OSError, target: Path, label: str | None, error: type[ArtefactError]) -> ArtefactError:
    label = label or f"'{target.name}'"
    where = Location(file=target)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return error(
            f"cannot write {label}: the disk is full", hint="free some space and run again", location=where
        )
    if exc.errno == errno.EROFS:
        return error(
            f"cannot write {label}: the file system is read-only",
            hint="choose another -o path",
            location=where,
        )
    return error(
        f"cannot write {label}: {exc.strerror or exc}", hint="choose another -o path", location=where
    )


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (not possible on Windows, where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _file_mode(target: Path) -> int:
    """The mode the file gets: the old file's when replacing one, else what the umask allows."""
    if target.exists():
        return target.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
