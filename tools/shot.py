#!/usr/bin/env python3
"""Screenshots of kean pages through chromedriver (W3C WebDriver over HTTP).

usage: tools/shot.py BASE_URL USER PASSWORD OUT_DIR PATH [PATH ...]
Logs in through the real login form, then saves OUT_DIR/<n>.png per path.
"""
import base64, json, os, subprocess, sys, time, urllib.request

def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")

def main():
    base, user, pw, out, *paths = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    port = 9515 + os.getpid() % 1000
    drv = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wd = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                call("GET", wd + "/status"); break
            except Exception:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000"]}}}}
        sid = call("POST", wd + "/session", caps)["value"]["sessionId"]
        s = f"{wd}/session/{sid}"
        call("POST", s + "/url", {"url": base + "/login"})
        def find(css):
            return call("POST", s + "/element", {"using": "css selector", "value": css})["value"]["element-6066-11e4-a52e-4f735466cecf"]
        call("POST", f"{s}/element/{find('#username')}/value", {"text": user})
        call("POST", f"{s}/element/{find('#password')}/value", {"text": pw})
        call("POST", f"{s}/element/{find('#login-submit')}/click", {})
        time.sleep(0.5)
        for i, p in enumerate(paths):
            call("POST", s + "/url", {"url": base + p})
            time.sleep(0.6)
            png = base64.b64decode(call("GET", s + "/screenshot")["value"])
            open(os.path.join(out, f"{i}.png"), "wb").write(png)
            print(os.path.join(out, f"{i}.png"), p)
        call("DELETE", s)
    finally:
        drv.kill()

main()
