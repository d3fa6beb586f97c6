"""The full load run for `make bench`: bench/load.py on both backends, 50 submitters, 4 gunicorn workers."""

import load


def main() -> None:
    # An explicit empty argv: bench/run.py's own arguments (bench names) are not load's options.
    assert load.main([]) == 0, "the load run broke an invariant (lines marked !) or hit its caps"
