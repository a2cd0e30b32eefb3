#!/usr/bin/env python3
"""Messaging benchmark: starts the application (AppHost, fresh state, random ports), then measures
  - verify/start latency through the gateway,
  - send intents accepted per second through the gateway (POST /api/messaging/messages),
  - texts delivered per second end to end (intent -> dispatcher -> sandbox -> status callbacks -> delivered),
and prints a table. Bounded: N messages, one run, stops the application at the end."""
import json, os, random, re, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request
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
    """Starts the AppHost in its own session; answers (process, gateway URL, admin key) from its startup report, which
    ends with "Ready in N s" once every resource is healthy."""
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "AppHost"), "-warnaserror", "-v", "q", "-nologo"], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(state, "apphost.out"), "w")
    process = subprocess.Popen(["dotnet", os.path.join(ROOT, "AppHost", "bin", "Debug", "net10.0", "Alle.AppHost.dll"),
                                "--state-dir", state, "--random-ports"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        text = open(os.path.join(state, "apphost.out")).read()
        if re.search(r"^Ready in ", text, re.MULTILINE):
            gateway = re.search(r"^  gateway: (\S+)$", text, re.MULTILINE)
            admin = re.search(r"^  admin key: (\S+)$", text, re.MULTILINE)
            if not gateway or not admin:
                raise RuntimeError("no gateway or admin key in the AppHost's report:\n" + text[-2000:])
            return process, gateway.group(1), admin.group(1)
        if process.poll() is not None:
            raise RuntimeError("the application exited:\n" + text[-2000:])
        time.sleep(1)
    raise RuntimeError("the application did not become ready:\n" + text[-2000:])


def processes():
    """Parent of every process, from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return parents


def tree(root, parents):
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, p in parents.items() if p == parent]
        found += children
        frontier += children
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def stop_application(process):
    """SIGTERM to the AppHost's session, then waits (40 s, then kills what is left) for the AppHost and Aspire's
    orchestrator (DCP, which detaches from the AppHost and watches it by pid) with every server and service it started."""
    parents = processes()
    orchestrators = []
    for pid in parents:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                words = cmdline.read().split(b"\0")
        except OSError:
            continue
        if b"start-apiserver" in words and b"--monitor" in words and words[words.index(b"--monitor") + 1:][:1] == [str(process.pid).encode()]:
            orchestrators.append(pid)
    everything = tree(process.pid, parents) + [pid for o in orchestrators for pid in tree(o, parents)]
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + 40
    while time.time() < deadline and (process.poll() is None or any(alive(pid) for pid in everything)):
        time.sleep(0.5)
    for pid in everything:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    process.wait(timeout=10)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    state = tempfile.mkdtemp(prefix="alle-bench-messaging-", dir="/var/tmp")
    process = None
    try:
        process, gateway, admin = start_application(state)
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
    except RuntimeError as error:
        sys.exit(str(error))
    finally:
        if process is not None:
            stop_application(process)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
