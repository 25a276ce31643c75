#!/usr/bin/env python3
"""Schema-based fuzzing of the whole API: schemathesis (from PyPI, in a virtual environment under
target/) generates requests from /api/v1/openapi.json for every operation, valid and invalid, against a
server on a random port seeded with the demo town, on SQLite and (when MOTCUA_TEST_PG is set) on
PostgreSQL, as the public, as a desk officer and as a unit administrator. Any 5xx answer, or a panic in
the server's log, fails the run.

    python3 tests/fuzz/fuzz.py target/debug/motcua [SECONDS_PER_RUN]

The seed is fixed (13) so that a failure reproduces; MOTCUA_FUZZ_SEED picks another.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(ROOT, "target", "schemathesis-venv")
PASSWORD = "motcua-demo"
# Who fuzzes: nobody (public operations; staff ones then answer 401), a desk officer, a unit admin.
CALLERS = [None, "motcua.buonho", "quantri.buonho"]


def schemathesis():
    """The schemathesis command, installed into target/schemathesis-venv on first use."""
    bin_ = os.path.join(VENV, "bin", "schemathesis")
    if not os.path.exists(bin_):
        print("== installing schemathesis into target/schemathesis-venv", flush=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "schemathesis>=4,<5"], check=True)
    return bin_


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post_json(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def dictionaries(base, tmp, label):
    """Ids and codes that exist in the demo town, offered to the path parameters seven times in ten
    (the rest stays random), so that the run reaches the handlers behind the 404s."""
    units = [u["code"] for u in get_json(base + "/api/v1/units")["items"]]
    found = get_json(base + "/api/v1/procedures?limit=50")
    procedures = [p["code"] for p in found.get("items", [])]
    codes = units[:40] + procedures[:40]
    path = os.path.join(tmp, f"schemathesis-{label}.toml")
    with open(path, "w") as f:
        f.write("[dictionaries.ids]\nvalues = %s\n\n" % json.dumps(list(range(1, 80))))
        f.write("[dictionaries.codes]\nvalues = %s\n\n" % json.dumps(codes))
        f.write('[parameters]\n"path.id" = { dictionary = "ids", probability = 0.7 }\n')
        f.write('"path.code" = { dictionary = "codes", probability = 0.7 }\n')
    return path


def wait_ready(base, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            time.sleep(0.2)
    return False


def postgres_db(base_url, tag):
    """A fresh database on the throwaway cluster (createdb from the PostgreSQL tools)."""
    name = f"motcua_fuzz_{tag}_{os.getpid()}"
    prefix, _ = base_url.rsplit("/", 1)
    pgbin = sorted(
        (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")),
        key=lambda p: [int(x) if x.isdigit() else x for x in p.split("/")[-2].split(".")],
    )[-1]
    subprocess.run([os.path.join(pgbin, "createdb"), "--maintenance-db", base_url, name], check=True)
    return f"{prefix}/{name}"


def run_backend(motcua, st, db, seconds, tmp):
    label = db.split(":", 1)[0]
    print(f"== fuzz on {label}: seeding the demo town", flush=True)
    subprocess.run([motcua, "demo", "--no-serve", "--db", db, "--dossiers", "60"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        MOTCUA_PUBLIC_RATE_PER_MINUTE="100000000",
        MOTCUA_LOGIN_RATE_PER_MINUTE="100000000",
        MOTCUA_FILES_DIR=os.path.join(tmp, f"files-{label}"),
        MOTCUA_LOG_FORMAT="text",
    )
    log_path = os.path.join(tmp, f"server-{label}.log")
    log = open(log_path, "w")
    server = subprocess.Popen([motcua, "serve", "--db", db, "--listen", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    failures = []
    try:
        if not wait_ready(base):
            raise SystemExit(f"the server on {label} did not start; log: {open(log_path).read()[-2000:]}")
        config = dictionaries(base, tmp, label)
        for caller in CALLERS:
            headers = []
            if caller:
                token = post_json(base + "/api/v1/auth/login", {"username": caller, "password": PASSWORD})["token"]
                headers = ["-H", f"Authorization: Bearer {token}"]
            who = caller or "the public"
            print(f"== fuzz on {label} as {who}, {seconds}s", flush=True)
            report = os.path.join(tmp, f"report-{label}-{who.replace(' ', '-')}")
            cmd = [
                st, "--config-file", config, "run", base + "/api/v1/openapi.json",
                "--url", base,  # the document's paths start with /api/v1
                "--checks", "not_a_server_error",
                # The coverage phase trips a CPython 3.11 bug in ast.parse deep in hypothesis
                # ("AST constructor recursion depth mismatch"), an error of the tool, not the server.
                "--phases", "examples,fuzzing,stateful",
                "--max-time", str(seconds),
                "--workers", "1",
                "--request-timeout", "20",
                "--seed", os.environ.get("MOTCUA_FUZZ_SEED", "13"),
                "--exclude-operation-id", "logout",
                "--no-color",
                "--report", "junit", "--report-dir", report,
            ] + headers
            # In the temporary folder: schemathesis keeps its example database in the working one.
            result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp)
            out = result.stdout
            tail = "\n".join(out.strip().splitlines()[-12:])
            print(tail, flush=True)
            if result.returncode != 0:
                failures.append(f"{label} as {who}: schemathesis exit {result.returncode}\n{out[-20000:]}")
        server.terminate()
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    text = open(log_path).read()
    if "panicked" in text:
        failures.append(f"{label}: a panic in the server's log:\n" + "\n".join(l for l in text.splitlines() if "panicked" in l)[:4000])
    return failures


def main():
    motcua = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "motcua"))
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    st = schemathesis()
    failures = []
    with tempfile.TemporaryDirectory(prefix="motcua-fuzz-") as tmp:
        dbs = [f"sqlite:{tmp}/fuzz.db"]
        pg = os.environ.get("MOTCUA_TEST_PG")
        if pg:
            dbs.append(postgres_db(pg, "pg"))
        elif os.environ.get("CI") == "true":
            raise SystemExit("MOTCUA_TEST_PG must be set in CI")
        else:
            print("MOTCUA_TEST_PG not set: PostgreSQL skipped", flush=True)
        for db in dbs:
            failures += run_backend(motcua, st, db, seconds, tmp)
    if failures:
        print("\n== FUZZ FAILURES\n" + "\n\n".join(failures))
        sys.exit(1)
    print("== fuzz: no server error on any backend")


if __name__ == "__main__":
    main()
