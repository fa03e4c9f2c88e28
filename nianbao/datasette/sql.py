"""Small helpers over a plain sqlite3 connection (what ``Database.execute_fn`` hands over).

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.execute("create table t (a, b)")
>>> rows(conn, "select 1 as a, 'x' as b")
[{'a': 1, 'b': 'x'}]
>>> has_column(conn, "t", "b"), has_column(conn, "t", "c"), has_table(conn, "nope")
(True, False, False)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict = ()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict = ()) -> dict | None:
    found = rows(conn, sql, params)
    return found[0] if found else None


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type in ('table', 'view') and name = ?",
                        [table]).fetchone() is not None


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(r[1] == column for r in conn.execute(f"pragma table_info([{table}])"))
