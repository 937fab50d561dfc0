"""How long each lesson took to execute, against the budget of 60 s on 2 CPU cores.

Reads the execution cache that ``make book`` / ``make test`` fill (``_build/.jupyter_cache``):
the figures are those of the last execution, made two lessons at a time (one per core), so a
lesson alone on two cores is at least as fast.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
BUDGET_SECONDS = 60.0


def main() -> None:
    if not CACHE.is_dir():
        print(f"no execution cache at {CACHE}: run `make book` first")
        return
    cache = get_cache(str(CACHE))
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        try:
            record = cache.match_cache_file(str(path))
        except KeyError:
            print(f"{path.name:40s} not executed since its last change")
            continue
        seconds = float(record.data.get("execution_seconds", float("nan")))
        verdict = "ok" if seconds < BUDGET_SECONDS else "OVER BUDGET"
        print(
            f"{path.name:40s} {seconds:6.1f} s  {seconds / BUDGET_SECONDS:5.2f} x budget  {verdict}"
        )


if __name__ == "__main__":
    main()
