"""Child processes of a run (annotation workers, the PDF reader): they leave
stopping to the parent and die with it, so a killed run leaves no orphans."""
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def process_context() -> Any:
    """Fork on Linux (children inherit the loaded pipeline), spawn elsewhere."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def child_setup(parent: int) -> None:
    """In a child: Ctrl-C and SIGTERM are the parent's to handle (it stops its
    children); the child dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the death signal was set
        os._exit(1)


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def stop_pool(executor: ProcessPoolExecutor) -> None:
    """Stop a process pool at once: pending work is dropped and its processes killed."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)
