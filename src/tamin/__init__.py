"""Tamin: an open platform for a national social insurance organization."""

__version__ = "0.1.0"
