#!/usr/bin/env python3
"""csvcheck.py OUTDIR — every CSV kpipress wrote in OUTDIR (and below) is
safe to open in a spreadsheet: valid UTF-8, RFC 4180 (CRLF line ends), the
same number of cells in every row, no cell a spreadsheet would run as a
formula (a text cell starting with = + - @ TAB or CR must be prefixed with
') and no NaN or infinity written as a number. Prints each violation with
file, row and column; exit 1 if any."""
import csv
import io
import math
import os
import sys

FORMULA = ("=", "+", "-", "@", "\t", "\r")
BAD_NUMBERS = {"nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


def is_number(s):
    try:
        return math.isfinite(float(s))
    except ValueError:
        return False


def check(path, problems):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"{path}: not UTF-8 ({e})")
        return
    if text and not text.endswith("\r\n"):
        problems.append(f"{path}: does not end in CRLF")
    csv.field_size_limit(1 << 30)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = len(rows[0]) if rows else 0
    for r, row in enumerate(rows, 1):
        if len(row) != width:
            problems.append(f"{path}:{r}: {len(row)} cells, the header has {width}")
        for c, cell in enumerate(row, 1):
            if cell.strip().lower() in BAD_NUMBERS:
                problems.append(f"{path}:{r}:{c}: {cell!r} written as a number")
            elif cell.startswith(FORMULA) and not is_number(cell):
                problems.append(f"{path}:{r}:{c}: a formula a spreadsheet would run: {cell[:60]!r}")


def main():
    problems = []
    for folder, _, files in os.walk(sys.argv[1]):
        for f in sorted(files):
            if f.endswith(".csv"):
                check(os.path.join(folder, f), problems)
    for p in problems[:50]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
