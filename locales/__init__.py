"""Babel catalogs (``uk`` default, ``en``) and their loading."""
