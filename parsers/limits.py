"""Every resource limit of parsing, named once. A capture over a limit is kept and flagged
(``too_large``, ``bomb``, ``timeout``), never parsed without bounds and never dropped."""

MAX_PARSE_BYTES = 30 * 1024 * 1024  # a body larger than this is kept, flagged, not parsed
