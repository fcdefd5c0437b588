"""The page writer: run as a process of its own by ``files.write.BackgroundWriter`` (``python -I -S`` this
file [folder [survey]]: frames of (path, bytes) on stdin; at the end, on stdout, a JSON object with the
first failure, after which the rest were read but not written, and the files the survey found), or called
in this process by ``files.write.SyncWriter``. Only the standard library: it starts in milliseconds."""

import json
import os
import shutil
import sys


def current_umask() -> int:
    """This process's umask (read without changing it where /proc tells it)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def survey(folder: str) -> list[str]:
    """The files under ``folder`` (relative paths, ``/``) that a build may write over, and its folders (ending
    in ``/``: those the new build puts nothing in are removed after it); on the way, what it
    must not write through, or that a new file would not be, is removed: symbolic links and what is not a
    regular file or folder (a FIFO would block the writer), files with other hard links (a copy made with
    ``cp -al`` elsewhere shares their bytes), and files of another owner or with other permissions than a
    new file gets (written over, a file keeps its own: a site once made under ``umask 077`` would stay
    unreadable). Folders are given the permissions a new folder gets; one of another owner is removed."""
    mask = current_umask()
    file_mode, dir_mode = 0o666 & ~mask, 0o777 & ~mask
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    files = []
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_symlink():
                    os.unlink(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    if uid is not None and st.st_uid != uid:
                        shutil.rmtree(entry.path)
                        continue
                    if st.st_mode & 0o7777 != dir_mode:
                        os.chmod(entry.path, dir_mode)
                    stack.append(entry.path)
                    files.append(os.path.relpath(entry.path, folder).replace(os.sep, "/") + "/")
                elif not entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    if st.st_nlink > 1 or st.st_mode & 0o7777 != file_mode or (uid is not None and st.st_uid != uid):
                        os.unlink(entry.path)
                    else:
                        files.append(os.path.relpath(entry.path, folder).replace(os.sep, "/"))
    return files


def _clear_way(path: str, clear: str) -> None:
    """An earlier site's file (or link) where a folder of ``path`` goes, or its folder where ``path`` goes:
    removed (within ``clear`` only)."""
    parts = os.path.relpath(path, clear).split(os.sep)
    for n in range(1, len(parts)):
        at = os.path.join(clear, *parts[:n])
        if os.path.islink(at) or (os.path.lexists(at) and not os.path.isdir(at)):
            os.unlink(at)
            return
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)


def _write(path: str, data: bytes) -> None:
    """``data`` into the file at ``path``, made if it is not there (with the permissions ``open`` gives).

    An existing file (an earlier site's, written over) is written from its start and then cut to the new
    length, not emptied first: emptying frees its blocks and writing allocates them again, which on a disk
    mounted with ``discard`` cost 1.5 s for 7,425 pages of 30 KB, against 0.15 s this way."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def write_one(path: str, data: bytes, clear: str | None, made: set) -> None:
    """Write ``data`` to ``path``, its folders made as needed (``made``: the folders known to be there)."""
    try:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        _write(path, data)
    except (FileExistsError, NotADirectoryError, IsADirectoryError):
        if clear is None or not path.startswith(clear + os.sep):
            raise
        _clear_way(path, clear)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write(path, data)


def main() -> None:
    read = sys.stdin.buffer.read
    clear = sys.argv[1] if len(sys.argv) > 1 else None
    made: set = set()
    failed = None
    found = None
    if clear is not None and len(sys.argv) > 2:  # before anything is written into it
        try:
            found = survey(clear)
        except OSError as exc:
            failed = [exc.errno, exc.strerror, exc.filename or clear]
    while True:
        head = read(8)
        if len(head) < 8:
            break
        n, m = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
        path = os.fsdecode(read(n))
        data = read(m)
        if failed:
            continue
        try:
            write_one(path, data, clear, made)
        except OSError as exc:
            failed = [exc.errno, exc.strerror, path]
    sys.stdout.write(json.dumps({"error": failed, "files": found}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
