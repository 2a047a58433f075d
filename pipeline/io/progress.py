"""Progress of a long run on stderr: a bar on a terminal, a line every N letters or 30 s elsewhere."""
import sys
import time
from datetime import timedelta
from typing import IO, Any, Dict, Optional


class Progress:
    """Counts finished letters and reports them; each error record gets a line
    even when `quiet` (which silences the progress itself).

    On a terminal: a tqdm bar. Elsewhere (a pipe, a log file, `make`): one line
    every `every` letters or `seconds` seconds with letters done, errors so
    far, rate and ETA, so a run of hours is never silent.
    """

    def __init__(
        self, total: Optional[int] = None, *, quiet: bool = False, every: int = 1000, seconds: float = 30.0, stream: Optional[IO[str]] = None
    ) -> None:
        self.total = total
        self.quiet = quiet
        self.every = every
        self.seconds = seconds
        self.stream = stream or sys.stderr
        self.done = 0
        self.errors = 0
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="letter", file=self.stream)

    def update(self, record: Dict[str, Any]) -> None:
        self.done += 1
        if record.get("error"):
            self.errors += 1
            self.message(f"error: {record.get('source') or record['id']}: {record['error']}")
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet:
            now = time.monotonic()
            if self.done % self.every == 0 or now - self.last_line >= self.seconds:
                self.last_line = now
                self.stream.write(self.line(now) + "\n")
                self.stream.flush()

    def line(self, now: Optional[float] = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        done = f"{self.done:,}/{self.total:,} letters" if self.total else f"{self.done:,} letters"
        parts = [done, f"{self.errors:,} errors", f"{rate:.1f} letters/s"]
        if self.total and rate > 0:
            parts.append(f"ETA {timedelta(seconds=round((self.total - self.done) / rate))}")
        return "progress: " + ", ".join(parts)

    def message(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
