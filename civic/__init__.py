"""Civic rules and services: lifecycles, thresholds, identity. No I/O framework imports."""
