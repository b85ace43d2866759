"""A mock lab instrument behind HTTP, speaking Genesis's instrument contract
(docs/twins.md, "Instruments over HTTP"), for crates/genesis-cli/tests/http.rs.

- POST /api/run {"inputs": {"x1": .., "x2": ..}} with "Authorization: Bearer TOKEN":
  * every 3rd request answers 503 (an injected server fault: Genesis must retry);
  * x1 >= 0.5: a "long experiment": 202 {"poll": "/jobs/ID"}, ready after 0.3 s;
  * x2 >= 0.95: 200 {"error": "sample holder jammed"};
  * otherwise 200 {"outputs": {"f": (x1-0.3)^2 + (x2-0.6)^2 + noise}} with
    Gaussian measurement noise (sd 1e-3, seeded).
- GET /jobs/ID: 202 {"status": "running"} until ready, then 200 {"outputs": ...};
  every 4th poll answers 500.
- GET /stats: counters, to check what happened.
- Wrong or missing token: 401.

usage: python mock_instrument.py TOKEN   (prints "PORT <n>" when listening)
"""
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = sys.argv[1]
LOCK = threading.Lock()
STATS = {"posts": 0, "polls": 0, "injected_5xx": 0, "unauthorized": 0, "measured": 0, "jammed": 0}
JOBS = {}
RNG = random.Random(7)


def measure(x):
    with LOCK:
        noise = RNG.gauss(0.0, 1e-3)
        STATS["measured"] += 1
    return {"f": (x["x1"] - 0.3) ** 2 + (x["x2"] - 0.6) ** 2 + noise}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            with LOCK:
                STATS["unauthorized"] += 1
            self.reply(401, {"error": "unauthorized"})
            return False
        return True

    def do_POST(self):
        if self.path != "/api/run" or not self.authorized():
            return
        length = int(self.headers.get("Content-Length", "0"))
        x = json.loads(self.rfile.read(length))["inputs"]
        with LOCK:
            STATS["posts"] += 1
            fault = STATS["posts"] % 3 == 0
            if fault:
                STATS["injected_5xx"] += 1
        if fault:
            return self.reply(503, {"error": "instrument busy"})
        if x["x2"] >= 0.95:
            with LOCK:
                STATS["jammed"] += 1
            return self.reply(200, {"error": "sample holder jammed"})
        if x["x1"] >= 0.5:
            with LOCK:
                job = str(len(JOBS) + 1)
                JOBS[job] = (time.time() + 0.3, x)
            return self.reply(202, {"poll": f"/jobs/{job}"})
        time.sleep(0.02)
        self.reply(200, {"outputs": measure(x)})

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.reply(200, dict(STATS))
        if not self.path.startswith("/jobs/") or not self.authorized():
            return self.reply(404, {"error": "no such resource"})
        job = self.path.split("/")[-1]
        with LOCK:
            STATS["polls"] += 1
            fault = STATS["polls"] % 4 == 0
            if fault:
                STATS["injected_5xx"] += 1
            entry = JOBS.get(job)
        if fault:
            return self.reply(500, {"error": "transient"})
        if entry is None:
            return self.reply(404, {"error": "no such job"})
        ready, x = entry
        if time.time() < ready:
            return self.reply(202, {"status": "running"})
        self.reply(200, {"outputs": measure(x)})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
