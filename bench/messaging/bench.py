#!/usr/bin/env python3
"""Messaging benchmark: starts the application (AppHost, fresh state, random ports), then measures
  - verify/start latency through the gateway,
  - send intents accepted per second through the gateway (POST /api/messaging/messages),
  - texts delivered per second end to end (intent -> dispatcher -> sandbox -> status callbacks -> delivered),
and prints a table. Bounded: N messages, one run, stops the application at the end."""
import json, os, random, signal, statistics, subprocess, sys, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "300"))
CODES = int(os.environ.get("BENCH_CODES", "100"))


def request(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"null")


def start_application(state):
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "AppHost"), "-v", "q", "-nologo"], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(state, "apphost.out"), "w")
    process = subprocess.Popen(["dotnet", "run", "--no-build", "--project", os.path.join(ROOT, "AppHost"), "--",
                                "--state-dir", state, "--random-ports"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        text = open(os.path.join(state, "apphost.out")).read()
        if "Ready in" in text:
            gateway = next(line.split()[-1] for line in text.splitlines()[::-1] if line.strip().startswith("gateway"))
            credentials = json.load(open(os.path.join(state, "credentials.json")))
            return process, gateway, credentials["admin-key"]
        if process.poll() is not None:
            sys.exit("the application exited:\n" + text[-2000:])
        time.sleep(1)
    sys.exit("the application did not become ready")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    state = tempfile.mkdtemp(prefix="alle-bench-messaging-", dir="/var/tmp")
    process, gateway, admin = start_application(state)
    try:
        rows = []
        latencies = []
        for _ in range(CODES):
            phone = "+1555" + str(random.randint(1_000_000, 9_999_999))
            started = time.perf_counter()
            request("POST", f"{gateway}/api/messaging/verify/start", {"phone": phone})
            latencies.append((time.perf_counter() - started) * 1000)
        rows.append(("verify/start latency p50 / p95", f"{percentile(latencies, 50):.1f} / {percentile(latencies, 95):.1f} ms", f"{CODES} sequential requests"))

        phones = ["+1555" + str(random.randint(1_000_000, 9_999_999)) for _ in range(MESSAGES)]
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda p: request("POST", f"{gateway}/api/messaging/messages", {"to": p, "body": "Benchmark text"}, admin)["id"], phones))
        accepted = time.perf_counter() - started
        rows.append(("send intents accepted", f"{MESSAGES / accepted:.0f} /s", f"{MESSAGES} POSTs, 8 concurrent"))

        pending = set(ids)
        while pending and time.perf_counter() - started < 600:
            delivered = request("GET", f"{gateway}/api/messaging/messages?status=delivered&limit=500", None, admin)["data"]
            pending -= {m["id"] for m in delivered}
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        rows.append(("texts delivered end to end", f"{(MESSAGES - len(pending)) / elapsed:.1f} /s",
                     f"{MESSAGES - len(pending)}/{MESSAGES} in {elapsed:.1f} s (sender throttle Twilio:MessagesPerSecond=10)"))

        width = max(len(r[0]) for r in rows)
        print(f"{'measure'.ljust(width)} | {'result':>18} | notes")
        print(f"{'-' * width}-|-{'-' * 18}-|------")
        for name, value, note in rows:
            print(f"{name.ljust(width)} | {value:>18} | {note}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        subprocess.run(["rm", "-rf", state])


if __name__ == "__main__":
    main()
