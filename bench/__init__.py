"""Benchmarks for contentserver: `make bench` (python -m bench [NAME ...]) runs them all and prints their figures.

Big inputs (synthetic libraries, imported data folders) are cached in ~/.cache/contentserver-bench (or
$BENCH_CACHE_DIR); BENCH_ROUNDS and BENCH_SECONDS shorten or lengthen the load rounds. To see where a server
spends its time: `.venv/bin/pip install -e '.[bench]'`, then `py-spy record --gil -p PID` during a round.
"""
