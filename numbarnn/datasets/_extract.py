"""Build the bundled CSV files from a statsmodels distribution (run once by a maintainer).

Usage: ``python -m numbarnn.datasets._extract PATH``, where PATH is the
``statsmodels/datasets`` folder of an unpacked statsmodels wheel (0.15.0 was
used). statsmodels is not a dependency: the files it ships (all public
domain) are copied here in a plain, documented form.
"""

import csv
import pathlib
import sys

HERE = pathlib.Path(__file__).parent / "data"


def _write(name, header, rows):
    with open(HERE / name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def extract(src):
    src = pathlib.Path(src)
    with open(src / "co2" / "co2.csv") as f:
        rows = list(csv.reader(f))[1:]
    _write("co2_weekly.csv", ["date", "co2"],
           [(f"{d[:4]}-{d[4:6]}-{d[6:]}", v) for d, v in rows])
    with open(src / "sunspots" / "sunspots.csv") as f:
        rows = list(csv.reader(f))[1:]
    _write("sunspots_yearly.csv", ["year", "sunspots"], [(int(float(y)), v) for y, v in rows])
    monthly = []
    for line in (src / "sunspots" / "src" / "sunspots_monthly.dat").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and len(parts[0]) == 4:
            for month, value in enumerate(parts[1:13], start=1):
                monthly.append((f"{parts[0]}-{month:02d}-01", value))
    _write("sunspots_monthly.csv", ["date", "sunspots"], monthly)
    with open(src / "elnino" / "elnino.csv") as f:
        rows = list(csv.reader(f))[1:]
    _write("elnino_nino12.csv", ["date", "sst"],
           [(f"{int(float(r[0]))}-{m:02d}-01", r[m]) for r in rows for m in range(1, 13)])
    (HERE / "macrodata.csv").write_text((src / "macrodata" / "macrodata.csv").read_text())


if __name__ == "__main__":
    extract(sys.argv[1])
