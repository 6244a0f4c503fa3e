"""template.yaml: cfn-lint clean, and what AWS SAM really makes of it.

cfn-lint and aws-sam-translator live in the machine image's pyenv python
(not in Debian's), so they run as a subprocess of it; the template is
transformed the way `sam deploy` does (CodeUri replaced by the uploaded S3
object) and the checks below read the resulting CloudFormation: three
functions from one code object with their handlers, the schedule, the POST
/slack route, the executor's retries and dead-letter queue, the bucket and
key settings, the alarms, the outputs. Parameter constraints are checked
with good and bad values, so a bad value is refused by CloudFormation, not
at run time. The IAM statements are checked against the code in test_iam.py.
"""
import base64
import fnmatch
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(_REPO, "template.yaml")

_TRANSFORM = r"""
import json, sys
from cfnlint.decode import decode_str
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

tpl, problems = decode_str(open(sys.argv[1], encoding="utf-8").read())
if problems:
    sys.exit("decode: " + "; ".join(str(p) for p in problems))
raw = json.loads(json.dumps(tpl, default=str))
# What `sam package` does: the code is uploaded, CodeUri becomes s3://.
tpl["Globals"]["Function"]["CodeUri"] = "s3://sam-artifacts/aaa-lambda.zip"
out = transform(tpl, {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                      "AWS::Partition": "aws"}, NoManagedPolicies())
print(json.dumps({"raw": raw, "cfn": out}, default=str))
"""


def sam_python():
    """An interpreter that has cfn-lint and samtranslator (the pyenv one)."""
    cands = [os.environ.get("AAA_SAM_PYTHON"), shutil.which("python3"),
             os.path.expanduser("~/.pyenv/shims/python3"), "/root/.pyenv/shims/python3"]
    for c in cands:
        if c and os.access(c, os.X_OK) and subprocess.run(
                [c, "-c", "import cfnlint, samtranslator"], capture_output=True,
                timeout=60).returncode == 0:
            return c
    pytest.fail("no python with cfn-lint and aws-sam-translator: set AAA_SAM_PYTHON "
                "(the machine image's pyenv python3 has both)")


# cfn-lint's console script, run by the interpreter found above.
CFN_LINT = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"

_CACHE = {}


def load(path=TEMPLATE):
    """{"raw": the template as decoded (intrinsics as dicts), "cfn": after the
    SAM transform}; cached per path."""
    if path not in _CACHE:
        env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run([sam_python(), "-c", _TRANSFORM, path], capture_output=True,
                           text=True, timeout=300, env=env)
        assert p.returncode == 0, p.stderr[-3000:]
        _CACHE[path] = json.loads(p.stdout)
    return _CACHE[path]


@pytest.fixture(scope="module")
def tpl():
    return load()


@pytest.fixture(scope="module")
def res(tpl):
    return tpl["cfn"]["Resources"]


def of_type(res, t):
    return {k: v for k, v in res.items() if v["Type"] == t}


# ---------------------------------------------------------------- lint

def test_cfn_lint_clean():
    py = sam_python()
    p = subprocess.run([py, "-c", CFN_LINT, TEMPLATE], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0 and not p.stdout.strip(), p.stdout + p.stderr


def test_cfn_lint_catches_a_broken_template(tmp_path):
    """The lint run above is not a no-op: a wrong runtime is reported."""
    bad = tmp_path / "template.yaml"
    bad.write_text(open(TEMPLATE, encoding="utf-8").read().replace(
        "Runtime: provided.al2023", "Runtime: provided.al2099"))
    p = subprocess.run([sam_python(), "-c", CFN_LINT, str(bad)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode != 0 and "provided.al2099" in p.stdout, p.stdout + p.stderr


# ---------------------------------------------------------------- functions

HANDLERS = {"SchedulerFunction": "scheduler", "DispatcherFunction": "dispatcher",
            "ExecutorFunction": "executor"}
COMMON_ENV = {"AAA_S3_BUCKET", "AAA_S3_KMS_KEY", "AAA_DIRECTORY", "AAA_EMAIL",
              "AAA_RENEW_BEFORE_DAYS", "AAA_LOG_LEVEL"}


def test_three_functions_one_zip(tpl, res):
    fns = of_type(res, "AWS::Lambda::Function")
    assert set(fns) == set(HANDLERS)
    codes = set()
    for name, fn in fns.items():
        p = fn["Properties"]
        assert p["Handler"] == HANDLERS[name]
        assert p["Runtime"] == "provided.al2023"
        assert p["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-" + HANDLERS[name]}
        codes.add(json.dumps(p["Code"], sort_keys=True))
        # sam build calls make build-<LogicalId> (deploy/sam.mk)
        assert tpl["raw"]["Resources"][name]["Metadata"] == {"BuildMethod": "makefile"}
        # each its own role, and its log group by name
        role = p["Role"]["Fn::GetAtt"][0]
        assert role == name.replace("Function", "Role"), role
        lg = p["LoggingConfig"]["LogGroup"]["Ref"]
        assert res[lg]["Properties"]["LogGroupName"] == {
            "Fn::Sub": "/aws/lambda/${AWS::StackName}-" + HANDLERS[name]}
        assert res[lg]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        env = p["Environment"]["Variables"]
        assert COMMON_ENV <= set(env), COMMON_ENV - set(env)
        assert env["AAA_S3_BUCKET"] == {"Ref": "DataBucket"}
        assert env["AAA_S3_KMS_KEY"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
        if name != "ExecutorFunction":
            # the executor re-invokes AWS_LAMBDA_FUNCTION_NAME itself
            assert env["AAA_EXECUTOR_FUNCTION"] == {"Fn::Sub": "${AWS::StackName}-executor"}
    assert len(codes) == 1, codes


SAM_DIR = os.path.join(_REPO, "deploy", "sam")


def test_makefile_has_the_sam_build_targets(tpl):
    """sam build runs `make build-<LogicalId> ARTIFACTS_DIR=...` in CodeUri
    (deploy/sam/, in the source tree): each target builds the one zip with
    `make package` (up to date after the first) and unpacks it."""
    assert tpl["raw"]["Globals"]["Function"]["CodeUri"] == "deploy/sam/"
    for name in HANDLERS:
        q = subprocess.run(["make", "-n", "-C", SAM_DIR, f"build-{name}",
                            "ARTIFACTS_DIR=/tmp/sam-artifacts"], capture_output=True, text=True,
                           timeout=120)
        assert q.returncode == 0, q.stderr
        assert f"-C \"{_REPO}\" package" in q.stdout, q.stdout
        assert "unzip" in q.stdout and "/tmp/sam-artifacts" in q.stdout, q.stdout
    # In the source tree (SAM copies CodeUri elsewhere unless told not to).
    cfg = open(os.path.join(_REPO, "samconfig.toml"), encoding="utf-8").read()
    assert re.search(r"^\[default\.build\.parameters\]\s*\n(?:#.*\n)*build_in_source = true",
                     cfg, re.M), cfg


def test_code_uri_cannot_ship_the_repository(tmp_path):
    """CodeUri holds no code (a deploy without a build ships two small files),
    and a build outside the source tree stops with what to do instead of
    shipping something half-made."""
    assert sorted(os.listdir(SAM_DIR)) == ["Makefile", "README.md"]
    copy = tmp_path / "sam"
    shutil.copytree(SAM_DIR, copy)
    art = tmp_path / "art"
    p = subprocess.run(["make", "-C", str(copy), "build-ExecutorFunction",
                        f"ARTIFACTS_DIR={art}"], capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "--build-in-source" in p.stderr, p.stderr
    assert not art.exists()
    p = subprocess.run(["make", "-C", SAM_DIR, "build-ExecutorFunction"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode != 0 and "ARTIFACTS_DIR is not set" in p.stderr, p.stderr


def test_executor_environment(tpl, res):
    env = res["ExecutorFunction"]["Properties"]["Environment"]["Variables"]
    assert env["AAA_ZONE_ROLES"] == {"Ref": "ZoneRoles"}
    assert env["AAA_ZONE_IDS"] == {"Ref": "ZoneIds"}
    # Only when given: aaa takes an empty value as a request for it.
    assert env["AAA_PREFERRED_CHAIN"] == {
        "Fn::If": ["HasPreferredChain", {"Ref": "PreferredChain"}, {"Ref": "AWS::NoValue"}]}
    assert env["AAA_PROFILE"] == {
        "Fn::If": ["HasCertificateProfile", {"Ref": "CertificateProfile"},
                   {"Ref": "AWS::NoValue"}]}
    # ZoneRoles without ZoneRoleArns (the IAM grant) is refused before deploying.
    rule = tpl["raw"]["Rules"]["ZoneRolesAreGranted"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ZoneRoles"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ZoneRoleArns"}, ""]}]}


def test_dispatcher_environment(res):
    env = res["DispatcherFunction"]["Properties"]["Environment"]["Variables"]
    assert env["AAA_SLACK_SIGNING_SECRET"] == {"Ref": "SlackSigningSecretCiphertext"}
    for k, param in (("AAA_ALLOWED_DOMAINS", "AllowedDomains"), ("AAA_SLACK_TEAMS", "SlackTeams"),
                     ("AAA_SLACK_CHANNELS", "SlackChannels"), ("AAA_SLACK_USERS", "SlackUsers")):
        assert env[k] == {"Ref": param}
    # the signing secret goes to the dispatcher only
    for name in ("SchedulerFunction", "ExecutorFunction"):
        assert "AAA_SLACK_SIGNING_SECRET" not in res[name]["Properties"]["Environment"]["Variables"]


def test_schedule_drives_the_scheduler(res):
    """EventBridge Scheduler (ScheduleV2): retries, a dead-letter queue with
    its alarm, a name of the stack's, and the input the router takes for a
    schedule."""
    assert not of_type(res, "AWS::Events::Rule")
    (sched,) = of_type(res, "AWS::Scheduler::Schedule").values()
    p = sched["Properties"]
    assert p["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert p["Name"] == {"Fn::Sub": "${AWS::StackName}-renewal"}
    t = p["Target"]
    assert t["Arn"] == {"Fn::GetAtt": ["SchedulerFunction", "Arn"]}
    assert json.loads(t["Input"]) == {"aaa": "schedule"}
    assert 0 < t["RetryPolicy"]["MaximumRetryAttempts"] <= 3
    assert t["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    assert res["ScheduleDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    role = res[t["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    granted = {(st["Action"], json.dumps(st["Resource"])) for pol in role["Policies"]
               for st in pol["PolicyDocument"]["Statement"]}
    assert granted == {
        ("lambda:InvokeFunction", json.dumps({"Fn::GetAtt": ["SchedulerFunction", "Arn"]})),
        ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}))}
    alarms = [a["Properties"] for a in of_type(res, "AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("Dimensions") == [
                  {"Name": "QueueName",
                   "Value": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "QueueName"]}}]]
    assert len(alarms) == 1 and alarms[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_slack_route_is_post_slack_to_the_dispatcher(res):
    apis = of_type(res, "AWS::ApiGatewayV2::Api")
    assert list(apis) == ["SlackApi"]
    paths = apis["SlackApi"]["Properties"]["Body"]["paths"]
    assert list(paths) == ["/slack"] and list(paths["/slack"]) == ["post"]
    integ = paths["/slack"]["post"]["x-amazon-apigateway-integration"]
    assert "DispatcherFunction.Arn" in json.dumps(integ["uri"]), integ
    perms = [p["Properties"] for p in of_type(res, "AWS::Lambda::Permission").values()
             if p["Properties"]["Principal"] == "apigateway.amazonaws.com"]
    assert [p["FunctionName"] for p in perms] == [{"Ref": "DispatcherFunction"}]
    stage = of_type(res, "AWS::ApiGatewayV2::Stage")
    (st,) = stage.values()
    assert st["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0


def test_executor_retries_and_dead_letter_queue(res):
    (cfg,) = of_type(res, "AWS::Lambda::EventInvokeConfig").values()
    p = cfg["Properties"]
    assert p["FunctionName"] == {"Ref": "ExecutorFunction"}
    assert 0 < p["MaximumRetryAttempts"] <= 2
    assert p["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["ExecutorDeadLetterQueue", "Arn"]}
    assert res["ExecutorDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    assert res["ExecutorDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    assert res["ExecutorFunction"]["Properties"]["Timeout"] == 900


def test_json_logs_at_the_stacks_level(res, tpl):
    """LogFormat JSON (the code writes one JSON object a line when Lambda says
    so), and Lambda's level filter follows LogLevel."""
    levels = tpl["cfn"]["Mappings"]["LambdaLogLevel"]
    assert {k: v["Level"] for k, v in levels.items()} == {
        "debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR"}
    assert set(levels) == set(tpl["cfn"]["Parameters"]["LogLevel"]["AllowedValues"])
    for name in HANDLERS:
        lc = res[name]["Properties"]["LoggingConfig"]
        assert lc["LogFormat"] == "JSON"
        assert lc["ApplicationLogLevel"] == {
            "Fn::FindInMap": ["LambdaLogLevel", {"Ref": "LogLevel"}, "Level"]}


@pytest.mark.parametrize("value, reserved", [("", None), ("5", "5"), ("100", "100")])
def test_executor_reserved_concurrency(tpl, res, value, reserved):
    """Empty (the default: a new account's quota of 10 refuses reservations)
    leaves the property out; a number reserves that many."""
    assert tpl["cfn"]["Parameters"]["ExecutorReservedConcurrency"]["Default"] == ""
    ctx = _ctx(tpl, ExecutorReservedConcurrency=value)
    conds = _conditions(tpl["cfn"], ctx)
    v = _resolve(res["ExecutorFunction"]["Properties"]["ReservedConcurrentExecutions"], ctx,
                 conds)
    assert (None if v is _NOVALUE else v) == reserved
    for name in ("SchedulerFunction", "DispatcherFunction"):
        assert "ReservedConcurrentExecutions" not in res[name]["Properties"]


def test_stateful_resources_say_what_happens_on_delete(tpl):
    """cfn-lint's I3011: every stateful resource has explicit policies."""
    p = subprocess.run([sam_python(), "-c", CFN_LINT, "-c", "I3011", "--", TEMPLATE],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and not p.stdout.strip(), p.stdout + p.stderr


# ---------------------------------------------------------------- key and bucket

def test_key_and_alias(res):
    k = res["DataKey"]
    assert k["Properties"]["EnableKeyRotation"] is True
    assert k["DeletionPolicy"] == "Retain"
    stmts = k["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"].get("AWS") and s["Action"] == "kms:*" for s in stmts)
    # The key that protects private keys is granted to no service (CloudWatch
    # publishes to the alarm topic under a key of its own).
    assert not [s for s in stmts if "Service" in s["Principal"]], stmts
    topic = res["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    ak = res["AlarmKey"]["Properties"]
    assert ak["EnableKeyRotation"] is True
    cw = [s for s in ak["KeyPolicy"]["Statement"]
          if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert len(cw) == 1 and cw[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    used = json.dumps({k: v for k, v in res.items() if k not in ("AlarmKey", "AlarmTopic")})
    assert '"AlarmKey"' not in used, "the alarm key protects the topic only"
    alias = res["DataKeyAlias"]["Properties"]
    assert alias["TargetKeyId"] == {"Ref": "DataKey"}
    assert alias["AliasName"] == {"Fn::Sub": "alias/${AWS::StackName}"}


def test_bucket_settings(res):
    b = res["DataBucket"]
    assert b["DeletionPolicy"] == "Retain"
    p = b["Properties"]
    (rule,) = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}}
    assert rule["BucketKeyEnabled"] is True
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    rules = p["LifecycleConfiguration"]["Rules"]
    assert any("NoncurrentVersionExpiration" in r and r["Status"] == "Enabled" for r in rules)


def test_bucket_policy_denies_plain_http_and_unencrypted_puts(res):
    pol = res["DataBucketPolicy"]["Properties"]
    assert pol["Bucket"] == {"Ref": "DataBucket"}
    stmts = {s["Sid"]: s for s in pol["PolicyDocument"]["Statement"]}
    tls = stmts["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Action"] == "s3:*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["DataBucket", "Arn"]} in tls["Resource"]
    kms = stmts["DenyUnEncryptedObjectUploads"]
    assert kms["Effect"] == "Deny" and kms["Action"] == "s3:PutObject"
    assert kms["Resource"] == {"Fn::Sub": "${DataBucket.Arn}/aaa-data/*"}
    assert kms["Condition"] == {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    own = stmts["DenyOtherKmsKeys"]
    assert own["Effect"] == "Deny" and own["Action"] == "s3:PutObject"
    assert own["Resource"] == {"Fn::Sub": "${DataBucket.Arn}/aaa-data/*"}
    assert own["Condition"] == {"StringNotEqualsIfExists": {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": {"Fn::GetAtt": ["DataKey", "Arn"]}}}
    assert all(s["Effect"] == "Deny" for s in stmts.values()), "the bucket policy only denies"


# ---------------------------------------------------------------- alarms and outputs

def test_alarms_on_the_scheduler_metrics(res, tpl):
    alarms = of_type(res, "AWS::CloudWatch::Alarm")
    by_metric = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]): a["Properties"]
                 for a in alarms.values()}
    near = by_metric[("aaa", "LifetimeLeftPercentMin")]
    assert near["Statistic"] == "Minimum" and near["ComparisonOperator"] == "LessThanThreshold"
    assert near["Threshold"] == {"Ref": "AlarmLifetimeLeftPercent"}
    assert near["TreatMissingData"] == "notBreaching"
    fail = by_metric[("aaa", "RenewalFailures")]
    assert fail["Statistic"] == "Sum" and fail["Threshold"] == 1
    for a in alarms.values():
        assert a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    sub = res["AlarmEmailSubscription"]
    assert sub["Condition"] == "HasAlarmEmail"
    assert sub["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert tpl["cfn"]["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


def test_alarm_metrics_are_the_ones_the_scheduler_emits(res):
    """Namespace, metric names and dimensions as src/handlers/scheduler.c writes
    them in its embedded-metric-format line; an alarm on a metric nobody
    emits would never fire."""
    src = open(os.path.join(_REPO, "src", "handlers", "scheduler.c"), encoding="utf-8").read()
    assert '"Namespace", "aaa"' in src
    emitted = set(re.findall(r's_metric\(\w+, \w+, "(\w+)"', src))
    assert {"RenewalFailures", "DaysToExpiryMin", "LifetimeLeftPercentMin"} <= emitted, emitted
    no_dims = re.search(r"AddItemToArray\(dims, cJSON_CreateArray\(\)\)", src) is not None
    for a in of_type(res, "AWS::CloudWatch::Alarm").values():
        p = a["Properties"]
        if p["Namespace"] != "aaa":
            continue
        assert p["MetricName"] in emitted, (p["MetricName"], emitted)
        assert ("Dimensions" not in p) == no_dims, p.get("Dimensions")


def test_outputs(tpl):
    out = tpl["cfn"]["Outputs"]
    assert "/slack" in out["SlackRequestUrl"]["Value"]["Fn::Sub"]
    assert out["Bucket"]["Value"] == {"Ref": "DataBucket"}
    for name in HANDLERS:
        assert out[name + "Name"]["Value"] == {"Ref": name}


# ---------------------------------------------------------------- parameter constraints

def accepts(param, value):
    """CloudFormation's checks of one value (AllowedPattern is matched
    against the whole value; the patterns here are anchored anyway)."""
    p = param
    if "AllowedValues" in p and str(value) not in [str(v) for v in p["AllowedValues"]]:
        return False
    if p["Type"] == "Number":
        try:
            n = float(value)
        except ValueError:
            return False
        if "MinValue" in p and n < float(p["MinValue"]):
            return False
        if "MaxValue" in p and n > float(p["MaxValue"]):
            return False
        return True
    if "MaxLength" in p and len(value) > int(p["MaxLength"]):
        return False
    if "AllowedPattern" in p and not re.fullmatch(p["AllowedPattern"], value):
        return False
    return True


GOOD = {
    "AcmeDirectory": ["letsencrypt", "letsencrypt-staging", "zerossl",
                      "https://acme-v02.api.letsencrypt.org/directory",
                      "https://ca.internal:9000/acme/acme/directory"],
    "ContactEmail": ["ops@example.com", "a.b+certs@sub.example.co.uk"],
    "AllowedDomains": ["", "example.com", "example.com,*.example.com,api.example.org"],
    "SlackSigningSecretCiphertext": ["", "AQICAHh0ZXN0Y2lwaGVydGV4dA=="],
    "SlackTeams": ["", "T0123ABCD", "T1,T2"],
    "ScheduleExpression": ["rate(12 hours)", "rate(1 day)", "rate(30 minutes)",
                           "cron(0 3 * * ? *)"],
    "RenewBeforeDays": ["1", "30", "89"],
    "LogLevel": ["debug", "info", "warn", "error"],
    "LogRetentionDays": ["90", "365"],
    "AlarmEmail": ["", "alerts@example.com"],
    "AlarmLifetimeLeftPercent": ["10", "1", "30"],
    "DeployTargets": ["", "acm", "acm,iam", "elb,elbv2,cloudfront", "acm,iam,elb,elbv2,cloudfront"],
    "ExecutorReservedConcurrency": ["", "1", "5", "1000"],
    "AccountKeyArn": ["", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    "ZoneRoles": ["", "example.com=arn:aws:iam::123456789012:role/dns",
                  "a.example=arn:aws:iam::123456789012:role/x,b.example=arn:aws:iam::210987654321:role/p/y"],
    "ZoneIds": ["", "example.com=Z1D633PJN98FT9", "a.example=Z1,b.example=Z2ABC"],
    "PreferredChain": ["", "ISRG Root X1", "Sectigo Public Server Authentication Root E46"],
    "CertificateProfile": ["", "classic", "shortlived", "tlsserver"],
    "ZoneRoleArns": ["", "arn:aws:iam::123456789012:role/dns",
                     "arn:aws:iam::123456789012:role/a,arn:aws:iam::210987654321:role/path/b"],
}
BAD = {
    "AcmeDirectory": ["", "http://acme.example.com/directory", "letsencrypt-prod",
                      "https://x/dir y", "https://ca.example.com/$(reboot)"],
    "ContactEmail": ["", "ops", "ops@localhost", "a b@example.com"],
    "AllowedDomains": ["Example.com", "example.com, www.example.com", "*", "*.*.example.com",
                       "example.com,"],
    "SlackSigningSecretCiphertext": ["not base64!", "A" * 4097],
    "SlackTeams": ["t0123", "T1, T2"],
    "ScheduleExpression": ["", "rate(0 hours)", "rate(1 hours)", "rate(12 hour)",
                           "every 12 hours", "cron()"],
    "RenewBeforeDays": ["0", "90", "-5", "ten"],
    "LogLevel": ["verbose", "INFO", ""],
    "LogRetentionDays": ["2", "0"],
    "AlarmEmail": ["alerts"],
    "AlarmLifetimeLeftPercent": ["0", "31", "-1"],
    "DeployTargets": ["ACM", "acm, iam", "acm,", "file", "acm;iam", "alb"],
    "ExecutorReservedConcurrency": ["0", "-1", "10000", "five", " 5"],
    "AccountKeyArn": ["alias/aaa-account", "1234abcd-12ab-34cd-56ef-1234567890ab"],
    "ZoneRoleArns": ["dns", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::1234:role/x"],
    "ZoneRoles": ["arn:aws:iam::123456789012:role/dns", "example.com:arn:aws:iam::123456789012:role/x",
                  "Example.com=arn:aws:iam::123456789012:role/x", "example.com=dns"],
    "ZoneIds": ["Z1D633PJN98FT9", "example.com=/hostedzone/Z1", "example.com=z1", "example.com="],
    "PreferredChain": [" ISRG", "ISRG Root X1;", "x" * 129, "a\nb"],
    "CertificateProfile": ["Short Lived", "-x", "a" * 65],
}


@pytest.mark.parametrize("name", sorted(set(GOOD) | set(BAD)))
def test_parameter_constraints(tpl, name):
    param = tpl["cfn"]["Parameters"][name]
    for v in GOOD.get(name, []):
        assert accepts(param, v), f"{name} refuses the good value {v!r}"
    for v in BAD.get(name, []):
        assert not accepts(param, v), f"{name} accepts the bad value {v!r}"


def test_every_parameter_is_constrained_and_used(tpl):
    raw = tpl["raw"]
    text = json.dumps(raw["Resources"]) + json.dumps(raw.get("Globals", {})) + json.dumps(
        raw.get("Conditions", {}))
    for name, p in raw["Parameters"].items():
        assert {"AllowedPattern", "AllowedValues", "MinValue"} & set(p), f"{name} is unconstrained"
        assert re.search(r'"(Ref|Fn::Sub)": "[^"]*\b' + name + r"\b", text) or (
            f"${{{name}}}" in text), f"{name} is never used"
    assert raw["Parameters"]["ScheduleExpression"]["Default"] == "rate(12 hours)"
    assert raw["Parameters"]["SlackSigningSecretCiphertext"].get("NoEcho") is True


# ---------------------------------------------------------------- the stack, run locally

STACK_NAME = "aaa"
# A custom runtime that answers every event at once: it stands in for the
# executor where only what it is handed matters.
RECORDER = """#!/usr/bin/python3
import os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    with opener.open(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        r.read()
    opener.open(urllib.request.Request(api + rid + "/response", data=b"{}", method="POST")).read()
"""


_NOVALUE = object()


def _resolve(v, ctx, conditions=None):
    """A template value with Ref / Fn::GetAtt / Fn::Sub / Fn::If resolved from
    ctx (parameter values, "DataBucket", "DataKey.Arn", "AWS::StackName");
    _NOVALUE for AWS::NoValue."""
    if isinstance(v, (str, int, float)):
        return str(v)
    if "Fn::If" in v:
        cond, yes, no = v["Fn::If"]
        return _resolve(yes if conditions[cond] else no, ctx, conditions)
    if v == {"Ref": "AWS::NoValue"}:
        return _NOVALUE
    if "Ref" in v:
        return ctx[v["Ref"]]
    if "Fn::GetAtt" in v:
        return ctx[".".join(v["Fn::GetAtt"])]
    if "Fn::Sub" in v:
        return re.sub(r"\$\{([^}]+)\}", lambda m: ctx[m.group(1)], v["Fn::Sub"])
    if "Fn::Join" in v:
        sep, items = v["Fn::Join"]
        items = _resolve(items, ctx, conditions) if isinstance(items, dict) else [
            _resolve(x, ctx, conditions) for x in items]
        return sep.join(items)
    if "Fn::Split" in v:
        sep, text = v["Fn::Split"]
        return _resolve(text, ctx, conditions).split(sep)
    raise AssertionError(f"cannot resolve {v!r}")


def _condition(c, ctx, conds=None):
    """Fn::Not / Fn::Equals / Fn::Or / Fn::And / Condition: enough for the
    template's conditions (values through _resolve: Ref, Fn::Sub, Fn::Join,
    Fn::Split)."""
    if "Fn::Not" in c:
        return not _condition(c["Fn::Not"][0], ctx, conds)
    if "Fn::Or" in c:
        return any(_condition(x, ctx, conds) for x in c["Fn::Or"])
    if "Fn::And" in c:
        return all(_condition(x, ctx, conds) for x in c["Fn::And"])
    if "Condition" in c:
        return conds[c["Condition"]]
    if "Fn::Equals" in c:
        a, b = (_resolve(x, ctx) for x in c["Fn::Equals"])
        return a == b
    raise AssertionError(f"condition {c!r}")


def _conditions(cfn, ctx):
    """Every condition of the template, for these parameter values (in
    dependency order: a condition may name another)."""
    out, todo = {}, dict(cfn["Conditions"])
    while todo:
        for k, c in list(todo.items()):
            if all(n in out for n in re.findall(r'"Condition": "(\w+)"', json.dumps(c))):
                out[k] = _condition(c, ctx, out)
                del todo[k]
    return out


def _ctx(tpl, **values):
    """Parameter defaults with these values, and the pseudo parameters."""
    ctx = {k: str(p.get("Default", "")) for k, p in tpl["cfn"]["Parameters"].items()}
    ctx.update(values)
    ctx.update({"AWS::StackName": STACK_NAME, "AWS::Partition": "aws",
                "AWS::AccountId": "123456789012", "AWS::Region": "us-east-1"})
    return ctx


def _function_env(cfn, logical, ctx):
    conds = _conditions(cfn, ctx)
    p = cfn["Resources"][logical]["Properties"]
    env = {k: _resolve(v, ctx, conds) for k, v in p["Environment"]["Variables"].items()}
    return p["Handler"], _resolve(p["FunctionName"], ctx), {
        k: v for k, v in env.items() if v is not _NOVALUE}


def _granted(table, caller):
    return {r["iam"] for r in table if caller in r["callers"]}


def _needed(table, observed):
    """IAM actions the observed API calls need, through the action table
    (service name as the proxy records it, i.e. the SigV4 signing name)."""
    text = open(os.path.join(_REPO, "src", "aws", "endpoint.c"), encoding="utf-8").read()
    signing = dict(re.findall(r'\[AWS_[A-Z0-9_]+\]\s*=\s*\{\s*"([^"]+)",\s*"([^"]+)"', text))
    by_op = {}
    for r in table:
        if r["operation"]:
            by_op.setdefault((signing[r["service"]], r["operation"]), set()).add(r["iam"])
    need, unknown = set(), []
    for key in observed:
        svc, _, op = key.partition(":")
        if (svc, op) in by_op:
            need |= by_op[(svc, op)]
        else:
            unknown.append(key)
    return need, unknown


def _s3_grants(cfn, logical, ctx):
    """(IAM action, resource pattern) pairs of a function's role for S3 object
    and bucket resources, with the bucket ARN filled in."""
    res = cfn["Resources"]
    role = res[res[logical]["Properties"]["Role"]["Fn::GetAtt"][0]]
    out = []
    for st in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in st:
            continue
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        rs = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        for a in acts:
            if a.startswith("s3:"):
                for r in rs:
                    out.append((a, _resolve(r, ctx)))
    return out


def _check_s3_resources(table, grants, requests, bucket, who):
    """Each S3 object request the function made falls under a resource its
    policy grants for the action it needs (IAM's * matches across '/')."""
    iam_of = {r["operation"]: r["iam"] for r in table if r["service"] == "S3" and r["operation"]}
    checked = 0
    for e in requests:
        if e.get("service") != "s3" or e.get("action") not in iam_of:
            continue
        path = urllib.parse.unquote(urllib.parse.urlsplit(e["path"]).path).lstrip("/")
        assert path.split("/", 1)[0] == bucket, e["path"]
        iam = iam_of[e["action"]]
        arn = f"arn:aws:s3:::{path}" if iam != "s3:ListBucket" else f"arn:aws:s3:::{bucket}"
        if e["action"] == "DeleteObjects":
            # The keys are in the body: the scheduler's are index changes.
            arn = f"arn:aws:s3:::{bucket}/aaa-data/v1/index.d/0000000000000001-00.json"
        ok = [r for a, r in grants if a == iam and fnmatch.fnmatchcase(arn, r)]
        assert ok, f"{who}: {e['action']} {arn} is not granted by {grants}"
        checked += 1
    return checked


def test_the_template_runs_the_real_functions(stack, aws, aws_resources, aaa, tmp_path,
                                              response_url):
    """The template's functions as deployed, in the Lambda emulator with the
    real bootstrap and binary: the environment exactly as template.yaml sets it
    (bucket, key, directory, names), only the endpoints pointing at the local
    stack. The executor issues a certificate into the S3 store with SSE-KMS;
    the scheduler reads it back by the names the template gives; the
    dispatcher decrypts the signing secret the docs' `aws kms encrypt` made
    with the stack's key, accepts a signed slash command and hands it to the
    executor by the name the template gives. Every AWS
    call each one made (seen by the verifying proxy, named from botocore's
    models) is one its policy in the template grants."""
    import importlib
    import sys
    if _REPO not in sys.path:
        sys.path.insert(0, _REPO)
    emulator = importlib.import_module("tests.integration.lambda.emulator")
    aaa_bin = os.path.abspath(os.environ.get("AAA_BIN", os.path.join(
        os.environ.get("AAA_BUILD", os.path.join(_REPO, "build")), "aaa")))
    tool = os.path.join(os.environ.get("AAA_BUILD", os.path.join(_REPO, "build")), "tools",
                        "actions_tool")
    table = json.loads(subprocess.run([tool], capture_output=True, text=True, check=True,
                                      timeout=30).stdout)
    tpl = load()
    cfn = tpl["cfn"]
    params = {k: str(p.get("Default", "")) for k, p in cfn["Parameters"].items()}
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    blob = aws.direct_client("kms").encrypt(KeyId=aws_resources["kms_key_arn"],
                                            Plaintext=secret.encode())["CiphertextBlob"]
    params.update({"SlackSigningSecretCiphertext": base64.b64encode(blob).decode(),
                   "AcmeDirectory": stack.pebble.directory_url,
                   "ContactEmail": "ops@example.com",
                   "AllowedDomains": f"*.{aws_resources['zone']}"})
    for k, v in params.items():
        assert accepts(cfn["Parameters"][k], v), f"{k}={v!r} would be refused"
    ctx = dict(params)
    ctx.update({"AWS::StackName": STACK_NAME, "DataBucket": aws_resources["bucket"],
                "DataKey.Arn": aws_resources["kms_key_arn"]})

    reg = aaa("reg", "--email", "ops@example.com", "--agree",
              "--s3-bucket", aws_resources["bucket"], "--s3-kms-key",
              aws_resources["kms_key_arn"])
    assert reg.returncode == 0, reg.stderr

    task = tmp_path / "task"
    (task / "bin").mkdir(parents=True)
    (task / "lib").mkdir()
    shutil.copy(os.path.join(_REPO, "bootstrap"), task / "bootstrap")
    os.symlink(aaa_bin, task / "bin" / "aaa")
    base = stack.aaa_env(tmp_path / "fn-home")
    base.pop("HOME", None)
    base.pop("AAA_DIRECTORY", None)
    fns = {}
    for logical in ("ExecutorFunction", "SchedulerFunction", "DispatcherFunction"):
        handler, name, env = _function_env(cfn, logical, ctx)
        fns[handler] = name
        e = dict(base)
        e.update(env)
        fns[handler + "_env"] = e
    assert fns["scheduler_env"]["AAA_EXECUTOR_FUNCTION"] == fns["executor"]
    assert fns["dispatcher_env"]["AAA_EXECUTOR_FUNCTION"] == fns["executor"]
    # Test only: where the dispatcher may post its answers (the local server).
    fns["dispatcher_env"]["AAA_SLACK_RESPONSE_URL_PREFIX"] = response_url.url + "/"

    cert = f"www.{aws_resources['zone']}"
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        for h in ("executor", "scheduler"):
            emu.add_function(fns[h], str(task / "bootstrap"), env=fns[h + "_env"],
                             timeout=120, handler=h)
        aws.proxy.reset_stats()
        inv = emu.invoke(fns["executor"], {"action": "cert", "names": [cert]})
        logs = "\n".join(line for _, _, line in emu.functions[fns["executor"]].logs)
        assert inv.outcome == "success", (inv.error, logs[-3000:])
        out = json.loads(inv.result_body())
        assert out["state"] == "done", out
        ex_stats = aws.proxy.stats()

        aws.proxy.reset_stats()
        (sched_res,) = of_type(cfn["Resources"], "AWS::Scheduler::Schedule").values()
        emu.invoke_async(fns["scheduler"], json.loads(sched_res["Properties"]["Target"]["Input"]))
        emu.wait_idle(timeout=60)
        sched = [i for i in emu.invocations if i.function == fns["scheduler"]]
        assert sched and sched[0].outcome == "success", sched
        s_out = json.loads(sched[0].result_body())
        sc_stats = aws.proxy.stats()

    # The dispatcher, with a stand-in under the executor's name that only
    # records (so the proxy sees the dispatcher's AWS calls alone).
    rec = tmp_path / "recorder"
    rec.mkdir()
    (rec / "bootstrap").write_text(RECORDER)
    os.chmod(rec / "bootstrap", 0o755)
    body = urllib.parse.urlencode({
        "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/cert",
        "text": f"status {cert}", "response_url": response_url.url + "/commands/T1/1/x",
        "trigger_id": "1.2.x"}).encode()
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    event = emulator.api_gateway_event("POST", "/slack", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest()},
        body=body)
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        emu.add_function(fns["dispatcher"], str(task / "bootstrap"),
                         env=fns["dispatcher_env"], timeout=30, handler="dispatcher")
        emu.add_function(fns["executor"], str(rec / "bootstrap"), env={}, timeout=30,
                         handler="executor")
        aws.proxy.reset_stats()
        d = emu.invoke(fns["dispatcher"], event)
        assert d.outcome == "success", d.error
        assert json.loads(d.result_body())["statusCode"] == 200
        emu.wait_idle(timeout=60)
        handed = [json.loads(i.payload) for i in emu.invocations
                  if i.function == fns["executor"]]
        di_stats = aws.proxy.stats()
    assert s_out["checked"] >= 1 and s_out.get("renewing") == [], s_out
    assert len(handed) == 1 and handed[0]["action"] == "status", handed
    assert handed[0]["name"] == cert, handed

    # The certificate is in the template's bucket, under aaa-data/, with SSE-KMS
    # under the template's key.
    s3 = aws.client("s3")
    key = f"aaa-data/v1/certs/{cert}/fullchain.pem"
    head = s3.head_object(Bucket=aws_resources["bucket"], Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert aws_resources["kms_key_id"] in head["SSEKMSKeyId"]

    ctx_arn = dict(ctx, **{"DataBucket.Arn": f"arn:aws:s3:::{aws_resources['bucket']}"})
    for logical, who, st in (("ExecutorFunction", "executor", ex_stats),
                             ("SchedulerFunction", "scheduler", sc_stats)):
        grants = _s3_grants(cfn, logical, ctx_arn)
        assert _check_s3_resources(table, grants, st["requests"], aws_resources["bucket"],
                                   who) > 0
    # The scheduler's grant is index.json alone: a private key is out of reach.
    sg = _s3_grants(cfn, "SchedulerFunction", ctx_arn)
    key_arn = f"arn:aws:s3:::{aws_resources['bucket']}/aaa-data/v1/certs/{cert}/privkey.pem"
    assert not [r for _, r in sg if fnmatch.fnmatchcase(key_arn, r)], sg
    assert set(di_stats["by_action"]) == {"kms:Decrypt"}, di_stats["by_action"]
    for caller, st in (("executor", ex_stats), ("scheduler", sc_stats),
                       ("dispatcher", di_stats)):
        assert st["refused"] == {}, st["refusals"]
        observed = {k for k in st["by_action"] if not k.startswith(("acme:", "http:"))}
        assert observed, st
        print(f"{caller}: {sorted(observed)}")
        need, unknown = _needed(table, observed)
        assert not unknown, f"{caller} called {unknown}, which the action table lacks"
        assert need <= _granted(table, caller), (caller, sorted(need - _granted(table, caller)))
    assert {k.split(":")[0] for k in sc_stats["by_action"]} <= {"s3", "kms"}, sc_stats["by_action"]


# ---------------------------------------------------------------- deploy targets

_LB_READ = {"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeListenerCertificates"}
_LB_WRITE = {"elasticloadbalancing:SetLoadBalancerListenerSSLCertificate",
             "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddListenerCertificates",
             "elasticloadbalancing:RemoveListenerCertificates"}
_ACM = {"acm:ImportCertificate", "acm:AddTagsToCertificate", "acm:DescribeCertificate"}
# What the template grants each kind (what each needs is the code's table,
# deploy_tool targets): elb, elbv2 and cloudfront serve
# a certificate imported into ACM; the iam target reads the load balancers
# so it never deletes a server certificate one still serves; the classic
# and v2 load balancer actions share one statement.
KIND_ACTIONS = {
    "acm": _ACM,
    "iam": {"iam:UploadServerCertificate", "iam:GetServerCertificate",
            "iam:DeleteServerCertificate", "iam:ListServerCertificates"} | _LB_READ,
    "elb": _ACM | _LB_READ | _LB_WRITE,
    "elbv2": _ACM | _LB_READ | _LB_WRITE,
    "cloudfront": _ACM | {"cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"},
}
DEPLOY_PREFIXES = ("acm:", "iam:", "elasticloadbalancing:", "cloudfront:")


def _executor_grants(tpl, targets):
    cfn = tpl["cfn"]
    ctx = _ctx(tpl, DeployTargets=targets)
    conds = _conditions(cfn, ctx)
    role = cfn["Resources"]["ExecutorRole"]["Properties"]
    out = []
    for st in role["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in st:
            st = _resolve_statement(st, conds)
            if st is None:
                continue
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        out.append((st, set(acts)))
    return out


def _resolve_statement(st, conds):
    cond, yes, no = st["Fn::If"]
    assert no == {"Ref": "AWS::NoValue"}
    return yes if conds[cond] else None


def _code_targets():
    """The deploy target table (src/deploy/deploy.c) as deploy_tool prints it:
    {kind: [IAM actions that kind needs]}."""
    tool = os.path.join(os.environ.get("AAA_BUILD", os.path.join(_REPO, "build")), "tools",
                        "deploy_tool")
    return json.loads(subprocess.run([tool, "targets"], capture_output=True, text=True,
                                     check=True, timeout=30).stdout)


def test_deploy_kinds_match_the_code():
    """The kinds of DeployTargets are the code's target kinds, and what the
    template grants a kind covers what the code's table says it needs (the
    classic and v2 load balancer actions share one statement, so a kind may
    be granted more); nothing is granted that no kind needs."""
    code = _code_targets()
    assert set(code) == set(KIND_ACTIONS)
    for kind, needs in code.items():
        assert set(needs) <= KIND_ACTIONS[kind], (kind, sorted(set(needs) - KIND_ACTIONS[kind]))
    assert set().union(*map(set, code.values())) == set().union(*KIND_ACTIONS.values())


@pytest.mark.parametrize("mask", range(32))
def test_deploy_permissions_follow_deploy_targets(tpl, mask):
    """Every combination of DeployTargets (32): the executor's deploy-target
    actions are exactly those of the kinds named, nothing for an empty list;
    the rest of its policy does not change."""
    kinds = [k for i, k in enumerate(sorted(KIND_ACTIONS)) if mask & (1 << i)]
    value = ",".join(kinds)
    assert accepts(tpl["cfn"]["Parameters"]["DeployTargets"], value)
    grants = _executor_grants(tpl, value)
    deploy = {a for _, acts in grants for a in acts if a.startswith(DEPLOY_PREFIXES)}
    want = set().union(*(KIND_ACTIONS[k] for k in kinds)) if kinds else set()
    assert deploy == want, (value, sorted(deploy ^ want))
    base = {a for _, acts in _executor_grants(tpl, "") for a in acts}
    assert {a for _, acts in grants for a in acts} - deploy == base


def test_every_deploy_action_of_the_table_belongs_to_a_kind():
    tool = os.path.join(os.environ.get("AAA_BUILD", os.path.join(_REPO, "build")), "tools",
                        "actions_tool")
    table = json.loads(subprocess.run([tool], capture_output=True, text=True, check=True,
                                      timeout=30).stdout)
    deploy = {r["iam"] for r in table if "executor" in r["callers"]
              and r["iam"].startswith(DEPLOY_PREFIXES)}
    assert deploy == set().union(*KIND_ACTIONS.values())


def test_acm_writes_only_certificates_aaa_tagged(tpl):
    """A new import must carry aaa's tag (the one src/deploy/acm.c sets), a
    re-import needs the certificate to carry it: ImportCertificate and
    AddTagsToCertificate are never granted without that condition, in the
    template and in deploy/policies/executor.json."""
    src = open(os.path.join(_REPO, "src", "deploy", "acm.c"), encoding="utf-8").read()
    key = re.search(r'tags\[0\]\.key = "([^"]+)"', src).group(1)
    val = re.search(r'tags\[0\]\.value = "([^"]+)"', src).group(1)
    assert (key, val) == ("aaa:managed-by", "aaa")
    doc = json.load(open(os.path.join(_REPO, "deploy", "policies", "executor.json")))
    for where, stmts in (("template", [st for st, _ in _executor_grants(tpl, "acm")]),
                         ("executor.json", doc["Statement"])):
        seen = set()
        for st in stmts:
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            writes = {"acm:ImportCertificate", "acm:AddTagsToCertificate"} & set(acts)
            if not writes:
                continue
            cond = st.get("Condition", {}).get("StringEquals", {})
            tagged = {k for k, v in cond.items() if v == val and k in (
                f"aws:RequestTag/{key}", f"aws:ResourceTag/{key}")}
            assert tagged, f"{where}: {sorted(writes)} without aaa's tag: {st}"
            seen |= {(a, t.split("/")[0]) for a in writes for t in tagged}
        assert ("acm:ImportCertificate", "aws:RequestTag") in seen, where
        assert ("acm:ImportCertificate", "aws:ResourceTag") in seen, where
        assert ("acm:AddTagsToCertificate", "aws:RequestTag") in seen, where
