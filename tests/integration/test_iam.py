"""IAM checked against the code (issue 9, STYLE.md habit 11).

src/aws/actions.c holds one table of the AWS actions aaa calls (printed as
JSON by build/.../tools/actions_tool). Here:

(a) every operation a client names in C (`.operation = "X"`, directly or
    through helpers such as s3.c's s_init(&c, "GetObject", ...) or
    aws_query_call(AWS_IAM, ..., "UploadServerCertificate", ...)), with the
    service of the same call, has a row in the table; and for every service
    that has a client, every row of the table is called somewhere (so the
    policies grant nothing the code no longer calls);
(b) per Lambda function, the actions of its IAM policy in template.yaml and
    in deploy/policies/<handler>.json equal the table's actions for that
    handler: nothing missing, nothing extra; each action is granted on the
    resource its row's scope names, and the optional scopes (an account key
    in KMS, zone roles) only under their conditions.

The C scanner is a small, honest parser: it follows an operation or a
service passed as a function parameter back through every caller, and an
operation it cannot resolve (read from a table, built at run time) fails
test (a) with its place, so a new client cannot slip past it.
"""
import json
import os
import re
import subprocess

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
TOOL = os.path.join(BUILD, "tools", "actions_tool")
CALLERS = ("scheduler", "dispatcher", "executor")
# Statements in a function's policy that are the platform's, not aaa's API
# calls: writing its own log stream, and the executor's failed async events
# going to the dead-letter queue (Lambda does that with the function's role).
PLATFORM_SIDS = {"Logs", "DeadLetter"}
OPTIONAL_SCOPES = {"account-key", "zone-roles"}


# ---------------------------------------------------------------- C scanner

_STR = r'"(?:[^"\\\n]|\\.)*"'


def _strip_comments(text):
    """Comments become spaces (offsets and strings kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _match_close(text, i, open_c, close_c):
    """Index of the bracket closing text[i] (skipping strings)."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced")


def _split_args(s):
    """Top-level comma split of an argument list."""
    args, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(s) and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            cur.append(s[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        args.append("".join(cur).strip())
    return args


class Func:
    def __init__(self, path, name, params, body, body_start, static):
        self.path, self.name, self.params = path, name, params
        self.body, self.body_start, self.static = body, body_start, static


_FUNC_RE = re.compile(r"^(static\s+)?[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(([^;{}()]*)\)\s*\n\{",
                      re.M)


def parse_c(path):
    text = _strip_comments(open(path, encoding="utf-8").read())
    funcs = []
    for m in _FUNC_RE.finditer(text):
        if m.group(2) in ("if", "for", "while", "switch", "return"):
            continue
        brace = m.end() - 1
        end = _match_close(text, brace, "{", "}")
        params = []
        for p in _split_args(m.group(3)):
            ids = re.findall(r"[A-Za-z_]\w*", p.split("[")[0])
            params.append(ids[-1] if ids and p.strip() != "void" else None)
        funcs.append(Func(path, m.group(2), params, text[brace:end + 1], brace, bool(m.group(1))))
    return funcs


def _calls(func, callee):
    """Argument lists of every call of callee inside func's body."""
    for m in re.finditer(r"(?<![\w.>])" + re.escape(callee) + r"\s*\(", func.body):
        open_i = m.end() - 1
        close_i = _match_close(func.body, open_i, "(", ")")
        yield _split_args(func.body[open_i + 1:close_i])


def _resolve(expr, func, kind):
    """Sources of an operation ('op') or service ('svc') expression in func:
    a list of ('lit', value) / ('param', index) / ('unresolved', text)."""
    expr = expr.strip()
    if kind == "op":
        lits = [s[1:-1] for s in re.findall(_STR, expr)]
        if lits:
            return [("lit", v) for v in lits]
    else:
        lits = [v for v in re.findall(r"\bAWS_[A-Z0-9_]+\b", expr) if v != "AWS_SERVICE_MAX"]
        if lits:
            return [("lit", v) for v in lits]
    m = re.fullmatch(r"\(?\s*([A-Za-z_]\w*)\s*\)?", expr)
    if m:
        ident = m.group(1)
        if ident in func.params:
            return [("param", func.params.index(ident))]
        pat = (r"\b" + re.escape(ident) + r"\s*=(?!=)\s*(" +
               (_STR if kind == "op" else r"AWS_[A-Z0-9_]+") + ")")
        found = re.findall(pat, func.body)
        if found:
            return [("lit", v[1:-1] if kind == "op" else v) for v in found]
    return [("unresolved", f"{os.path.relpath(func.path, _REPO)}:{func.name}: {expr}")]


def scan_operations(roots):
    """(service enum, operation) pairs the C code can call, and the places
    where an operation or its service could not be resolved."""
    funcs = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith(".c"):
                    funcs.extend(parse_c(os.path.join(dirpath, f)))
    found, unresolved = set(), []
    work, seen = [], set()
    for fn in funcs:
        sinks = []
        for m in re.finditer(r"(?:\.|->)(operation|service)\s*=(?!=)\s*([^;,}]+)", fn.body):
            sinks.append((m.start(), m.group(1), m.group(2)))
        for pos, what, expr in sinks:
            if what != "operation":
                continue
            svc_exprs = [e for p, w, e in sinks if w == "service" and p < pos]
            svc_exprs = svc_exprs[-1:] or [e for p, w, e in sinks if w == "service"][:1]
            if not svc_exprs:
                unresolved.append(f"{os.path.relpath(fn.path, _REPO)}:{fn.name}: "
                                  f"operation {expr.strip()} without a service")
                continue
            for op in _resolve(expr, fn, "op"):
                for svc in _resolve(svc_exprs[0], fn, "svc"):
                    work.append((fn, op, svc))
    while work:
        fn, op, svc = work.pop()
        key = (fn.path, fn.name, op, svc)
        if key in seen:
            continue
        seen.add(key)
        bad = [s for s in (op, svc) if s[0] == "unresolved"]
        if bad:
            unresolved.extend(s[1] for s in bad)
            continue
        if op[0] == "lit" and svc[0] == "lit":
            found.add((svc[1], op[1]))
            continue
        # A parameter: follow every caller of fn (a static one only in its file).
        for caller in funcs:
            if fn.static and caller.path != fn.path:
                continue
            for args in _calls(caller, fn.name):
                ops = [op] if op[0] == "lit" else (
                    _resolve(args[op[1]], caller, "op") if op[1] < len(args) else
                    [("unresolved", f"{caller.name}: call of {fn.name}")])
                svcs = [svc] if svc[0] == "lit" else (
                    _resolve(args[svc[1]], caller, "svc") if svc[1] < len(args) else
                    [("unresolved", f"{caller.name}: call of {fn.name}")])
                for o in ops:
                    for s in svcs:
                        work.append((caller, o, s))
    return found, sorted(set(unresolved))


def service_names():
    """AWS_S3 -> "S3" from endpoint.c's table (what aws_service_name says)."""
    text = open(os.path.join(_REPO, "src", "aws", "endpoint.c"), encoding="utf-8").read()
    return dict(re.findall(r'\[(AWS_[A-Z0-9_]+)\]\s*=\s*\{\s*"([^"]+)"', text))


# ---------------------------------------------------------------- the table

@pytest.fixture(scope="module")
def table():
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is not built (make BUILD=... tools, or set AAA_BUILD)")
    out = subprocess.run([TOOL], capture_output=True, text=True, check=True, timeout=30).stdout
    rows = json.loads(out)
    assert rows, "the action table is empty"
    return rows


def table_actions(rows, caller, optional=True):
    return {r["iam"] for r in rows if caller in r["callers"] and
            (optional or r["scope"] not in OPTIONAL_SCOPES)}


def scope_of(rows):
    """IAM action -> scope (one per action, as the unit test checks)."""
    return {r["iam"]: r["scope"] for r in rows}


# ---------------------------------------------------------------- (a) code vs table

CODE_ROOTS = [os.path.join(_REPO, "src"), os.path.join(_REPO, "runtime")]


def test_scanner_sees_the_s3_client():
    """The scanner itself: s3.c passes its operations through s_init()."""
    found, _ = scan_operations([os.path.join(_REPO, "src", "aws")])
    s3 = {op for svc, op in found if svc == "AWS_S3"}
    assert {"GetObject", "PutObject", "HeadObject", "DeleteObject", "ListObjectsV2"} <= s3, s3


def test_scanner_follows_helpers_and_flags_what_it_cannot_read(tmp_path):
    """A fake client: literals through two helper levels and a service
    passed as a parameter are found; an operation from a table is reported."""
    (tmp_path / "fake.c").write_text(r'''
static int s_call(enum aws_service svc, const char *op, const char *res)
{
	struct aws_call c;

	c.service = svc;
	c.operation = op;
	return aws_call(&c, NULL);
}

static int s_mid(const char *what, int flag)
{
	return s_call(AWS_ROUTE53, flag ? "CreateHostedZone" : "DeleteHostedZone", what);
}

int fake_direct(void)
{
	struct aws_call c = {.service = AWS_KMS, .operation = "ScheduleKeyDeletion"};

	return aws_call(&c, NULL) + s_mid("x", 1);
}

int fake_table(int i)
{
	static const char *ops[] = {"A", "B"};

	return s_call(AWS_S3, ops[i], NULL);
}
''')
    found, unresolved = scan_operations([str(tmp_path)])
    assert ("AWS_ROUTE53", "CreateHostedZone") in found
    assert ("AWS_ROUTE53", "DeleteHostedZone") in found
    assert ("AWS_KMS", "ScheduleKeyDeletion") in found
    assert any("ops[i]" in u for u in unresolved), unresolved


def test_every_operation_in_the_code_is_in_the_table(table):
    found, unresolved = scan_operations(CODE_ROOTS)
    names = service_names()
    assert not unresolved, ("operations the scanner cannot resolve; pass a string literal "
                            "(directly or through a helper's parameter): " + "; ".join(unresolved))
    rows = {(r["service"], r["operation"]) for r in table if r["operation"]}
    missing = sorted(f"{names.get(svc, svc)} {op}" for svc, op in found
                     if (names.get(svc, svc), op) not in rows)
    assert not missing, ("called in src/ but not in src/aws/actions.c, so no policy grants it: "
                         + ", ".join(missing))


def test_every_table_row_of_a_written_client_is_called(table):
    """Nothing extra: once a service has a client, each of its rows must be
    a call the code makes (rows of clients still being written are kept)."""
    found, _ = scan_operations(CODE_ROOTS)
    names = service_names()
    called = {(names.get(svc, svc), op) for svc, op in found}
    services = {s for s, _ in called}
    stale = sorted(f'{r["service"]} {r["operation"]}' for r in table
                   if r["operation"] and r["service"] in services and
                   (r["service"], r["operation"]) not in called)
    assert not stale, "rows no client calls (remove them, or their grants): " + ", ".join(stale)
