#!/usr/bin/env python3
"""Sum meson test logs (testlog.json, one JSON object per line) into the plain
closing line CI reads: 'N passed, N failed'. Exit 1 when anything failed."""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line)
                res = r.get("result", "")
                if res in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif res == "SKIP":
                    skipped += 1
                else:
                    failed += 1
                    print(f"FAILED: {r.get('name')} ({res}) in {path}")
    except FileNotFoundError:
        print(f"missing test log {path}")
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
