"""Fault plans: "for the first N requests that match, do X".

A plan is an ordered list of rules. Each rule matches requests by method, path,
service and action (regular expressions; service/action come from the proxy's
classifier: an AWS service and operation, or an ACME endpoint), lets `skip`
matching requests through untouched, then applies its fault to the next `count`
matching requests (count None = every one after that).

Faults (the `fault` field):
  error     answer `status` (default 500) with an error body in the service's
            format: AWS XML/JSON, or an ACME problem document; `code`, `message`,
            `retry_after` (seconds, sets Retry-After) and extra `headers` optional
  throttle  the service's own throttling answer: S3 503 SlowDown, JSON services
            400 ThrottlingException, REST-JSON 429 TooManyRequestsException,
            other XML services 400 Throttling, ACME 429 rateLimited
  slowdown  503 SlowDown (S3's)
  skew      403 RequestTimeTooSkewed
  badnonce  (ACME) 400 badNonce, with a fresh Replay-Nonce from the CA
  reset     close the connection without an answer (TCP RST)
  hang      read the request, answer nothing for `ms` (default 30000) then close
  delay     wait `ms` milliseconds, then forward normally
  truncate  forward, then send the headers (with the full Content-Length) and only
            the first `bytes` bytes of the body (default half), then close
  pending   (Route53) answer ChangeInfo Status PENDING instead of INSYNC until
            `seconds` have passed since the change was submitted; each change
            the rule sees gets an id of its own (moto reuses one for all)
  ratelimit an account-wide rate limit: a token bucket of `rate` requests per
            second and `burst` tokens (default: rate) over every matching request;
            a request finding a token passes on to the later rules, one finding
            none gets the service's throttling answer (as `throttle`). `count` is
            ignored (the rule never runs out); `passed` counts what got through
            and `passed_at` when (monotonic seconds), so a test can check the
            upstream never saw more than rate * window + burst in any window.
With `forward_first: true`, error and reset first pass the request to the
upstream (so it takes effect) and then lose or replace the answer: "the write
happened but the client never heard".

Rules are plain dicts over HTTP (POST /__stack/faults) and FaultRule objects in Python.
"""

import re
import threading
import time

KINDS = {"error", "throttle", "slowdown", "skew", "badnonce", "reset", "hang", "delay",
         "truncate", "pending", "ratelimit"}


class FaultRule:
    """One rule of a plan; counters `seen` (matching requests) and `fired` (faults applied)."""

    def __init__(self, fault, method=None, path=None, service=None, action=None, count=1,
                 skip=0, status=None, code=None, message=None, retry_after=None,
                 headers=None, ms=None, bytes=None, seconds=None, forward_first=False,
                 body=None, name=None, rate=None, burst=None):
        if fault not in KINDS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(KINDS)}")
        self.fault = fault
        self.method = method
        self.path = path
        self.service = service
        self.action = action
        self.count = None if count is None or count < 0 else int(count)
        self.skip = int(skip or 0)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.headers = dict(headers or {})
        self.ms = ms
        self.bytes = bytes
        self.seconds = seconds
        self.forward_first = bool(forward_first)
        self.body = body
        self.name = name
        self.seen = 0
        self.fired = 0
        self.rate = float(rate) if rate is not None else None
        self.burst = float(burst) if burst is not None else self.rate
        if fault == "ratelimit":
            if not self.rate or self.rate <= 0:
                raise ValueError("a ratelimit rule needs rate > 0")
            self.count = None
        self.passed = 0
        self.passed_at = []
        self._tokens = self.burst or 0.0
        self._last = time.monotonic()
        self._re = {
            "method": re.compile(method, re.I) if method else None,
            "path": re.compile(path) if path else None,
            "service": re.compile(service, re.I) if service else None,
            "action": re.compile(action, re.I) if action else None,
        }

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        match = d.pop("match", None) or {}
        d.update(match)
        if "kind" in d and "fault" not in d:
            d["fault"] = d.pop("kind")
        return cls(**d)

    def as_dict(self):
        out = {k: v for k, v in vars(self).items() if not k.startswith("_") and v not in
               (None, {}, False)}
        out.pop("passed_at", None)
        out["seen"] = self.seen
        out["fired"] = self.fired
        out["passed"] = self.passed
        return out

    def take_token(self):
        """ratelimit: 1 when a token was there (the request passes), else 0."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            self.passed += 1
            self.passed_at.append(now)
            return 1
        return 0

    def max_in_window(self, seconds=1.0):
        """ratelimit: the most requests that passed within any `seconds` window."""
        t, best, j = self.passed_at, 0, 0
        for i in range(len(t)):
            while t[i] - t[j] >= seconds:
                j += 1
            best = max(best, i - j + 1)
        return best

    def matches(self, method, path, service, action):
        r = self._re
        if r["method"] and not r["method"].fullmatch(method or ""):
            return False
        if r["path"] and not r["path"].search(path or ""):
            return False
        if r["service"] and not r["service"].fullmatch(service or ""):
            return False
        if r["action"] and not r["action"].fullmatch(action or ""):
            return False
        return True

    def exhausted(self):
        return self.count is not None and self.fired >= self.count


class FaultPlan:
    """An ordered, thread-safe list of FaultRules; pick() decides per request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def add(self, rule=None, **kw):
        """Append a rule (FaultRule, dict, or keyword arguments); returns the FaultRule."""
        if rule is None:
            rule = FaultRule(**kw)
        elif isinstance(rule, dict):
            rule = FaultRule.from_dict(rule)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self):
        with self._lock:
            self._rules = []

    def remove(self, rule):
        """Takes one rule out of the plan (the others keep their order and counters)."""
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def rules(self):
        with self._lock:
            return list(self._rules)

    def as_list(self):
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def pick(self, method, path, service, action):
        """The rule to apply to this request (its `fired` already counted), or None."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted() or not rule.matches(method, path, service, action):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.fault == "ratelimit" and rule.take_token():
                    continue
                rule.fired += 1
                return rule
        return None

    def total_fired(self):
        with self._lock:
            return sum(r.fired for r in self._rules)
