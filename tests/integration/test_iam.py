"""IAM checked against the code.

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
# The executor's deploy-target actions: in the template, each under a
# condition of DeployTargets.
DEPLOY_PREFIXES = ("acm:", "iam:", "elasticloadbalancing:", "cloudfront:")


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


# ---------------------------------------------------------------- (b) policies vs table

def _flat(r):
    """A Resource value as one string: Sub text, GetAtt:X.Y, Ref:X."""
    if isinstance(r, str):
        return r
    if "Fn::Sub" in r:
        return r["Fn::Sub"] if isinstance(r["Fn::Sub"], str) else r["Fn::Sub"][0]
    if "Fn::GetAtt" in r:
        g = r["Fn::GetAtt"]
        return "GetAtt:" + (".".join(g) if isinstance(g, list) else g)
    if "Ref" in r:
        return "Ref:" + r["Ref"]
    if "Fn::Split" in r:
        return _flat(r["Fn::Split"][1])
    raise AssertionError(f"unexpected resource {r!r}")


def _resources(stmt):
    r = stmt["Resource"]
    if isinstance(r, dict) and "Fn::Split" in r:
        return [_flat(r)]
    return [_flat(x) for x in (r if isinstance(r, list) else [r])]


SCOPE_MATCH = {
    # Objects under aaa-data/: all of them, or a narrower pattern (the
    # scheduler reads index.json only).
    "data-objects": lambda s: re.fullmatch(r"(\$\{DataBucket\.Arn\}|arn:aws:s3:::BUCKET)"
                                           r"/aaa-data/[A-Za-z0-9*./_-]*", s) is not None,
    "bucket": lambda s: s in ("GetAtt:DataBucket.Arn", "arn:aws:s3:::BUCKET"),
    "data-key": lambda s: s in ("GetAtt:DataKey.Arn", "arn:aws:kms:REGION:ACCOUNT_ID:key/KEY_ID"),
    "account-key": lambda s: s in ("Ref:AccountKeyArn",
                                   "arn:aws:kms:REGION:ACCOUNT_ID:key/ACCOUNT_KEY_ID"),
    "executor": lambda s: s in (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        "${AWS::StackName}-executor",
        "arn:aws:lambda:REGION:ACCOUNT_ID:function:EXECUTOR_FUNCTION"),
    "zone-roles": lambda s: s in ("Ref:ZoneRoleArns", "arn:aws:iam::ZONE_ACCOUNT_ID:role/ZONE_ROLE"),
    "hosted-zones": lambda s: re.fullmatch(r"arn:(aws|\$\{AWS::Partition\}):route53:::hostedzone/\*",
                                           s) is not None,
    "dns-changes": lambda s: re.fullmatch(r"arn:(aws|\$\{AWS::Partition\}):route53:::change/\*",
                                          s) is not None,
    "acm-certificates": lambda s: re.fullmatch(
        r"arn:(aws|\$\{AWS::Partition\}):acm:\*:(ACCOUNT_ID|\$\{AWS::AccountId\}):certificate/\*",
        s) is not None,
    "server-certificates": lambda s: re.fullmatch(
        r"arn:(aws|\$\{AWS::Partition\}):iam::(ACCOUNT_ID|\$\{AWS::AccountId\}):"
        r"server-certificate/\*", s) is not None,
    "load-balancers": lambda s: re.fullmatch(
        r"arn:(aws|\$\{AWS::Partition\}):elasticloadbalancing:\*:(ACCOUNT_ID|\$\{AWS::AccountId\}):"
        r"(loadbalancer|listener)/\*", s) is not None,
    "distributions": lambda s: re.fullmatch(
        r"arn:(aws|\$\{AWS::Partition\}):cloudfront::(ACCOUNT_ID|\$\{AWS::AccountId\}):"
        r"distribution/\*", s) is not None,
    "*": lambda s: s == "*",
}


def _as_list(x):
    return x if isinstance(x, list) else [x]


def check_policy(rows, caller, statements, where):
    """The actions of one function's policy equal the table's for caller;
    each granted on its scope; optional scopes only under their condition;
    via-S3 KMS permissions only through S3. Returns nothing, asserts."""
    scopes = scope_of(rows)
    via_only = {r["iam"] for r in rows
                if caller in r["callers"] and (r["via"] or "").startswith("S3 ")} - {
        r["iam"] for r in rows if caller in r["callers"] and not r["via"]}
    granted, platform = set(), {}
    for st in statements:
        conditional = None
        if isinstance(st, dict) and "Fn::If" in st:
            cond, st, other = st["Fn::If"]
            assert other == {"Ref": "AWS::NoValue"}, f"{where}: Fn::If without NoValue"
            conditional = cond
        assert st["Effect"] == "Allow", f"{where}: {st}"
        assert not {"NotAction", "NotResource", "Principal"} & set(st), f"{where}: {st}"
        actions = _as_list(st["Action"])
        sid = st.get("Sid")
        if sid in PLATFORM_SIDS:
            platform[sid] = (actions, _resources(st))
            continue
        for a in actions:
            assert "*" not in a, f"{where}: wildcard action {a}"
            assert a in scopes, f"{where}: {a} is granted but no row of the table names it"
            scope = scopes[a]
            for r in _resources(st):
                assert SCOPE_MATCH[scope](r), f"{where}: {a} on {r}, expected scope {scope}"
            # Optional permissions exist only when their parameter is set
            # (the template) or in a statement named for them (the JSON).
            if scope in OPTIONAL_SCOPES:
                assert conditional in ("HasAccountKey", "HasZoneRoles") or sid in (
                    "AccountKey", "ZoneRoles"), f"{where}: {a} is not conditional"
            elif a.startswith(DEPLOY_PREFIXES):
                # Deploy targets: only for the kinds the stack enables
                # (test_template.py checks each combination).
                assert conditional is not None or where.startswith("deploy/"), (
                    f"{where}: {a} is granted whatever DeployTargets says")
            else:
                assert conditional is None, f"{where}: {a} is under {conditional}"
            if a in via_only:
                cond = st.get("Condition", {}).get("StringEquals", {})
                assert "kms:ViaService" in cond, f"{where}: {a} is not limited to S3"
        granted |= set(actions)
    want = table_actions(rows, caller)
    assert not want - granted, f"{where}: missing {sorted(want - granted)}"
    assert not granted - want, f"{where}: extra {sorted(granted - want)}"
    logs_actions, logs_res = platform.get("Logs", ([], []))
    assert sorted(logs_actions) == ["logs:CreateLogStream", "logs:PutLogEvents"], where
    assert len(logs_res) == 1 and caller in logs_res[0].lower(), f"{where}: logs on {logs_res}"
    if caller == "executor":
        assert platform["DeadLetter"][0] == ["sqs:SendMessage"], where
    else:
        assert "DeadLetter" not in platform, where


def _template():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "aaa_test_template", os.path.join(os.path.dirname(__file__), "test_template.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load()


@pytest.fixture(scope="module")
def cfn():
    return _template()["cfn"]


@pytest.mark.parametrize("caller", CALLERS)
def test_template_policy_equals_table(table, cfn, caller):
    res = cfn["Resources"]
    fn = res[caller.capitalize() + "Function"]
    role_name = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    role = res[role_name]
    assert role["Type"] == "AWS::IAM::Role"
    p = role["Properties"]
    # No managed policies (AWSLambdaBasicExecutionRole grants logs on "*").
    assert "ManagedPolicyArns" not in p
    assume = p["AssumeRolePolicyDocument"]["Statement"]
    assert assume == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]
    (pol,) = p["Policies"]
    check_policy(table, caller, pol["PolicyDocument"]["Statement"], f"template {role_name}")
    # The role serves this one function.
    users = [k for k, v in res.items() if v["Type"] == "AWS::Lambda::Function" and
             v["Properties"]["Role"] == {"Fn::GetAtt": [role_name, "Arn"]}]
    assert users == [caller.capitalize() + "Function"]


@pytest.mark.parametrize("caller", CALLERS)
def test_policy_file_equals_table(table, caller):
    path = os.path.join(_REPO, "deploy", "policies", caller + ".json")
    doc = json.load(open(path, encoding="utf-8"))
    assert doc["Version"] == "2012-10-17"
    check_policy(table, caller, doc["Statement"], os.path.relpath(path, _REPO))


def test_policy_check_catches_extra_and_missing(table):
    """The comparison is not vacuous: a dropped action, an added one, and an
    action on the wrong resource all fail it."""
    doc = json.load(open(os.path.join(_REPO, "deploy", "policies", "dispatcher.json")))
    base = doc["Statement"]
    dropped = [s for s in base if s.get("Sid") != "InvokeExecutor"]
    with pytest.raises(AssertionError, match="missing"):
        check_policy(table, "dispatcher", dropped, "t")
    extra = base + [{"Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": "arn:aws:s3:::BUCKET/aaa-data/*"}]
    with pytest.raises(AssertionError, match="extra"):
        check_policy(table, "dispatcher", extra, "t")
    wide = [dict(s, Resource="*") if s.get("Sid") == "InvokeExecutor" else s for s in base]
    with pytest.raises(AssertionError, match="expected scope executor"):
        check_policy(table, "dispatcher", wide, "t")


# ---------------------------------------------------------------- (c) the docs vs table

def _doc_actions(text):
    """IAM actions named in backticks; a bare `Name` after `svc:Other` in the
    same run of text takes its service prefix (`elasticloadbalancing:A`, `B`)."""
    out, prefix = set(), None
    for tok in re.findall(r"`([A-Za-z0-9:*\[\]-]+)`", text):
        if re.fullmatch(r"[a-z0-9-]+:[A-Za-z*]+", tok):
            prefix = tok.split(":")[0]
            out.add(tok)
        elif prefix and re.fullmatch(r"[A-Z][A-Za-z]+", tok):
            out.add(f"{prefix}:{tok}")
    return out


def _readme_lists():
    text = open(os.path.join(_REPO, "README.md"), encoding="utf-8").read()
    sec = text[text.index("## IAM permissions"):]
    sec = sec[:sec.index("\n## ", 5)]
    out = {}
    for caller in CALLERS:
        m = re.search(r"^- \*\*" + caller + r"\*\*:(.*?)(?=^- \*\*|^\S|\Z)", sec, re.S | re.M)
        assert m, f"README's IAM permissions name no {caller}"
        out[caller] = _doc_actions(m.group(1))
    return out


def _guide_tables():
    """docs/deploy-aws.md, section 7: per function, the first column of its table."""
    text = open(os.path.join(_REPO, "docs", "deploy-aws.md"), encoding="utf-8").read()
    sec = text[text.index("## 7. IAM"):]
    sec = sec[:sec.index("\n## ", 5)]
    out = {}
    for caller in CALLERS:
        m = re.search(r"^\*\*" + caller + r"\*\*.*?\n\n((?:\|.*\n)+)", sec, re.M)
        assert m, f"docs/deploy-aws.md section 7 has no table for the {caller}"
        rows = [r for r in m.group(1).splitlines()[2:]]
        out[caller] = set()
        for r in rows:
            out[caller] |= _doc_actions(r.split("|")[1])
    return out


@pytest.mark.parametrize("caller", CALLERS)
def test_readme_and_guide_name_the_tables_actions(table, caller):
    """README's IAM list and the guide's tables name exactly what the roles
    grant: the table's actions for the function (and, in the guide, the
    platform's: the dead-letter queue; logs are described once for all)."""
    want = table_actions(table, caller)
    readme = _readme_lists()[caller]
    assert readme == want, (f"README, {caller}: missing {sorted(want - readme)}, "
                            f"extra {sorted(readme - want)}")
    guide = _guide_tables()[caller] - {"sqs:SendMessage"}
    assert guide == want, (f"docs/deploy-aws.md, {caller}: missing {sorted(want - guide)}, "
                           f"extra {sorted(guide - want)}")


def test_doc_check_catches_a_missing_action():
    assert _doc_actions("`s3:GetObject` and `kms:Decrypt`") == {"s3:GetObject", "kms:Decrypt"}
    assert _doc_actions("`elasticloadbalancing:A`, `DescribeListeners`") == {
        "elasticloadbalancing:A", "elasticloadbalancing:DescribeListeners"}


def _scheduler_list_statements(statements):
    return [s for s in statements if isinstance(s, dict) and "s3:ListBucket" in _as_list(
        s.get("Action", []))]


def test_scheduler_lists_only_the_index(cfn):
    """The scheduler's s3:ListBucket is limited to the index's own prefix,
    "index" (index.json and index.d/), and the fleet/ prefix (the CA's pause,
    the cleanup markers), in the template and in the policy file: it finds the
    changes to fold, tells a missing index from a refusal, finds the leftovers
    it must hand on, and learns nothing else about the bucket."""
    res = cfn["Resources"]
    stmts = res["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    doc = json.load(open(os.path.join(_REPO, "deploy", "policies", "scheduler.json")))
    for where, sts in (("template", stmts), ("scheduler.json", doc["Statement"])):
        (st,) = _scheduler_list_statements(sts)
        assert st["Condition"] == {"StringLike": {"s3:prefix": [
            "aaa-data/*index", "aaa-data/*/fleet/"]}}, where


def test_scheduler_writes_only_the_index(cfn):
    """The scheduler's object grants name the index, the CA's pause (read only)
    and an old store's fleet/ari.json alone, in the template and the policy file:
    it reads index.json, index.d/*, fleet/ca-pause.json and fleet/ari.json, writes
    index.json only (the folded index, with what renewalInfo said in its entries),
    and deletes index.d/* (the changes it folded) and fleet/ari.json (once folded)
    only; a certificate, key, account or job is out of its reach."""
    res = cfn["Resources"]
    stmts = res["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    doc = json.load(open(os.path.join(_REPO, "deploy", "policies", "scheduler.json")))
    want = {"s3:GetObject": {"/aaa-data/*/index.json", "/aaa-data/*/index.d/*",
                             "/aaa-data/*/fleet/ca-pause.json", "/aaa-data/*/fleet/ari.json"},
            "s3:PutObject": {"/aaa-data/*/index.json"},
            "s3:DeleteObject": {"/aaa-data/*/index.d/*", "/aaa-data/*/fleet/ari.json"}}
    for where, sts in (("template", stmts), ("scheduler.json", doc["Statement"])):
        got = {}
        for st in sts:
            for a in _as_list(st["Action"]):
                if a in want:
                    for r in _resources(st):
                        got.setdefault(a, set()).add(re.sub(r"^.*?(/aaa-data/)", r"\1", r))
        assert got == want, where
