"""Benchmarks: planted-lineage corpora and the scripts that measure lineage on them."""
