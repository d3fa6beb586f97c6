"""The full scale run for `make bench`: bench/scale.py, two gunicorn instances, 50 submitters for 60 s."""

import scale


def main() -> None:
    # An explicit empty argv: bench/run.py's own arguments (bench names) are not scale's options.
    assert scale.main([]) == 0, "the scale run broke an invariant (lines marked !)"
