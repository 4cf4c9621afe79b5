#!/usr/bin/env python3
"""The status page in a real browser: headless Chromium loads /status from a real ijwgw
after a short story, runs the page's script, and the rendered DOM must hold the charts
(inline SVG) and the numbers of /status.json. TAP output; skipped when Chromium is absent.

usage: test_status_page.py   (env: IJWGW, IJWCTL, GW_FIXTURES; optional CHROMIUM)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

RESULTS = []


def tap(ok, what, detail=""):
    RESULTS.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(RESULTS)} - {what}")
    if not ok and detail:
        for line in str(detail).splitlines()[:40]:
            print(f"# {line}")
    sys.stdout.flush()


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8")


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def main():
    ijwgw, ijwctl, fixtures = (os.environ.get(k) for k in ("IJWGW", "IJWCTL", "GW_FIXTURES"))
    chromium = find_chromium()
    if not chromium:
        print("1..0 # SKIP chromium is not installed (Debian: apt-get install chromium)")
        return 0
    if not (ijwgw and ijwctl and fixtures):
        print("1..0 # SKIP IJWGW, IJWCTL or GW_FIXTURES not set")
        return 0
    print("1..6")
    tmp = tempfile.mkdtemp(prefix="ijwgw-page-")
    gw = None
    try:
        conf = os.path.join(tmp, "ijwgw.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("gateway\n"
                    "    endpoint = tcp://127.0.0.1:*\n"
                    f"    store = {tmp}/store.db\n"
                    "    heartbeat = 1s\n"
                    "    http = 127.0.0.1:0\n"
                    "party 0363\n    kind = gemeente\n    name = Amsterdam\n"
                    "party 42420001\n    kind = aanbieder\n    name = \"Zorg & Co <A>\"\n"
                    "filter tr056\n")
        log_path = os.path.join(tmp, "ijwgw.log")
        log = open(log_path, "w", encoding="utf-8")
        gw = subprocess.Popen([ijwgw, "-c", conf], stdout=log, stderr=log)
        log.close()

        def bound():
            text = open(log_path, encoding="utf-8").read()
            h = re.search(r"http_listening addr=(\S+)", text)
            z = re.search(r" ready endpoint=(\S+)", text)
            return (h.group(1), z.group(1)) if h and z else None

        http, endpoint = wait_for(bound, 15, "ijwgw to start")
        base = f"http://{http}"

        # A short story: an accepted JW301 (received and acknowledged by the aanbieder),
        # a JW301 rejected by CS002, and a spoofing attempt refused.
        def ctl(*args):
            return subprocess.run([ijwctl, *args], capture_output=True, text=True, timeout=60)

        ctl("send", "-e", endpoint, "-p", "0363", f"{fixtures}/valid/jw301.xml")
        ctl("send", "-e", endpoint, "-p", "0363", f"{fixtures}/demo/jw301-bsn-elfproef.xml")
        ctl("send", "-e", endpoint, "-p", "42420001", f"{fixtures}/valid/jw301.xml")
        ctl("recv", "-e", endpoint, "-p", "42420001", "-t", "1", "-o", f"{tmp}/inbox")

        def settled():
            _, body = get(f"{base}/status.json")
            d = json.loads(body)
            p = {x["code"]: x for x in d["parties"]}
            done = (d["totals"]["accepted"] == 1 and d["totals"]["rejected"] == 1 and
                    p["42420001"]["out"]["delivered"] == 1 and
                    not any(x["connected"] for x in d["parties"]))
            return d if done else None

        data = wait_for(settled, 15, "the story to show in /status.json")
        tap(True, "the story is in /status.json")

        profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}",
               "--virtual-time-budget=5000", "--dump-dom", f"{base}/status"]
        t0 = time.time()
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        dom = run.stdout
        tap(run.returncode == 0 and "data-rendered=" in dom,
            f"chromium rendered the page ({time.time() - t0:.1f} s)",
            f"exit {run.returncode}\n{run.stderr[-2000:]}\n{dom[:2000]}")

        charts = ["chart-flows", "chart-queues", "chart-rejections", "chart-overdue"]
        missing = [c for c in charts if not re.search(rf'<svg[^>]*id="{c}"', dom)]
        bars = len(re.findall(r'<rect class="bar"', dom))
        tap(not missing and bars >= 8, f"the four charts are inline SVG ({bars} bars)",
            f"missing: {missing}")

        # The numbers of /status.json in the charts and the tables.
        problems = []
        for p in data["parties"]:
            label = p["code"] + (" " + p["name"] if p["name"] else "")
            label = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            row = (f'<th scope="row">{label}</th><td>{p["in"]["accepted"]}</td>'
                   f'<td>{p["in"]["duplicate"]}</td><td>{p["in"]["rejected"]}</td>'
                   f'<td>{p["in"]["refused"]}</td><td>{p["out"]["sent"]}</td>'
                   f'<td>{p["out"]["redelivered"]}</td><td>{p["out"]["delivered"]}</td>')
            if row not in dom:
                problems.append(f"flows row missing: {row}")
        for r in data["rejections"]:
            if f'<th scope="row">{r["rule"]}</th><td>REJECT</td><td>{r["count"]}</td>' not in dom:
                problems.append(f"rejection row missing: {r}")
            if f'data-series="count" data-value="{r["count"]}"' not in dom:
                problems.append(f"rejection bar missing: {r}")
        if not data["rejections"] or data["rejections"][0]["rule"] != "CS002":
            problems.append(f"expected CS002 in {data['rejections']}")
        for r in data["refusals"]:
            if f'<th scope="row">{r["code"]}</th><td>ERROR</td><td>{r["count"]}</td>' not in dom:
                problems.append(f"refusal row missing: {r}")
        tile = f'data-tile="Accepted"><span class="muted">Accepted</span><span class="v">' \
               f'{data["totals"]["accepted"]}</span>'
        if tile not in dom:
            problems.append("Accepted tile missing")
        tap(not problems, "the page shows the numbers of /status.json", "\n".join(problems))

        note = re.search(r'<p id="overdue-note"[^>]*>', dom)
        tap(note is not None and "hidden" in note.group(0) and
            '<title id="chart-overdue-title">Overdue retourberichten</title>' in dom and
            'data-series="open" data-value="0"' in dom,
            "overdue retours: the deadline monitor's chart, no placeholder",
            note.group(0) if note else "no overdue note")

        leaks = [s for s in ("999900", "Jansen") if s in dom]  # a fixture BSN, a client name
        tap(not leaks, "no BSN or name from a message on the page", f"found: {leaks}")
    except Exception as e:  # a failure of the set-up is a failed test, not a crash
        tap(False, "set-up", repr(e))
        if gw is not None:
            try:
                print("# " + open(os.path.join(tmp, "ijwgw.log")).read()[-1500:].replace("\n", "\n# "))
            except OSError:
                pass
    finally:
        if gw is not None:
            gw.send_signal(signal.SIGTERM)
            try:
                gw.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gw.kill()
                gw.wait()
        if os.environ.get("GW_KEEP_TMP") == "1":
            print(f"# kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
