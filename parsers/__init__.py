"""Pure functions from captured bytes to reports: decode → extract → parse → check.

Nothing in this package touches the network, the disk or the database, so the same
bytes and the same versions always give the same rows.
"""

PARSER_VERSION = "0.1.0"
