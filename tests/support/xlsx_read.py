#!/usr/bin/python3
"""Reads a workbook camdex wrote with a reader camdex did not write
(openpyxl, Debian's python3-openpyxl) and prints what a person opening it
would see, as JSON, for the C tests to compare: per sheet its name, the
frozen pane, column widths, and per cell its value, type and number format.

usage: xlsx_read.py FILE.xlsx   (or - for standard input)
"""
import datetime
import io
import json
import sys
import zipfile

import openpyxl


def cell_json(cell):
    v = cell.value
    if isinstance(v, (datetime.datetime, datetime.date)):
        v = v.isoformat()
    return {"v": v, "t": cell.data_type, "f": cell.number_format}


def main():
    data = sys.stdin.buffer.read() if sys.argv[1] == "-" else open(sys.argv[1], "rb").read()
    # Formulas are looked for in the XML itself: a reader may hide them.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        formulas = sum(z.read(n).count(b"<f>") + z.read(n).count(b"<f ")
                       for n in z.namelist() if n.startswith("xl/worksheets/"))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = []
    for ws in wb.worksheets:
        sheets.append({
            "name": ws.title,
            "freeze": ws.freeze_panes,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "rows": [[cell_json(c) for c in row] for row in ws.iter_rows()],
        })
    json.dump({"formulas": formulas, "sheets": sheets}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
