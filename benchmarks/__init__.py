"""Development tools run from the checkout: `python -m benchmarks.bench`, `python -m benchmarks.soak`."""
