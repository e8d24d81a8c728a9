"""Fault rules of the test cloud (set through the control API, POST /faults).

A rule is a JSON object {"action": ..., "count": N, "endpoint": ...}; rules
apply in list order; see README.md for each action. This module only keeps
the rules and decides which apply to a request; the server carries them out.
"""
import threading

ENDPOINTS = ("batches", "ca", "any")


class Faults:
    """The current fault rules; see README.md for their meaning."""

    def __init__(self, on_change):
        self.lock = threading.Lock()
        self.rules = []
        self.timers = []
        self.on_change = on_change  # called (outside the lock) on refuse changes

    @staticmethod
    def check(rule):
        if not isinstance(rule, dict):
            raise ValueError("a rule must be an object")
        action = rule.get("action")
        count = rule.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be an integer >= 1")
        if rule.get("endpoint", "batches") not in ENDPOINTS:
            raise ValueError("endpoint must be one of %s" % (ENDPOINTS,))
        if action == "status":
            if not isinstance(rule.get("status"), int) or not 100 <= rule["status"] <= 599:
                raise ValueError("status rule needs an integer status")
        elif action == "slow":
            if not isinstance(rule.get("delay_ms"), (int, float)) or rule["delay_ms"] < 0:
                raise ValueError("slow rule needs delay_ms >= 0")
            if rule.get("phase", "before_store") not in ("before_store", "after_store"):
                raise ValueError("phase must be before_store or after_store")
        elif action == "refuse":
            if count is not None:  # refused connections never reach us to be counted
                raise ValueError("refuse takes seconds, not count")
            s = rule.get("seconds")
            if s is not None and (not isinstance(s, (int, float)) or s <= 0):
                raise ValueError("seconds must be a positive number")
        elif action == "poison":
            seqs = rule.get("seqs", [])
            if not isinstance(seqs, list) or not all(isinstance(s, int) for s in seqs):
                raise ValueError("seqs must be a list of integers")
        elif action != "cut":
            raise ValueError("unknown action %r" % (action,))
        return dict(rule)

    def set(self, rules):
        rules = [self.check(r) for r in rules]
        with self.lock:
            for t in self.timers:
                t.cancel()
            self.rules, self.timers = rules, []
            for r in rules:
                if r["action"] == "refuse" and r.get("seconds"):
                    t = threading.Timer(r["seconds"], self._expire, (r,))
                    t.daemon = True
                    self.timers.append(t)
                    t.start()
        self.on_change()

    def _expire(self, rule):
        with self.lock:
            self.rules = [r for r in self.rules if r is not rule]
        self.on_change()

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def refusing(self):
        with self.lock:
            return any(r["action"] == "refuse" for r in self.rules)

    def _use(self, rule):
        """Count one use of a rule; drop it once its count is spent."""
        if "count" in rule:
            rule["count"] -= 1
            if rule["count"] <= 0:
                self.rules.remove(rule)

    def take(self, endpoint):
        """Faults for a request that just arrived: (slow rules, final rule).

        Rules apply in list order. "slow" rules add up and let the next rules
        apply too; "status" and "cut" decide the answer and end the scan.
        """
        slows = []
        with self.lock:
            for r in list(self.rules):
                ep = r.get("endpoint", "batches")
                if r["action"] in ("refuse", "poison") or ep not in (endpoint, "any"):
                    continue
                self._use(r)
                if r["action"] == "slow":
                    slows.append(dict(r))
                else:
                    return slows, dict(r)
        return slows, None

    def poisoned(self, records):
        """The seq of the first poisoned record of a valid batch, or None."""
        with self.lock:
            for r in list(self.rules):
                if r["action"] != "poison":
                    continue
                value, seqs = r.get("value", "POISON"), r.get("seqs", [])
                for rec in records:
                    dev = rec.get("device")
                    model = dev.get("model") if isinstance(dev, dict) else None
                    if model == value or rec["seq"] in seqs:
                        self._use(r)
                        return rec["seq"]
        return None
