"""bench/results.md from the raw results: side-by-side table with ratios to aaa,
the performance targets beside aaa's figures, versions and the exact commands.
"""

import os
import platform
import shlex
import subprocess

from .measure import median

MB = 1024.0


def host_info():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def pebble_version():
    try:
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "pebble"], capture_output=True,
                           text=True, timeout=10)
        return f"pebble (Debian {p.stdout.strip()})" if p.returncode == 0 else "pebble (unknown)"
    except (OSError, subprocess.TimeoutExpired):
        return "pebble (unknown)"


def _fmt(v, spec):
    return "–" if v is None else format(v, spec)


def _ratio(v, base):
    if v is None or base in (None, 0):
        return "–"
    return f"{v / base:.2f}×"


def rfc_expected(n):
    """Requests an issuance needs at least with an account whose URL the client kept:
    directory, newNonce, newOrder, N authz, N challenges, finalize, certificate."""
    return {"directory": 1, "newNonce": 1, "newOrder": 1, "authz": n, "challenge": n,
            "finalize": 1, "certificate": 1}


def rfc_minimum(n):
    return sum(rfc_expected(n).values())


POLLS = ("order", "authz", "challenge")


def beyond_minimum(by_action, n):
    """(polls, others): requests beyond the RFC minimum, as {endpoint: extra count};
    polls are POST-as-GET of orders, authorizations and challenges."""
    counts = {k.split(":", 1)[-1]: v for k, v in by_action.items()}
    exp = rfc_expected(n)
    polls, others = {}, {}
    for k, v in counts.items():
        extra = v - exp.get(k, 0)
        if extra > 0:
            (polls if k in POLLS else others)[k] = extra
    return polls, others


def _median_run(runs):
    ok = sorted((r for r in runs if r["ok"]), key=lambda r: r["acme_requests"])
    return ok[len(ok) // 2] if ok else None


def figures(runs):
    ok = [r for r in runs if r["ok"]]
    return {
        "ok": len(ok), "n": len(runs),
        "wall": median(r["wall_s"] for r in ok),
        "wall_min": min((r["wall_s"] for r in ok), default=None),
        "wall_max": max((r["wall_s"] for r in ok), default=None),
        "rss": median(r["maxrss_kb"] / MB for r in ok),
        "cpu": median(r["cpu_s"] for r in ok),
        "acme": median(r["acme_requests"] for r in ok),
        "aws": median(r["aws_requests"] for r in ok),
    }


ORDER = ("aaa", "aaa-lambda", "uacme", "lego", "certbot")


def _ordered(clients):
    clients = list(clients)
    return [c for c in ORDER if c in clients] + [c for c in clients if c not in ORDER]


def _issuance_rows(data):
    iss = data.get("issuance", {})
    order = _ordered(list(iss) + [c for c in data.get("unavailable", {}) if c not in iss])
    rows = []
    for size in data.get("sizes", []):
        base = figures(iss.get("aaa", {}).get(str(size), [])) if "aaa" in iss else None
        for c in order:
            if c in data.get("unavailable", {}):
                rows.append([c, str(size), data["unavailable"][c]] + [""] * 7)
                continue
            f = figures(iss.get(c, {}).get(str(size), []))
            b = base or {}
            if f["ok"] == 0:
                rows.append([c, str(size), f"no successful run (0/{f['n']})"] + [""] * 7)
                continue
            wall = _fmt(f["wall"], ".3f")
            if f["ok"] > 1:
                wall += f" ({f['wall_min']:.2f}–{f['wall_max']:.2f})"
            rows.append([c, str(size), wall, _ratio(f["wall"], b.get("wall")),
                         _fmt(f["rss"], ".1f"), _ratio(f["rss"], b.get("rss")),
                         _fmt(f["acme"], ".0f"), _ratio(f["acme"], b.get("acme")),
                         _fmt(f["cpu"], ".3f"), f"{f['ok']}/{f['n']}"])
    return rows


HEAD = ["client", "names", "wall s, median (min–max)", "× aaa", "peak RSS MB", "× aaa",
        "CA requests", "× aaa", "CPU s", "runs ok"]


def _table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(out) + "\n"


def summary_table(data):
    return _table(HEAD, _issuance_rows(data))


def _aaa_targets(data):
    rows = []
    iss = data.get("issuance", {}).get("aaa")
    unavailable = data.get("unavailable", {}).get("aaa")
    sizes = data.get("sizes", [])
    if iss:
        f = {s: figures(iss.get(str(s), [])) for s in sizes}
        for s in sizes:
            mid = _median_run(iss.get(str(s), []))
            if mid is not None:
                polls, others = beyond_minimum(mid["acme_by_action"], s)
                extra = ", ".join([f"{k} +{v} (poll)" for k, v in sorted(polls.items())] +
                                  [f"{k} +{v}" for k, v in sorted(others.items())])
                rows.append([f"ACME requests, {s}-name issuance (median run)",
                             f"{mid['acme_requests']}" + (f": {extra}" if extra else ""),
                             f"RFC minimum {rfc_minimum(s)} plus polls",
                             "no" if others else "yes"])
        if 1 in f and 5 in f and f[1]["wall"] and f[5]["wall"]:
            r = f[5]["wall"] / f[1]["wall"]
            rows.append(["5-name / 1-name wall time", f"{r:.3f}×", "≤ 1.2×",
                         "yes" if r <= 1.2 else "no"])
        if 5 in f and f[5]["rss"] is not None:
            rows.append(["peak RSS, 5-name issuance (CLI)", f"{f[5]['rss']:.1f} MB",
                         "< 12 MB (the runtime's figure is below)",
                         "yes" if f[5]["rss"] < 12 else "no"])
    elif unavailable:
        rows.append(["issuance (ACME requests, 5/1-name ratio, RSS)", unavailable, "", ""])
    lam = data.get("lambda") or {}
    for key in ("cold_start", "zip", "issuance_rss", "scheduler", "dispatcher"):
        item = lam.get(key)
        if item:
            rows.append([item["figure"], item["value"], item["target"], item["met"]])
    return rows


def _lambda_rows(lam):
    rows = []
    for item in lam.get("process_start", []):
        rows.append([item["figure"], item["value"], item.get("note", "")])
    for key in ("cold_source", "warm"):
        item = lam.get(key)
        if item:
            rows.append([item["figure"], item["value"], item.get("note", "")])
    return rows


def _acme_breakdown(data):
    lines = []
    for c in _ordered(data.get("issuance", {})):
        for size, runs in sorted(data["issuance"][c].items(), key=lambda kv: int(kv[0])):
            ok = [r for r in runs if r["ok"]]
            if not ok:
                continue
            ok.sort(key=lambda r: r["acme_requests"])
            mid = ok[len(ok) // 2]["acme_by_action"]
            parts = ", ".join(f"{k.split(':', 1)[-1]} {v}" for k, v in sorted(mid.items()))
            polls, others = beyond_minimum(mid, int(size))
            lines.append(f"- {c}, {size} name(s): {parts} (minimum {rfc_minimum(int(size))}; "
                         f"polls +{sum(polls.values())}, other +{sum(others.values())})")
    return "\n".join(lines) + "\n" if lines else "(no successful runs)\n"


def _scaling(data):
    """N-name / 1-name wall time per client: does a client pay per name?"""
    sizes = data.get("sizes", [])
    if 1 not in sizes or len(sizes) < 2:
        return ""
    big = max(sizes)
    parts = []
    for c in _ordered(data.get("issuance", {})):
        per = data["issuance"][c]
        one, many = figures(per.get("1", []))["wall"], figures(per.get(str(big), []))["wall"]
        if one and many:
            parts.append(f"{c} {many / one:.2f}×")
    if not parts:
        return ""
    return (f"\n{big}-name / 1-name wall time (target: aaa ≤ 1.2×): " + ", ".join(parts) +
            ".\n")


def _timeline(data):
    """aaa's median run per size as a request timeline, with the exit time."""
    lines = []
    for size, runs in sorted(data.get("issuance", {}).get("aaa", {}).items()):
        ok = sorted((r for r in runs if r["ok"]), key=lambda r: r["wall_s"])
        if not ok or "timeline" not in ok[len(ok) // 2]:
            continue
        mid = ok[len(ok) // 2]
        steps = ", ".join(f"{t:.3f} {what.split(':', 1)[-1]}" for t, what in mid["timeline"])
        lines.append(f"- {size} name(s), {mid['wall_s']:.3f} s: {steps}; exit {mid['wall_s']:.3f}")
    if not lines:
        return ""
    return ("\nWhere aaa's time goes (the median run; seconds from exec at which each CA "
            "and AWS request completed):\n\n" + "\n".join(lines) + "\n")


def _failures(data):
    lines = []
    for c, per in data.get("issuance", {}).items():
        for size, runs in per.items():
            for r in runs:
                if not r["ok"]:
                    lines.append(f"- {c}, {size} name(s), run {r['run'] + 1}: {r['problem']}")
    return "\n".join(lines) + "\n" if lines else "None.\n"


def _commands(data):
    """The commands as run, with the work dir shown as $WORK and the source tree as ./
    (ports are the run's own: the stack picks free ones)."""
    out = [f"    {data['command']}", ""]
    work = data.get("workdir")
    src = data.get("repo")

    def short(cmd):
        if work:
            cmd = cmd.replace(work, "$WORK")
        if src:
            cmd = cmd.replace(src + "/", "./")
        return cmd

    if work:
        out.append(f"    # WORK={work} (removed at the end unless --workdir was given)")
    for c in _ordered(data.get("commands", {})):
        for size, argv in sorted(data["commands"][c].items(), key=lambda kv: int(kv[0])):
            out.append(f"    # {c}, {size} name(s)")
            out.append("    " + short(shlex.join(argv)))
    lam = data.get("lambda") or {}
    for cmd in lam.get("commands", []):
        out.append("    " + short(cmd))
    return "\n".join(out) + "\n"


def _realistic(rl):
    """The realistic-latency section: one row per size, the floor beside each client."""
    if not rl:
        return ""
    runs = rl.get("runs", {})
    peers = [c for c in ("uacme", "lego", "certbot") if c in runs]
    head = ["names", "floor s", "aaa s", "aaa × floor", "aaa CA / Route53 requests"]
    for p in peers:
        head += [f"{p} s", f"{p} × aaa"]
    rows = []
    for n in rl.get("sizes", []):
        k = str(n)
        fl = rl.get("floor_s", {}).get(k)
        a = runs.get("aaa", {}).get(k, {})
        aw = a.get("wall_s") if a.get("ok") else None
        req = "–"
        if a.get("ok") and a.get("acme_requests") is not None:
            gc = a.get("aws_by_action", {}).get("route53:GetChange", 0)
            req = f"{a['acme_requests']} / {a.get('aws_requests')} ({gc} GetChange)"
        row = [n, _fmt(fl, ".2f"), _fmt(aw, ".2f") if a else "–",
               _ratio(aw, fl), req]
        for p in peers:
            e = runs[p].get(k, {})
            pw = e.get("wall_s") if e.get("ok") else None
            row += [_fmt(pw, ".2f") if e.get("ok") else ("failed" if e else "–"),
                    _ratio(pw, aw)]
        rows.append(row)
    una = rl.get("unavailable", {})
    intro = (
        f"Route53 holds every change PENDING for {rl['pending_s']:g} s after it was submitted "
        f"(the proxy rewrites GetChange); the CA validates {rl['validation_s']:g} s after a "
        "challenge answer (the DNS server pebble asks holds each _acme-challenge TXT answer "
        f"that long); the names alternate over two zones ({', '.join(rl.get('zones', []))}). "
        "The floor is one INSYNC wait + one validation round + the round trips no client "
        "can avoid, one after the other (8 + 2N + 2 per zone, each the median "
        f"{rl.get('rtt_ms', 0):g} ms the proxies saw for aaa's requests). The peers' hooks "
        "wait for INSYNC once per name (a hook sees one name at a time; lego's own route53 "
        "provider waits per name too), polling every 0.25 s. aaa ran first, one issuance at "
        "a time (its requests counted); the peers then ran all at once (they mostly wait). "
        "One run per figure: the waits, not the machine, set these times.\n")
    out = intro + "\n" + _table(head, rows)
    if una:
        out += "\n" + "\n".join(f"- {c}: {why}" for c, why in sorted(una.items())) + "\n"
    bad = [(c, n, e) for c, d in runs.items() for n, e in d.items() if not e.get("ok")]
    if bad:
        out += "\nFailed: " + "; ".join(f"{c} {n} name(s): {e.get('problem')} (log {e.get('log')})"
                                      for c, n, e in bad) + "\n"
    return out


def markdown(data):
    h = data.get("host", {})
    v = data.get("versions", {})
    parts = [
        "# aaa benchmark results\n",
        f"Generated by `make bench` on {data['date']}: {data['runs']} run(s) per figure, "
        f"medians of the successful runs; {h.get('cpus')} CPU(s) ({h.get('cpu')}), "
        f"Linux {h.get('kernel')}, load average at the start {h.get('loadavg')}; "
        f"{data.get('elapsed_s', 0):.0f} s in all. Absolute times on a shared machine mean "
        "little: read the ratios. See docs/bench.md for the method.\n",
        "## Issuance side by side (same pebble, same DNS, same run)\n",
        "One certificate (EC P-256 key) for 1 and for 5 new names, DNS-01, with an account "
        "registered before timing. Wall time from exec to exit; peak RSS as "
        "`/usr/bin/time -v` reports it (largest of the client and the hooks it ran); CA "
        "requests counted by the proxy in front of pebble. pebble: VA without sleep, nonce "
        "rejection off, authorization reuse off. The peers publish TXT records through a "
        "bash hook into moto's Route53; aaa through its own Route53 client. `aaa` is `make`'s "
        "binary (Debian's shared libraries); `aaa-lambda`, when shown, is the binary the "
        "Lambda zip ships (static, trimmed libcurl and libxml2) run as the same CLI.\n",
        summary_table(data),
        _scaling(data),
        "\nCA requests per endpoint (the median run):\n\n" + _acme_breakdown(data),
        _timeline(data),
    ]
    if data.get("realistic"):
        parts += ["\n## Under realistic latencies (Route53 PENDING, a CA that takes seconds)\n",
                  _realistic(data["realistic"])]
    parts += [
        "\n## aaa against the performance targets\n",
        _table(["figure", "aaa", "target", "met"], _aaa_targets(data)),
    ]
    lam = data.get("lambda")
    if lam:
        parts += ["\n## Lambda-specific figures\n", lam.get("intro", "") + "\n",
                  _table(["figure", "value", "note"], _lambda_rows(lam))]
    if data.get("fleet"):
        from bench import fleet as fleet_mod
        parts += ["\n## Fleet renewal: N certificates due at once\n",
                  fleet_mod.markdown(data["fleet"])]
    parts += [
        "\n## Versions\n",
        "\n".join(f"- {k}: {val}" for k, val in sorted(v.items())) + "\n",
        f"\nCA trust for the peers: {data.get('ca_trust', '')}.\n",
        "\n## Failed runs\n", _failures(data),
        "\n## Exact commands\n", _commands(data),
    ]
    return "\n".join(parts)
