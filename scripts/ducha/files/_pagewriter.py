"""The page writer: run as a process of its own by ``files.write.BackgroundWriter`` (``python -I -S`` this
file [folder [survey]]: frames of (path, bytes) on stdin; at the end, on stdout, a JSON object with the
first failure, after which the rest were read but not written, and the files the survey found), or called
in this process by ``files.write.SyncWriter``. Only the standard library: it starts in milliseconds."""

import json
import os
import shutil
import sys


def survey(folder: str) -> list[str]:
    """The files under ``folder`` (relative paths, ``/``) that a build may write over; on the way, what it
    must not write through is removed: symbolic links, and files with other hard links (a copy made with
    ``cp -al`` elsewhere shares their bytes)."""
    files = []
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_symlink():
                    os.unlink(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.stat(follow_symlinks=False).st_nlink > 1:
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


def write_one(path: str, data: bytes, clear: str | None, made: set) -> None:
    """Write ``data`` to ``path``, its folders made as needed (``made``: the folders known to be there)."""
    try:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        with open(path, "wb") as fh:
            fh.write(data)
    except (FileExistsError, NotADirectoryError, IsADirectoryError):
        if clear is None or not path.startswith(clear + os.sep):
            raise
        _clear_way(path, clear)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


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
