"""`gongkai serve --production`: gunicorn with production settings on an ephemeral 127.0.0.1 port.

Before: the development server answered (`Server: WSGIServer/0.2`), without CSP, HSTS, Permissions-Policy,
no-store or Secure cookies; a 500 left no trace; a writer waiting more than 5 s on SQLite got a 500.
The server runs in its own process group, always killed at the end.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PERSONAL = ("张三", "110101199003077777", "13800138000", "李四", "370305199001011231")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("prod-var")
    env = {**os.environ, "GONGKAI_VAR": str(var), "GONGKAI_TRUSTED_PROXIES": "1", "GONGKAI_TEST_FAILURE_URL": "1",
           "GONGKAI_DB_TIMEOUT": "0.3", "GONGKAI_ALLOWED_HOSTS": "127.0.0.1",
           "GONGKAI_PARSE_CPU_SECONDS": "4"}  # a hostile upload runs into its CPU limit sooner (test below)
    for name in ("DATABASE_URL", "GONGKAI_PRODUCTION", "GONGKAI_REDIS_URL", "DJANGO_SETTINGS_MODULE",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    migrate = subprocess.run([sys.executable, "-m", "gongkai.cli", "migrate"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    out = open(var / "server.out", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "serve", "--production", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (var / "server.out").read_text(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start within 90 s"
                time.sleep(0.3)
        yield {"port": port, "var": var, "proc": proc}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        out.close()


def request(server, method, path, *, https=True, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
    hdrs = {"Host": "127.0.0.1", "X-Forwarded-For": "203.0.113.5"}
    if https:  # what nginx adds after terminating TLS (docs/deploy.md)
        hdrs["X-Forwarded-Proto"] = "https"
    hdrs.update(headers or {})
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def log_lines(server) -> list[dict]:
    path = server["var"] / "log" / "gongkai.log"
    lines = []
    for line in path.read_text("utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:  # a line being written right now
            pass
    return lines


def test_security_headers(server):
    resp, body = request(server, "GET", "/")
    assert resp.status == 200 and "年报体检" in body.decode()
    csp = resp.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert "camera=()" in resp.getheader("Permissions-Policy")
    assert resp.getheader("Referrer-Policy") == "same-origin"
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    assert resp.getheader("X-Frame-Options") == "DENY"
    assert resp.getheader("Cache-Control") == "no-store"  # 年报体检 results are shown on this page
    assert "WSGIServer" not in (resp.getheader("Server") or "")
    assert re.fullmatch(r"[0-9a-f]{16}", resp.getheader("X-Request-ID"))

    resp, _ = request(server, "GET", "/accounts/login/")
    cookie = resp.getheader("Set-Cookie")
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert resp.getheader("Cache-Control") == "no-store"
    resp, _ = request(server, "GET", "/apply/status/?code=ABC")
    assert resp.getheader("Cache-Control") == "no-store"
    resp, _ = request(server, "GET", "/gk/")  # the public portal stays cacheable
    assert resp.status in (200, 302, 404) and resp.getheader("Cache-Control") != "no-store"
    resp, body = request(server, "GET", "/static/gongkai/site.css")  # WhiteNoise, from STATIC_ROOT
    assert resp.status == 200 and b"{" in body
    # Plain HTTP (nginx not in front) is sent to HTTPS.
    resp, _ = request(server, "GET", "/", https=False)
    assert resp.status == 301 and resp.getheader("Location") == "https://127.0.0.1/"


def test_a_500_is_logged_as_one_json_line_without_personal_data(server):
    resp, body = request(server, "GET", "/__test__/fail/?name=%E5%BC%A0%E4%B8%89&id=110101199003077777",
                         headers={"Cookie": "applicant=370305199001011231"})
    assert resp.status == 500 and "系统内部错误" in body.decode()
    rid = resp.getheader("X-Request-ID")
    deadline = time.monotonic() + 10
    while not any(e.get("request_id") == rid and e.get("status") == 500 for e in log_lines(server)):
        assert time.monotonic() < deadline, "the 500 was not logged"
        time.sleep(0.2)
    event = next(e for e in log_lines(server) if e.get("request_id") == rid and e.get("status") == 500)
    assert event["level"] == "ERROR" and event["logger"] == "django.request"
    assert event["path"] == "/__test__/fail/" and event["method"] == "GET"
    assert event["error"] == "builtins.RuntimeError" and any("fail_for_test" in f for f in event["stack"])
    text = (server["var"] / "log" / "gongkai.log").read_text("utf-8")
    for secret in (*PERSONAL, "name=", "%E5%BC%A0"):
        assert secret not in text, secret
    # The same line went to stderr (gunicorn's output), and the access log has no query string either.
    out = (server["var"] / "server.out").read_text("utf-8", errors="replace")
    assert rid in out and "fail_for_test" in out
    for secret in (*PERSONAL, "name=", "%E5%BC%A0"):
        assert secret not in out, secret


def test_a_busy_database_is_retried_not_a_500(server):
    """Two connections: this test holds SQLite's write lock while the server handles a failed login
    (which writes; its busy timeout is 0.3 s here) until the server retries; the retry is answered."""
    resp, body = request(server, "GET", "/accounts/login/")
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = f"csrfmiddlewaretoken={token}&username=nobody&password=wrong-password".encode()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
               "Referer": "https://127.0.0.1/accounts/login/", "Origin": "https://127.0.0.1"}

    db = sqlite3.connect(server["var"] / "gongkai.sqlite3", timeout=10, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")  # the other writer holds the lock ...
    seen = len(log_lines(server))
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        zip(("resp", "body"), request(server, "POST", "/accounts/login/", body=form, headers=headers))))
    worker.start()
    try:
        # ... until the server has given up once on it and scheduled a retry.
        deadline = time.monotonic() + 30
        while not any("retrying" in e["message"] for e in log_lines(server)[seen:]):
            assert worker.is_alive(), "the request ended without a retry"
            assert time.monotonic() < deadline, "no retry within 30 s"
            time.sleep(0.05)
    finally:
        db.execute("COMMIT")
        db.close()
        worker.join(timeout=60)
    resp, body = result["resp"], result["body"]
    assert resp.status == 200, body.decode()[:500]
    assert "用户名或密码不正确" in body.decode() or "请输入正确的" in body.decode()
    rid = resp.getheader("X-Request-ID")
    retries = [e for e in log_lines(server) if e.get("request_id") == rid and "retrying" in e["message"]]
    assert retries and retries[0]["level"] == "WARNING"


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----gongkai-test-boundary"
    out = b""
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    for name, filename, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_other_visitors_are_served_while_a_hostile_upload_is_parsed(server):
    """One gunicorn process: while a 19 MB HTML upload burns its parse child's CPU limit (4 s here), the
    request thread only waits on a pipe, so the same process keeps answering other visitors."""
    resp, body = request(server, "GET", "/check/")
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    row = "<tr><td>一、本年新收政府信息公开申请数量</td>" + "<td>12</td>" * 8 + "</tr>"
    heavy = ("<html><body><table>" + row * (19 * 1024 * 1024 // len(row.encode())) + "</table></body></html>").encode()
    form, ctype = _multipart({"csrfmiddlewaretoken": token}, [("files", "heavy.html", heavy)])
    headers = {"Cookie": cookie, "Content-Type": ctype, "Referer": "https://127.0.0.1/check/",
               "Origin": "https://127.0.0.1", "X-Forwarded-For": "203.0.113.77"}
    upload: dict = {}

    def post():
        upload["resp"], upload["body"] = request(server, "POST", "/check/", body=form, headers=headers)
        upload["done"] = time.monotonic()

    worker = threading.Thread(target=post)
    worker.start()
    served = []
    try:
        # Wait until the parse child is running (the upload has been received), then ask for other pages.
        deadline = time.monotonic() + 60
        while not _parse_child_running(server["proc"].pid):
            assert worker.is_alive() and time.monotonic() < deadline, "the upload never reached the parser"
            time.sleep(0.05)
        while worker.is_alive() and len(served) < 5:
            started = time.monotonic()
            resp, page = request(server, "GET", "/")
            served.append((resp.status, time.monotonic(), time.monotonic() - started))
    finally:
        worker.join(timeout=120)
    assert served and all(status == 200 for status, _, _ in served), served
    assert served[0][1] < upload["done"], "no other request was answered while the upload was parsed"
    assert upload["resp"].status in (200, 303)


def _parse_child_running(server_pid: int) -> bool:
    """A forkserver child of the gunicorn worker using CPU: some process under the server's session
    whose command line is the multiprocessing fork server's."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != os.getsid(server_pid):
                continue
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, ProcessLookupError):
            continue
        if b"forkserver" in cmd:
            children = (entry / "task" / entry.name / "children").read_text().split()
            if children:
                return True
    return False


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "GONGKAI_VAR": str(tmp_path), "GONGKAI_PRODUCTION": "1"}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the latter is set by tests/conftest.py
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Without production settings the same check warns (HSTS, secure cookies, SSL redirect).
    env.pop("GONGKAI_PRODUCTION")
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SECURE_HSTS_SECONDS" in result.stdout + result.stderr
