"""Run every benchmark in bench/ and print its ratios against its same-run baseline."""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE.parent))
    chosen = sys.argv[1:]  # names to run, e.g. `bench/run.py dashboard`; default: all
    for path in sorted([*HERE.glob("bench_*.py"), HERE / "dashboard.py"]):  # dashboard.py: named by its issue
        if chosen and path.stem.removeprefix("bench_") not in chosen:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
