"""Hetong benchmarks: `make bench` (= `python -m bench`) runs six figures against moto in process and writes
bench/results.json and bench/results.md. See bench/README.md for what each figure means.

Everything that depends on the machine is reported as a ratio to a baseline measured in the same run;
everything else is a count (requests, items, capacity units computed with DynamoDB's published rules).
"""
