#!/usr/bin/env python3
"""deploy/k8s: every manifest is valid YAML with the expected kinds, the StatefulSet and its
Services agree (names, ports, the /healthz probes on the port the config's `http` listens
on), and the ConfigMap's ijwgw.conf passes `ijwgw -t`. kubectl is not needed (nor
used): this checks what can be checked without a cluster. TAP output; skipped when the
python3 yaml module is absent.

usage: test_k8s_manifests.py   (env: GW_SOURCE_ROOT, IJWGW)
"""
import os
import re
import subprocess
import sys
import tempfile

RESULTS = []


def tap(ok, what, detail=""):
    RESULTS.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(RESULTS)} - {what}")
    if not ok and detail:
        for line in str(detail).splitlines()[:40]:
            print(f"# {line}")


def main():
    try:
        import yaml
    except ImportError:
        print("1..0 # SKIP python3 yaml module not installed (apt-get install python3-yaml)")
        return 0
    root = os.environ.get("GW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
    k8s = os.path.join(root, "deploy", "k8s")
    docs = {}
    for name in sorted(os.listdir(k8s)):
        if not name.endswith(".yaml"):
            continue
        try:
            with open(os.path.join(k8s, name), encoding="utf-8") as f:
                loaded = [d for d in yaml.safe_load_all(f) if d]
            tap(all("kind" in d and "apiVersion" in d for d in loaded), f"{name} parses")
        except yaml.YAMLError as e:
            tap(False, f"{name} parses", e)
            continue
        for d in loaded:
            docs.setdefault(d["kind"], []).append(d)
    kust = docs["Kustomization"][0]
    listed = set(kust["resources"])
    present = {n for n in os.listdir(k8s) if n.endswith(".yaml") and n != "kustomization.yaml"}
    tap(listed == present, "kustomization lists every manifest", f"{listed} vs {present}")

    sts = docs["StatefulSet"][0]
    services = {s["metadata"]["name"]: s for s in docs["Service"]}
    headless = services.get(sts["spec"]["serviceName"])
    tap(headless is not None and headless["spec"].get("clusterIP") == "None",
        "serviceName names a headless Service")
    tmpl = sts["spec"]["template"]
    labels = tmpl["metadata"]["labels"]
    tap(all(all(labels.get(k) == v for k, v in s["spec"]["selector"].items())
            for s in services.values()), "the Services select the pods")
    tap(sts["spec"]["selector"]["matchLabels"].items() <= labels.items(),
        "the StatefulSet selects its pods")
    c = tmpl["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    probes_ok = all(c[p]["httpGet"]["path"] == "/healthz" and c[p]["httpGet"]["port"] == "http"
                    for p in ("readinessProbe", "livenessProbe"))
    tap(probes_ok, "readiness and liveness probe /healthz on the http port")
    cm = docs["ConfigMap"][0]
    conf = cm["data"]["ijwgw.conf"]
    m = re.search(r"^\s+http\s*=\s*\S+:(\d+)\s*$", conf, re.M)
    tap(m is not None and int(m.group(1)) == ports.get("http"),
        "the config's http port is the container's http port")
    m = re.search(r"^\s+endpoint\s*=\s*tcp://\S+:(\d+)\s*$", conf, re.M)
    tap(m is not None and int(m.group(1)) == ports.get("zmq"),
        "the config's endpoint port is the container's zmq port")
    tap(re.search(r"^\s+store\s*=\s*postgresql://[^:@/]+@", conf, re.M) is not None,
        "the store is a PostgreSQL URL without a password (PGPASSWORD from the Secret)")
    env = {e["name"] for e in c.get("env", [])}
    tap("PGPASSWORD" in env, "PGPASSWORD comes from a Secret")
    mounts = {v["mountPath"] for v in c["volumeMounts"]}
    key = re.search(r"^\s+store_key\s*=\s*(\S+)", conf, re.M)
    tap(key is not None and os.path.dirname(key.group(1)) in mounts,
        "store_key is on a mounted Secret")
    ijwgw = os.environ.get("IJWGW")
    if ijwgw:
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(conf)
        try:
            r = subprocess.run([ijwgw, "-t", "-c", f.name], capture_output=True, text=True,
                               timeout=60)
            tap(r.returncode == 0, "ijwgw -t accepts the ConfigMap's config", r.stdout + r.stderr)
        finally:
            os.unlink(f.name)
    else:
        print("# IJWGW not set: the config check is skipped")
    print(f"1..{len(RESULTS)}")
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
