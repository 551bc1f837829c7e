"""Run a module or script under cProfile, switched on and off by signals.

    python bench/profiled.py OUT.pstats -m bot serve
    python bench/profiled.py OUT.pstats bench/aiogram_echo_bot.py --port ...

SIGUSR1 starts profiling, SIGUSR2 stops it and writes ``OUT.pstats`` (pstats format), so
a benchmark can profile exactly its timed phase and not the start-up (importing aiogram
builds hundreds of pydantic schemas, which would swamp a whole-life profile).
bench/webhook_telegram.py uses it for ``--profile DIR``. cProfile slows the process
down (roughly halves it), so read the proportions, not the rates.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
from pathlib import Path
from types import FrameType


def main(argv: list[str]) -> None:
    if len(argv) < 2 or (argv[1] == "-m" and len(argv) < 3):
        raise SystemExit(__doc__)
    out = Path(argv[0])
    profiler = cProfile.Profile()

    def start(_signum: int, _frame: FrameType | None) -> None:
        profiler.enable()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    if argv[1] == "-m":
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv[1:]
        runpy.run_path(argv[1], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
