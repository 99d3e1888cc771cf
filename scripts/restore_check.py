#!/usr/bin/env python3
"""Backup drill: pg_dump a database, restore it into a fresh one, compare every table's rows.

Run: `.venv/bin/python scripts/restore_check.py [SOURCE_DB]` (default: kumppanuus_load, the
database the load test fills). Connects to 127.0.0.1:5432 as postgres (PGHOST/PGUSER override).
Exits non-zero if any table's row count differs.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HOST = os.environ.get("PGHOST", "127.0.0.1")
USER = os.environ.get("PGUSER", "postgres")


def psql(database, sql):
    result = subprocess.run(
        ["psql", "-h", HOST, "-U", USER, "-d", database, "-At", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def row_counts(database):
    tables = psql(
        database,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    ).splitlines()
    return {table: int(psql(database, f'SELECT count(*) FROM "{table}"')) for table in tables}


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "kumppanuus_load"
    target = f"{source}_restore_check"
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / f"{source}.dump"
        subprocess.run(
            ["pg_dump", "-h", HOST, "-U", USER, "-Fc", "-f", str(dump), source], check=True
        )
        psql("postgres", f"DROP DATABASE IF EXISTS {target}")
        psql("postgres", f"CREATE DATABASE {target}")
        subprocess.run(
            ["pg_restore", "-h", HOST, "-U", USER, "-d", target, "--no-owner", str(dump)],
            check=True,
        )
        size_kb = dump.stat().st_size // 1024
    before, after = row_counts(source), row_counts(target)
    psql("postgres", f"DROP DATABASE IF EXISTS {target}")
    differing = {
        t: (before.get(t), after.get(t))
        for t in before.keys() | after.keys()
        if before.get(t) != after.get(t)
    }
    print(
        f"Varmuuskopio {size_kb} KB; {len(before)} taulua, {sum(before.values())} riviä palautettu."
    )
    if differing:
        print("Rivimäärät eroavat:", differing)
        sys.exit(1)
    print("Palautus täsmää: jokaisen taulun rivimäärä sama.")


if __name__ == "__main__":
    main()
