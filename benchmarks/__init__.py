"""Stream benchmarks: a loopback feed server and the clients measured against it.

Run ``python -m benchmarks.bench_streams`` from the repository root; see
README.rst ("Benchmarks") for what it measures.
"""
