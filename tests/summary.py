#!/usr/bin/env python3
"""One closing line for all test runners: 'tests: N passed, N failed, N skipped'."""
import json
import sys
import xml.etree.ElementTree as ET


def meson_counts(path):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def pytest_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = skipped = 0
    for s in suites:
        total += int(s.get("tests", 0))
        failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def main():
    p = f = s = 0
    for path, fn in ((sys.argv[1], meson_counts), (sys.argv[2], pytest_counts)):
        try:
            a, b, c = fn(path)
        except (OSError, ValueError, ET.ParseError) as e:
            print(f"cannot read {path}: {e}", file=sys.stderr)
            a, b, c = 0, 1, 0
        p, f, s = p + a, f + b, s + c
    print(f"tests: {p} passed, {f} failed, {s} skipped")


if __name__ == "__main__":
    main()
