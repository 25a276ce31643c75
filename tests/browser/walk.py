#!/usr/bin/env python3
"""The flows people use, walked in a real headless Chromium through WebDriver (Debian's chromium and
chromium-driver), with axe-core checking accessibility on the key pages and screenshots written to
target/screenshots/. Standard library only: WebDriver is plain HTTP and JSON.

Usage: walk.py MOTCUA_BINARY AXE_JS   (prints "N passed, M failed"; exits non-zero on any failure)
"""

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, "target", "screenshots")
PASSWORD = "motcua-demo"


def png(width, height):
    """A photo-like PNG (a blue band, a grey page) for the thumbnail step."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((30, 80, 180)) if y < height // 4 else bytes((235, 235, 228)) for _ in range(width))
        for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class WebDriver:
    """A minimal W3C WebDriver client."""

    def __init__(self, port, profile):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": shutil.which("chromium") or "/usr/bin/chromium",
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run",
                            "--window-size=1200,1600",
                            f"--user-data-dir={profile}",
                        ],
                    },
                }
            }
        }
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read()[:500]!r}") from None

    def s(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def find(self, css):
        el = self.s("POST", "/element", {"using": "css selector", "value": css})
        return list(el.values())[0]

    def finds(self, css):
        return [list(e.values())[0] for e in self.s("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, css):
        self.s("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css, text):
        el = self.find(css)
        self.s("POST", f"/element/{el}/clear", {})
        self.s("POST", f"/element/{el}/value", {"text": text})

    def text(self, css="body"):
        return self.s("GET", f"/element/{self.find(css)}/text")

    def url(self):
        return self.s("GET", "/url")

    def texts(self, css):
        return [self.s("GET", f"/element/{el}/text") for el in self.finds(css)]

    def wait_for_text(self, part, seconds=15):
        """Waits for a page (a form post answered with a page) to show `part`."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if part in self.text():
                    return True
            except Exception:
                pass
            time.sleep(0.1)
        return False

    def wait_url(self, part, seconds=15):
        """Waits for a navigation (a form post and its redirect) to land on a URL containing `part`."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            if part in self.url():
                return True
            time.sleep(0.1)
        return False

    def script(self, js, *args):
        return self.s("POST", "/execute/sync", {"script": js, "args": list(args)})

    def async_script(self, js, *args):
        return self.s("POST", "/execute/async", {"script": js, "args": list(args)})

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        with open(os.path.join(SHOTS, f"{name}.png"), "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass


class Walk:
    def __init__(self, motcua, axe_js):
        self.motcua = motcua
        self.axe = open(axe_js, encoding="utf-8").read()
        self.tmp = tempfile.mkdtemp(prefix="motcua-browser-")
        shutil.rmtree(SHOTS, ignore_errors=True)
        self.procs = []
        self.passed = 0
        self.failed = []
        db = f"sqlite:{self.tmp}/demo.db"
        # The demo writes its papers and blank forms where the server will read them.
        env = dict(os.environ, MOTCUA_FILES_DIR=f"{self.tmp}/files", MOTCUA_LOG="warn", MOTCUA_LOGIN_RATE_PER_MINUTE="1000")
        # The demo serves what it made, with its doubles of the outside systems on loopback (the
        # population database, the payment gateway, the national portal), as people run it.
        self.port = free_port()
        self.procs.append(subprocess.Popen([motcua, "demo", "--db", db, "--listen", f"127.0.0.1:{self.port}", "--dossiers", "150"],
                                           env=env, stdout=subprocess.DEVNULL))
        self.site = f"http://127.0.0.1:{self.port}"
        wait_for(self.site + "/api/v1/health", seconds=600)
        driver_port = free_port()
        self.procs.append(subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"http://127.0.0.1:{driver_port}/status")
        self.b = WebDriver(driver_port, os.path.join(self.tmp, "profile"))
        self.pdf = os.path.join(self.tmp, "to-khai.pdf")
        with open(self.pdf, "wb") as f:
            f.write(b"%PDF-1.4\n% a small test paper\n%%EOF\n")
        self.png = os.path.join(self.tmp, "anh-giay-to.png")
        with open(self.png, "wb") as f:
            f.write(png(640, 400))

    def close(self):
        self.b.quit()
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, name, fn):
        try:
            fn()
            self.passed += 1
            print(f"ok    {name}")
        except Exception:
            self.failed.append(name)
            print(f"FAIL  {name}\n{traceback.format_exc()}")
            try:
                self.b.shot(f"failed-{name}")
            except Exception:
                pass

    def axe_check(self, page):
        """No serious or critical accessibility violation on the current page."""
        self.b.script(self.axe + "; return true;")
        result = self.b.async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])));"
        )
        bad = [v for v in result if v[1] in ("serious", "critical")]
        assert not bad, f"{page}: {bad}"

    def login(self, username):
        self.b.go(self.site + "/dang-nhap")
        self.b.type("#username", username)
        self.b.type("#password", PASSWORD)
        self.b.click("form button[type=submit]")
        assert self.b.wait_url("/can-bo"), self.b.url()

    def logout(self):
        self.b.go(self.site + "/can-bo")
        self.b.click("form[action='/dang-xuat'] button")
        deadline = time.time() + 15
        while self.b.url().rstrip("/") != self.site and time.time() < deadline:
            time.sleep(0.1)

    def act(self, dossier, action, fields=None):
        self.b.go(f"{self.site}/can-bo/ho-so/{dossier}")
        for css, value in (fields or {}).items():
            if css.startswith("select"):
                self.b.click(f"{css} option[value='{value}']")
            else:
                self.b.type(css, value)
        self.b.click(f"form[action$='/{action}'] button[type=submit]")
        assert self.b.wait_url(f"ok={action}"), f"{action}: {self.b.url()}\n{self.b.text()[:800]}"

    def run(self):
        state = {}

        def search():
            # With and without marks, "i" for "y" as half the country writes it, an everyday name.
            for q in ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "đăng ký khai sinh", "dang ki khai sinh", "giấy khai sinh"]:
                self.b.go(self.site + "/")
                self.b.type("#q", q)
                self.b.click("form.search button")
                self.b.wait_url("/thu-tuc?q=")
                first = self.b.text("ol.results li a")
                assert first == "Đăng ký khai sinh", f"{q}: {first}"
            self.b.shot("search")
            self.axe_check("search")

        def home_and_procedure():
            self.b.go(self.site + "/")
            self.b.shot("home")
            self.axe_check("home")
            self.b.go(self.site + "/thu-tuc/1.001612")
            assert "Thành phần hồ sơ" in self.b.text()
            self.b.shot("procedure")
            self.axe_check("procedure")

        def submit_online():
            self.b.go(self.site + "/thu-tuc/1.001612")
            self.b.click("a.button")
            self.b.wait_url("/nop-ho-so/")
            self.b.click("select#unit option[value='000.31.00.H15']")
            self.b.type("#full_name", "Trần Thị Kiểm Thử")
            self.b.type("#phone", "0905 246 810")
            for el in self.b.finds("input[type=file]"):
                self.b.s("POST", f"/element/{el}/value", {"text": self.pdf})
            self.b.shot("submit-form")
            self.axe_check("submission form")
            self.b.click("form button[type=submit]")
            assert self.b.wait_for_text("Mã bí mật"), self.b.url() + self.b.text()[:500]
            references = self.b.texts(".reference")
            state["reference"], state["secret"] = references[0], references[1]
            assert state["reference"].startswith("W") and len(state["reference"]) == 13, state
            assert state["secret"] not in self.b.url(), "the secret is never in an address"
            self.b.shot("submitted")

        def desk_receives_and_hands_over():
            self.login("motcua.buonho")
            self.b.go(self.site + "/can-bo?hang=cho-tiep-nhan")
            assert "Trần Thị Kiểm Thử" in self.b.text(), "the online dossier waits in the queue"
            state["id"] = int(self.b.script(
                "for (const tr of document.querySelectorAll('tbody tr')) {"
                " if (tr.textContent.includes(arguments[0])) {"
                "  return tr.querySelector('a').getAttribute('href').split('/').pop(); } }"
                " return null;", "Trần Thị Kiểm Thử"))
            self.b.shot("queue")
            self.axe_check("queue")
            self.act(state["id"], "receive")
            state["code"] = re.search(r"Hồ sơ (\S+)", self.b.text("h1")).group(1)
            # Inter-agency: the desk sends it to the tax office.
            self.act(state["id"], "hand-over", {"select#hand-over-to_unit": "000.00.60.H15"})
            self.b.shot("dossier")
            self.axe_check("dossier")
            self.logout()

        def other_agency_and_leader():
            self.login("thue.chuyenvien")
            self.act(state["id"], "hand-over", {"select#hand-over-to_unit": "000.31.00.H15"})
            self.logout()
            self.login("lanhdao.buonho")
            self.act(state["id"], "result-ready")
            self.logout()
            self.login("motcua.buonho")
            self.act(state["id"], "return")
            rows = self.b.text("table")
            assert "Chi cục Thuế" in self.b.text(), "the control sheet shows the other agency"
            self.b.go(f"{self.site}/can-bo/ho-so/{state['id']}/mau/kiem-soat")
            assert "PHIẾU KIỂM SOÁT" in self.b.text()
            self.b.shot("control-sheet")
            self.logout()
            assert rows

        def citizen_looks_up_and_rates():
            self.b.go(self.site + "/tra-cuu")
            # The phone's last digits open nothing any more.
            self.b.type("#code", state["code"])
            self.b.type("#secret", "6810")
            self.b.click("form[action='/tra-cuu'] button")
            self.b.wait_url("secret=")
            assert "Không tìm thấy" in self.b.text()
            self.b.go(self.site + "/tra-cuu")
            self.b.type("#code", state["code"])
            self.b.type("#secret", state["secret"].lower())
            self.b.click("form[action='/tra-cuu'] button")
            self.b.wait_url("secret=")
            body = self.b.text()
            assert "Đã trả kết quả" in body, body[:500]
            assert "Trần Thị Kiểm Thử" not in body and "0905" not in body, "no personal data"
            self.axe_check("lookup")
            self.b.click("input[value='very_satisfied']")
            self.b.click("form[action='/tra-cuu/danh-gia'] button")
            assert self.b.wait_url("ok=1") and "Cảm ơn" in self.b.text()
            self.b.shot("rated")

        def counter_reception_and_receipt():
            self.login("motcua.cubao")
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=2.000815")
            self.b.type("#full_name", "Hoàng Văn Quầy")
            self.b.type("#phone", "0912000333")
            # The applicant asks to be told of the dossier by SMS (to the mobile number above).
            self.b.script("document.getElementById('notify_channel').value = 'sms';")
            self.b.shot("counter")
            self.axe_check("counter")
            self.b.click("form[method=post] button[type=submit]:not([name])")
            assert self.b.wait_url("phieu-tiep-nhan"), self.b.url()
            text = self.b.text()
            assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "000.32.00.H15-" in text
            assert self.b.finds(".qr svg"), "the code as a QR code"
            self.b.shot("receipt")
            self.b.go(self.b.url().replace("/phieu-tiep-nhan", ""))
            assert "Tin nhắn SMS (Tiếng Việt)" in self.b.text(), "the opt-in on the dossier page"
            self.logout()

        def counter_prefill_from_population_database():
            # The desk types the applicant's number and fills the rest from the population
            # database (the demo's double): the name appears, the reception records its origin.
            self.login("motcua.buonho")
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=2.000815")
            self.b.type("#id_number", "066190004321")
            self.b.click("button[name=tu_csdl]")
            deadline = time.time() + 15
            while "CSDL" not in (self.b.text("#prefill-note") if self.b.finds("#prefill-note") else "") and time.time() < deadline:
                time.sleep(0.1)
            got = self.b.script("return ['full_name', 'date_of_birth', 'sex', 'address'].map(i => document.getElementById(i).value);")
            assert got == ["H'Hen Niê", "1990-04-12", "female", "Buôn Tring, phường Buôn Hồ, tỉnh Đắk Lắk"], got
            self.b.script("document.getElementById('prefill-note').scrollIntoView();")
            self.b.shot("counter-prefill")
            self.axe_check("counter prefilled")
            # A number that is not one says which check failed, next to it.
            self.b.type("#id_number", "003090001234")
            self.b.click("button[name=tu_csdl]")
            deadline = time.time() + 15
            while not self.b.finds("#id_number-error") and time.time() < deadline:
                time.sleep(0.1)
            assert "không phải mã tỉnh" in self.b.text("#id_number-error"), self.b.text("#id_number-error")
            self.b.script("document.getElementById('id_number').scrollIntoView({block: 'center'});")
            self.b.shot("counter-prefill-refused")
            self.b.type("#id_number", "066190004321")
            self.b.click("button[name=tu_csdl]")
            deadline = time.time() + 15
            while not self.b.finds("#prefill-note") and time.time() < deadline:
                time.sleep(0.1)
            self.b.type("#phone", "0912000555")
            self.b.click("form[method=post] button[type=submit]:not([name])")
            assert self.b.wait_url("phieu-tiep-nhan"), self.b.url() + self.b.text()[:800]
            assert "H'Hen Niê" in self.b.text(), self.b.text()[:800]
            self.b.go(self.b.url().replace("/phieu-tiep-nhan", ""))
            assert "Dữ liệu từ CSDL quốc gia về dân cư" in self.b.text(), self.b.text()[:1500]
            self.b.shot("dossier-population-data")
            self.logout()

        def online_check_against_population_database():
            # Online, the citizen's number, name and date of birth are checked, nothing shown.
            self.b.go(self.site + "/nop-ho-so/1.001612")
            self.b.click("select#unit option[value='000.31.00.H15']")
            self.b.type("#full_name", "Y Bih Mlô")
            self.b.type("#id_number", "066085001122")
            self.b.script("document.getElementById('date_of_birth').value = '1985-09-02';")
            self.b.type("#phone", "0905 135 790")
            self.b.click("#xac_thuc")
            for el in self.b.finds("input[type=file]"):
                self.b.s("POST", f"/element/{el}/value", {"text": self.pdf})
            self.b.shot("submit-check")
            self.axe_check("submission form with the check")
            self.b.click("form button[type=submit]")
            assert self.b.wait_for_text("đã được đối chiếu khớp"), self.b.url() + self.b.text()[:800]
            assert "Tổ dân phố 3" not in self.b.text(), "nothing from the database on the page"
            self.b.shot("submitted-checked")

        def boundary_free_reception():
            # Phường Buôn Hồ's desk receives a procedure the province lists as boundary-free for
            # phường Cư Bao, the competent agency: the code is Buôn Hồ's, the receipt names Cư Bao.
            self.login("motcua.buonho")
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=2.000815")
            assert self.b.finds("#competent_unit") and self.b.finds("#return_unit"), "offered"
            self.axe_check("counter-boundary-free")
            self.b.script("document.getElementById('competent_unit').value = arguments[0];", "000.32.00.H15")
            self.b.type("#full_name", "Y Bhim Ayun")
            self.b.type("#phone", "0912000444")
            self.b.shot("counter-boundary-free")
            self.b.click("form[method=post] button[type=submit]:not([name])")
            assert self.b.wait_url("phieu-tiep-nhan"), self.b.url()
            text = self.b.text()
            assert "000.31.00.H15-" in text, "the receiving point's code"
            assert "Cơ quan có thẩm quyền giải quyết: UBND phường Cư Bao" in text, text
            assert "Nhận kết quả tại: UBND phường Buôn Hồ" in text, text
            self.b.shot("receipt-boundary-free")
            # A procedure not listed offers no competent agency.
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=1.001193")
            assert not self.b.finds("#competent_unit"), "not offered"
            self.logout()

        def bad_input_is_explained():
            self.login("motcua.cubao")
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=2.000815")
            self.b.type("#full_name", "Hoàng Văn Sai")
            self.b.type("#phone", "12")
            self.b.click("form[method=post] button[type=submit]:not([name])")
            deadline = time.time() + 15
            while not self.b.finds(".field-error") and time.time() < deadline:
                time.sleep(0.1)
            assert "8 đến 15 chữ số" in self.b.text(".field-error")
            # E-mail notifications without an e-mail address: said next to the e-mail field.
            self.b.go(self.site + "/can-bo/tiep-nhan?thu_tuc=2.000815")
            self.b.type("#full_name", "Hoàng Văn Thư")
            self.b.type("#phone", "0912000555")
            self.b.script("document.getElementById('notify_channel').value = 'email';")
            self.b.click("form[method=post] button[type=submit]:not([name])")
            deadline = time.time() + 15
            while not self.b.finds(".field-error") and time.time() < deadline:
                time.sleep(0.1)
            assert "Để nhận thông báo qua thư điện tử" in self.b.text(".field-error")
            self.axe_check("counter with a notification error")
            self.logout()

        def english_switch():
            self.b.go(self.site + "/thu-tuc?q=khai+sinh")
            self.b.click("header .lang a")
            assert self.b.wait_url("/thu-tuc?q=khai"), self.b.url()
            assert "Administrative procedures" in self.b.text("h1"), self.b.text("h1")
            assert self.b.script("return document.documentElement.lang;") == "en"
            self.b.go(self.site + "/")
            assert "Electronic one-stop shop" in self.b.text("h1")
            self.b.shot("home-en")
            self.axe_check("home in English")
            self.b.click("header .lang a")
            assert self.b.wait_url("/"), self.b.url()
            assert "Một cửa điện tử" in self.b.text("h1")

        def unit_administration():
            self.login("quantri.cubao")
            self.b.go(self.site + "/can-bo/quan-tri")
            assert "Cán bộ và vai trò" in self.b.text(), self.b.url()
            self.b.shot("administration")
            self.axe_check("unit administration")
            self.logout()

        def leader_reports():
            self.login("lanhdao.cubao")
            self.b.go(self.site + "/can-bo/bao-cao")
            assert "Tình hình tiếp nhận và giải quyết hồ sơ" in self.b.text(), self.b.url()
            assert "Quyết định 766" in self.b.text()
            self.b.shot("report")
            self.axe_check("report")
            links = self.b.finds("table.report tfoot a")
            assert links, "the total row links to its dossiers"
            self.b.click("table.report tfoot a")
            assert self.b.wait_url("/can-bo/bao-cao/ho-so"), self.b.url()
            assert self.b.finds("a[href^='/can-bo/ho-so/']"), "the cell's dossiers are listed"
            self.b.shot("report-drill-down")
            self.axe_check("report drill-down")
            self.logout()

        def inspection_2017():
            self.login("thanhtra")
            self.b.go(self.site + "/can-bo/kiem-tra")
            assert "37/KH-UBND" in self.b.text(), self.b.text()[:500]
            self.b.click("table a[href^='/can-bo/kiem-tra/']")
            assert self.b.wait_url("/can-bo/kiem-tra/"), self.b.url()
            text = self.b.text()
            for unit in ["Ea Drông", "Ea Siên", "Ea Blang", "Phòng Tài nguyên và Môi trường"]:
                assert unit in text, unit
            assert "3027/QĐ-UBND" in text
            self.b.shot("inspection")
            self.axe_check("inspection")
            self.b.click("a[href$='/thong-bao']")
            assert self.b.wait_url("/thong-bao"), self.b.url()
            notice = self.b.text()
            assert "THÔNG BÁO" in notice and "Chưa có quyết định thành lập Bộ phận Một cửa" in notice
            self.b.shot("inspection-notice")
            self.logout()

        def no_sideways_scroll(page):
            over = self.b.script(
                "const w = document.documentElement.clientWidth;"
                "if (document.documentElement.scrollWidth <= w) return null;"
                "const e = [...document.querySelectorAll('body *')].find(e => e.getBoundingClientRect().right > w + 1);"
                "return [document.documentElement.scrollWidth, w, e ? e.outerHTML.slice(0, 160) : ''];"
            )
            assert not over, f"{page} is wider than a 360 px phone: {over}"

        def form_errors_keep_the_file():
            # Three problems the browser lets through (a name of spaces, a short phone, a bad ID
            # number): three messages, each next to its field, and the chosen file is kept.
            self.b.go(self.site + "/nop-ho-so/1.001612")
            self.b.click("select#unit option[value='000.31.00.H15']")
            self.b.type("#full_name", "   ")
            self.b.type("#phone", "12")
            self.b.type("#id_number", "123")
            for el in self.b.finds("input[type=file]"):
                self.b.s("POST", f"/element/{el}/value", {"text": self.pdf})
            self.b.click("form button[type=submit]")
            assert self.b.wait_for_text("hãy sửa 3 chỗ"), self.b.text()[:800]
            errors = self.b.texts(".field-error")
            assert len(errors) == 3, errors
            assert len(self.b.texts(".error-summary li")) == 3
            kept = self.b.texts(".kept")
            assert kept and "to-khai.pdf" in kept[0], kept
            self.b.shot("submit-three-errors")
            self.axe_check("submission form with errors")
            # Fixed without choosing the file again.
            self.b.type("#full_name", "Phạm Thị Bổ Sung")
            self.b.type("#phone", "0905 135 791")
            self.b.type("#id_number", "")
            self.b.click("form button[type=submit]")
            assert self.b.wait_for_text("Mã bí mật"), self.b.text()[:800]
            references = self.b.texts(".reference")
            state["answer_reference"], state["answer_secret"] = references[0], references[1]

        def supplement_from_a_phone():
            self.login("motcua.buonho")
            self.b.go(self.site + "/can-bo?hang=cho-tiep-nhan")
            dossier = self.b.script(
                "for (const tr of document.querySelectorAll('tbody tr')) {"
                " if (tr.textContent.includes(arguments[0])) {"
                "  return tr.querySelector('a').getAttribute('href').split('/').pop(); } }"
                " return null;", "Phạm Thị Bổ Sung")
            assert dossier, "the online dossier waits at the desk"
            self.act(dossier, "request-supplement", {
                "#request-supplement-items": "Bản sao sổ hộ khẩu",
                "#request-supplement-reason": "Thiếu bản sao sổ hộ khẩu"})
            self.logout()
            self.b.s("POST", "/window/rect", {"width": 360, "height": 740})
            try:
                self.b.go(self.site + "/tra-cuu")
                self.b.type("#code", state["answer_reference"])
                self.b.type("#secret", state["answer_secret"])
                self.b.click("form[action='/tra-cuu'] button")
                assert self.b.wait_for_text("Gửi bổ sung trực tuyến"), self.b.text()[:800]
                assert "Bản sao sổ hộ khẩu" in self.b.text()
                no_sideways_scroll("the lookup with the answer form")
                self.axe_check("the answer to a supplement")
                self.b.s("POST", f"/element/{self.b.find('#file_0')}/value", {"text": self.pdf})
                self.b.type("#note", "Gửi bản sao sổ hộ khẩu")
                self.b.shot("phone-supplement")
                self.b.click("form[action='/tra-cuu/bo-sung'] button[type=submit]")
                assert self.b.wait_for_text("Đã gửi bổ sung"), self.b.text()[:800]
                no_sideways_scroll("the answer sent")
                self.b.shot("phone-supplement-sent")
            finally:
                self.b.s("POST", "/window/rect", {"width": 1200, "height": 1600})
            self.login("motcua.buonho")
            self.b.go(f"{self.site}/can-bo/ho-so/{dossier}")
            link = self.b.finds(f"a[href='/can-bo/ho-so/{dossier}/giay-to/2']")
            assert link, "the officer sees the new paper"
            assert "Bản sao sổ hộ khẩu" in self.b.text() and "Gửi bản sao sổ hộ khẩu" in self.b.text()
            self.b.shot("officer-sees-supplement")
            self.logout()

        def feedback_sent_answered_and_published():
            # A citizen sends feedback; a first try shows every problem next to its field.
            self.b.go(self.site + "/phan-anh")
            self.b.click("select#unit option[value='000.32.00.H15']")
            self.b.click("select#topic option[value='other']")
            self.b.type("#title", "x")
            self.b.type("#content", "ngắn")
            self.b.type("#full_name", "Đỗ Thị Góp Ý")
            self.b.type("#phone", "12")
            self.b.click("form[action='/phan-anh'] button[type=submit]")
            assert self.b.wait_for_text("Có lỗi"), self.b.text()[:500]
            errors = self.b.texts(".field-error")
            assert len(errors) >= 3, errors
            self.axe_check("feedback form with errors")
            self.b.type("#title", "Bãi giữ xe trước bộ phận một cửa quá chật")
            self.b.type("#content", "Buổi sáng không còn chỗ để xe máy, người dân phải để xe dưới lòng đường.")
            self.b.type("#phone", "0905444555")
            self.b.click("input[name=publish_consent]")
            self.b.click("form[action='/phan-anh'] button[type=submit]")
            assert self.b.wait_for_text("Mã bí mật:"), self.b.text()[:800]
            text = self.b.text(".notice")
            state["fb_ref"] = re.search(r"(PA[0-9A-Z]{12})", text).group(1)
            state["fb_secret"] = re.search(r"Mã bí mật: ([0-9A-Z-]{14})", text).group(1)
            self.b.shot("feedback-sent")
            # The ward's leader answers it from the queue, publishing the answer.
            self.login("lanhdao.cubao")
            self.b.go(self.site + "/can-bo/phan-anh?hang=new")
            self.axe_check("feedback queue")
            href = self.b.script(
                "for (const a of document.querySelectorAll('table a')) {"
                " if (a.textContent.includes(arguments[0])) { return a.getAttribute('href'); } }"
                " return null;", "Bãi giữ xe trước bộ phận một cửa")
            assert href, "the new feedback is in the ward's queue"
            self.b.go(self.site + href)
            assert "0905444555" in self.b.text(), "the leader sees the contact"
            self.b.type("#answer_text", "Phường đã bố trí thêm bãi giữ xe tại sân nhà văn hóa tổ dân phố.")
            self.b.click("form[action$='/answer'] input[name=publish]")
            self.b.click("form[action$='/answer'] button[type=submit]")
            assert self.b.wait_for_text("Đã trả lời"), self.b.text()[:800]
            self.b.shot("feedback-answered")
            self.axe_check("feedback page")
            self.logout()
            # The person reads the answer and rates it; the published list shows it, without the name.
            self.b.go(f"{self.site}/phan-anh/tra-cuu?ma={state['fb_ref']}&bi_mat={state['fb_secret']}")
            assert "bãi giữ xe tại sân nhà văn hóa" in self.b.text()
            self.b.click("input[value='satisfied']")
            self.b.click("form[action='/phan-anh/danh-gia'] button")
            assert self.b.wait_url("ok=1") and "Cảm ơn" in self.b.text()
            self.b.go(self.site + "/phan-anh/da-tra-loi?q=bai+giu+xe")
            body = self.b.text()
            assert "Bãi giữ xe trước bộ phận một cửa" in body and "Góp Ý" not in body and "0905" not in body
            self.axe_check("published answers")

        def officer_opens_a_thumbnail():
            # A photo uploaded online: the officer sees it scaled down on the dossier page and opens it.
            self.b.go(self.site + "/nop-ho-so/1.001612")
            self.b.click("select#unit option[value='000.31.00.H15']")
            self.b.type("#full_name", "Lê Văn Ảnh Nhỏ")
            self.b.type("#phone", "0905 777 888")
            for el in self.b.finds("input[type=file]"):
                self.b.s("POST", f"/element/{el}/value", {"text": self.png})
            self.b.click("form button[type=submit]")
            assert self.b.wait_for_text("Mã bí mật"), self.b.text()[:800]
            self.login("motcua.buonho")
            self.b.go(self.site + "/can-bo?hang=cho-tiep-nhan")
            dossier = self.b.script(
                "for (const tr of document.querySelectorAll('tbody tr')) {"
                " if (tr.textContent.includes(arguments[0])) {"
                "  return tr.querySelector('a').getAttribute('href').split('/').pop(); } }"
                " return null;", "Lê Văn Ảnh Nhỏ")
            assert dossier, "the online dossier waits at the desk"
            self.b.go(f"{self.site}/can-bo/ho-so/{dossier}")
            thumb = f"/can-bo/ho-so/{dossier}/giay-to/1/anh-nho"
            deadline = time.time() + 15
            size = None
            while time.time() < deadline:
                size = self.b.script(
                    "const i = document.querySelector(`img[src='${arguments[0]}']`);"
                    "return i && i.complete && i.naturalWidth ? [i.naturalWidth, i.naturalHeight] : null;", thumb)
                if size:
                    break
                time.sleep(0.2)
            assert size == [240, 150], f"the preview is the photo scaled down: {size}"
            self.b.shot("dossier-thumbnails")
            self.axe_check("dossier page with previews")
            href = self.b.script("return document.querySelector('a.thumb').getAttribute('href');")
            assert href == f"/can-bo/ho-so/{dossier}/giay-to/1", href
            self.b.go(self.site + href)
            assert self.b.script("return document.contentType;") == "image/png"
            self.b.shot("paper-opened-from-thumbnail")
            self.logout()

        def blank_form_on_a_phone():
            # A citizen on a phone downloads the procedure's own blank form (rendered by the demo).
            self.b.s("POST", "/window/rect", {"width": 360, "height": 740})
            try:
                for path in ["/thu-tuc/1.001193", "/nop-ho-so/1.001193"]:
                    self.b.go(self.site + path)
                    links = self.b.finds("a.download")
                    assert links, f"{path} offers the blank form"
                    no_sideways_scroll(path)
                    self.axe_check(path)
                href = self.b.script("return document.querySelector('a.download').href;")
                got = self.b.async_script(
                    "const done = arguments[arguments.length - 1];"
                    "fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type'),"
                    " r.headers.get('content-disposition'), new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))]));",
                    href)
                assert got == [200, "application/pdf", 'attachment; filename="to-khai-dang-ky-khai-sinh.pdf"', "%PDF-"], got
                self.b.go(self.site + "/thu-tuc/1.001193")
                self.b.shot("phone-blank-form")
            finally:
                self.b.s("POST", "/window/rect", {"width": 1200, "height": 1600})

        def fits_a_phone():
            # Every public page at 360 px: nothing wider than the screen (no sideways scrolling).
            self.b.s("POST", "/window/rect", {"width": 360, "height": 740})
            try:
                wide = []
                for path in ["/", "/thu-tuc?q=khai+sinh", "/thu-tuc?q=zzzz+qqqq", "/thu-tuc/1.001193", "/nop-ho-so/1.001193",
                             "/tra-cuu", "/thong-ke", "/don-vi", "/don-vi/000.31.00.H15", "/xac-minh", "/dang-nhap"]:
                    self.b.go(self.site + path)
                    over = self.b.script(
                        "const w = document.documentElement.clientWidth;"
                        "if (document.documentElement.scrollWidth <= w) return null;"
                        "const e = [...document.querySelectorAll('body *')].find(e => e.getBoundingClientRect().right > w + 1);"
                        "return [document.documentElement.scrollWidth, w, e ? e.outerHTML.slice(0, 160) : ''];"
                    )
                    if over:
                        wide.append((path, over))
                self.b.go(self.site + "/thu-tuc?q=dang+ky+khai+sinh")
                self.b.shot("phone-search")
                assert not wide, f"pages wider than a 360 px phone: {wide}"
            finally:
                self.b.s("POST", "/window/rect", {"width": 1200, "height": 1600})

        for name, fn in [
            ("search with and without diacritics", search),
            ("public pages fit a 360 px phone", fits_a_phone),
            ("home and procedure pages", home_and_procedure),
            ("citizen submits online", submit_online),
            ("desk receives and hands over to another agency", desk_receives_and_hands_over),
            ("the agency returns it, the leader approves, the desk returns the result", other_agency_and_leader),
            ("citizen looks up and rates", citizen_looks_up_and_rates),
            ("counter reception with the receipt print view", counter_reception_and_receipt),
            ("the desk fills the applicant from the population database", counter_prefill_from_population_database),
            ("an online applicant is checked against the population database", online_check_against_population_database),
            ("a boundary-free reception at Buôn Hồ for Cư Bao", boundary_free_reception),
            ("bad input is explained next to the field", bad_input_is_explained),
            ("a form with three errors shows three messages and keeps its file", form_errors_keep_the_file),
            ("an applicant answers a supplement from a phone; the officer sees the paper", supplement_from_a_phone),
            ("the English switch", english_switch),
            ("unit administration: desk, staff and roles, postings", unit_administration),
            ("the leader's report drills down to dossiers", leader_reports),
            ("the 2017 inspection and its conclusion notice", inspection_2017),
            ("feedback sent, answered, rated and published", feedback_sent_answered_and_published),
            ("the officer sees a paper's preview on the dossier page and opens it", officer_opens_a_thumbnail),
            ("a citizen downloads a blank form from a procedure page at 360 px", blank_form_on_a_phone),
        ]:
            self.check(name, fn)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    walk = Walk(sys.argv[1], sys.argv[2])
    try:
        walk.run()
    finally:
        walk.close()
    print(f"browser: {walk.passed} passed, {len(walk.failed)} failed")
    return 1 if walk.failed else 0


if __name__ == "__main__":
    sys.exit(main())
