#!/usr/bin/env python3
"""Prints the official documents of the demo to PDF with headless Chromium, as a browser user
would print them (the print pages' own stylesheet, A4), into docs/screenshots/, with a PNG of each
first page (pdftoppm) for the README.

Usage: scripts/print-screenshots.py [MOTCUA_BINARY]   (default target/debug/motcua)
Needs chromium and chromium-driver, and pdftoppm (poppler-utils) for the PNGs.
The demo is made afresh in a temporary folder; the documents are those of its Buôn Hồ ward desk.
"""

import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "browser"))
from walk import PASSWORD, ROOT, WebDriver, free_port, wait_for  # noqa: E402

OUT = os.path.join(ROOT, "docs", "screenshots")
DESK_UNIT = "000.31.00.H15"


def first(db, sql):
    row = db.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"the demo has no dossier for: {sql}")
    return row[0]


def main():
    motcua = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "motcua")
    tmp = tempfile.mkdtemp(prefix="motcua-print-")
    procs = []
    try:
        path = f"{tmp}/demo.db"
        subprocess.run([motcua, "demo", "--no-serve", "--db", f"sqlite:{path}", "--dossiers", "600"],
                       check=True, stdout=subprocess.DEVNULL)
        db = sqlite3.connect(path)
        of_kind = lambda kind: (  # noqa: E731
            "SELECT d.id FROM dossiers d JOIN events e ON e.dossier_id = d.id "
            f"WHERE e.kind = '{kind}' AND d.unit = '{DESK_UNIT}' ORDER BY d.id DESC LIMIT 1")
        received = first(db, f"SELECT id FROM dossiers WHERE unit = '{DESK_UNIT}' AND code IS NOT NULL "
                             "AND status = 'returned' ORDER BY id DESC LIMIT 1")
        supplement = first(db, of_kind("supplement_requested"))
        refused = first(db, of_kind("refused"))
        apology = first(db, of_kind("apologized"))
        inspection = first(db, "SELECT id FROM inspections ORDER BY id LIMIT 1")
        db.close()
        port = free_port()
        env = dict(os.environ, MOTCUA_FILES_DIR=f"{tmp}/files", MOTCUA_LOG="warn", MOTCUA_LOGIN_RATE_PER_MINUTE="1000")
        procs.append(subprocess.Popen([motcua, "serve", "--db", f"sqlite:{path}", "--listen", f"127.0.0.1:{port}"],
                                      env=env, stdout=subprocess.DEVNULL))
        site = f"http://127.0.0.1:{port}"
        wait_for(site + "/api/v1/health")
        driver_port = free_port()
        procs.append(subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"http://127.0.0.1:{driver_port}/status")
        b = WebDriver(driver_port, os.path.join(tmp, "profile"))
        os.makedirs(OUT, exist_ok=True)

        def login(user):
            b.go(site + "/dang-nhap")
            b.type("#username", user)
            b.type("#password", PASSWORD)
            b.click("form button[type=submit]")
            assert b.wait_url("/can-bo"), b.url()

        def logout():
            b.go(site + "/can-bo")
            b.click("form[action='/dang-xuat'] button")
            deadline = time.time() + 15
            while b.url().rstrip("/") != site and time.time() < deadline:
                time.sleep(0.1)

        def print_pdf(name, path, landscape=False):
            b.go(site + path)
            pdf = b.s("POST", "/print", {"orientation": "landscape" if landscape else "portrait",
                                         "page": {"width": 21.0, "height": 29.7},
                                         "background": True, "shrinkToFit": True})
            target = os.path.join(OUT, f"{name}.pdf")
            with open(target, "wb") as f:
                f.write(base64.b64decode(pdf))
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                                target, os.path.join(OUT, name)], check=True)
            print(f"{name}: {path}")

        login("motcua.buonho")
        print_pdf("01-receipt", f"/can-bo/ho-so/{received}/phieu-tiep-nhan")
        print_pdf("02-supplement-request", f"/can-bo/ho-so/{supplement}/mau/02")
        print_pdf("03-refusal", f"/can-bo/ho-so/{refused}/mau/03")
        print_pdf("04-apology", f"/can-bo/ho-so/{apology}/mau/04")
        print_pdf("control-sheet", f"/can-bo/ho-so/{received}/mau/kiem-soat")
        logout()
        login("thanhtra")
        print_pdf("conclusion-notice", f"/can-bo/kiem-tra/{inspection}/thong-bao")
        logout()
        b.quit()
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
