"""`make demo`, second half: the three Lambda functions on the stack the CLI half used.

    /usr/bin/python3 -m tests.demo_lambda --env-file STACK_ENV --zone ZONE --work DIR \
        (--zip build/aaa-lambda.zip | --binary build/aaa)

The executor, the scheduler and the dispatcher run in the Lambda emulator
(tests/integration/lambda/emulator.py: the Runtime API each `bootstrap` polls,
the Invoke API `aws lambda invoke` and aaa's own invocations call), from the
unpacked zip, or from --binary under the same `bootstrap` (the task root the
integration tests use) when no up-to-date zip is there. They run on the same
stack (pebble, moto, DNS) with the CLI half's KMS key and a bucket of their
own, as after a new `sam deploy`: the whole setup is `aws lambda invoke`.

Steps, each printed, each checked (exit 1 at the first that fails):
  1. `aws s3api create-bucket` (the stack's bucket), then `aws lambda invoke`
     the executor with {"action": "reg"}: the CA's terms URL, nothing
     registered; then with "agree": true: the account;
  2. Slack: the signing secret encrypted with `aws kms encrypt` (as the
     deployment guide does), a signed `/letsencrypt cert api.ZONE` POSTed to an
     API Gateway front of the dispatcher, which answers at once and hands the
     job to the executor (an Event invocation); the executor issues the
     certificate and posts the result to a local response_url; the same POST
     without the signature gets 401;
  3. `aws lambda invoke` the executor with {"action": "ls"}: the certificate;
  4. `aws lambda invoke` the executor with {"action": "revoke", "reason":
     "keyCompromise"} for that certificate: a revoked certificate is due at once;
  5. a scheduled event (what EventBridge sends) to the scheduler: it finds the
     due certificate and has the executor renew it; the new serial is shown.
"""

import argparse
import hashlib
import hmac
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from tests.integration.stack.__main__ import read_env_file
from tests.integration.stack.recorder import ResponseUrlServer

emulator = importlib.import_module("tests.integration.lambda.emulator")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "demo-signing-secret-" + os.urandom(8).hex()


class DemoError(Exception):
    pass


def step(text):
    print(f"\n=== {text}", flush=True)


def check(cond, what):
    if not cond:
        raise DemoError(what)


def task_root(work, zip_path, binary):
    """The folder the functions run from: the unpacked zip, or bootstrap + bin/aaa."""
    root = os.path.join(work, "task")
    os.makedirs(root)
    if zip_path:
        subprocess.run(["unzip", "-q", zip_path, "-d", root], check=True)
        print(f"task root: {zip_path} unpacked ({os.path.getsize(zip_path)} bytes): "
              f"{', '.join(sorted(os.listdir(root)))}")
    else:
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "lib"))
        shutil.copy(os.path.join(REPO, "bootstrap"), os.path.join(root, "bootstrap"))
        os.symlink(os.path.abspath(binary), os.path.join(root, "bin", "aaa"))
        print(f"task root: bootstrap + {binary} (no up-to-date build/aaa-lambda.zip; "
              "`make package` builds it and the next demo runs it)")
    return root


def aws(stack, home, *args):
    """Debian's aws CLI against the stack (the verifying proxy in front of moto)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true"}
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION",
              "AWS_ENDPOINT_URL"):
        env[k] = stack[k]
    # Debian 12's aws CLI predates AWS_ENDPOINT_URL: the endpoint goes on the line.
    p = subprocess.run(["/usr/bin/aws", "--endpoint-url", stack["AWS_ENDPOINT_URL"], *args],
                       env=env, capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise DemoError(f"aws {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def invoke(emu, home, name, payload):
    """`aws lambda invoke` of one function; prints the command and the answer."""
    text = json.dumps(payload)
    print(f"$ aws lambda invoke --function-name {name} --payload '{text}' out.json")
    meta, body = emulator.aws_cli_invoke(emu.url, home, name, text)
    out = json.loads(body) if body.strip() else None
    check("FunctionError" not in meta, f"{name} failed: {body}")
    return out


def show(doc, keys):
    print(json.dumps({k: doc[k] for k in keys if k in doc}, indent=1))


def slack_form(text, response_url):
    return urllib.parse.urlencode({
        "token": "unused", "team_id": "T0DEMO", "team_domain": "demo", "channel_id": "C0DEMO",
        "channel_name": "ops", "user_id": "U0DEMO", "user_name": "demo",
        "command": "/letsencrypt", "text": text, "api_app_id": "A0DEMO",
        "response_url": response_url, "trigger_id": "demo.1"}).encode()


def slack_sign(body):
    """Slack's v0 signature over the timestamp and the body (what Slack sends)."""
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded"}


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=35) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def executor_results(emu, since):
    return [json.loads(i.result_body()) for i in emu.invocations[since:]
            if i.function == "aaa-executor" and i.ok]


def run(args):
    stack = read_env_file(args.env_file)
    home = os.path.join(args.work, "lambda-home")
    os.makedirs(home, exist_ok=True)
    step("Lambda: the executor, the scheduler and the dispatcher in the Lambda emulator")
    root = task_root(args.work, args.zip, args.binary)
    base = {k: stack[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                                  "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AAA_DIRECTORY",
                                  "AAA_CA_BUNDLE", "AAA_S3_KMS_KEY")}
    zone = args.zone
    name = f"api.{zone}"
    bucket = stack["AAA_S3_BUCKET"] + "-lambda"
    base.update({"AWS_EC2_METADATA_DISABLED": "true", "AAA_S3_BUCKET": bucket,
                 "AAA_EMAIL": f"ops@{zone}"})

    with ResponseUrlServer() as slack, emulator.LambdaEmulator() as emu:
        boot = os.path.join(root, "bootstrap")
        executor_env = dict(base, AAA_SLACK_RESPONSE_URL_PREFIX=slack.url + "/")
        emu.add_function("aaa-executor", boot, env=executor_env, timeout=300,
                         handler="executor")
        emu.add_function("aaa-scheduler", boot, timeout=60, handler="scheduler",
                         env=dict(base, AAA_EXECUTOR_FUNCTION="aaa-executor"))
        print(f"Invoke API {emu.url}; functions aaa-executor, aaa-scheduler, aaa-dispatcher; "
              f"KMS key {stack['AAA_S3_KMS_KEY']}, AAA_EMAIL={base['AAA_EMAIL']}")
        print(f"$ aws s3api create-bucket --bucket {bucket}")
        aws(stack, home, "s3api", "create-bucket", "--bucket", bucket)

        step("aws lambda invoke aaa-executor: reg (the ACME account, with no local aaa)")
        rg = invoke(emu, home, "aaa-executor", {"action": "reg"})
        show(rg, ("state", "terms_url", "message"))
        check(rg.get("state") == "terms_not_agreed" and rg.get("terms_url"),
              f"reg without agree: {rg}")
        rg = invoke(emu, home, "aaa-executor", {"action": "reg", "agree": True})
        show(rg, ("state", "account"))
        check(rg.get("state") == "done" and (rg.get("account") or {}).get("url"),
              f"reg: {rg}")

        step("Slack: the signing secret as KMS ciphertext (aws kms encrypt), the dispatcher "
             "behind an API Gateway front")
        plain = os.path.join(args.work, "signing-secret")
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(SECRET)
        print(f"$ aws kms encrypt --key-id {stack['AAA_S3_KMS_KEY']} "
              "--plaintext fileb://signing-secret --query CiphertextBlob --output text")
        blob = aws(stack, home, "kms", "encrypt", "--key-id", stack["AAA_S3_KMS_KEY"],
                   "--plaintext", f"fileb://{plain}", "--query", "CiphertextBlob",
                   "--output", "text").strip()
        os.unlink(plain)
        emu.add_function("aaa-dispatcher", boot, timeout=10, handler="dispatcher", env=dict(
            base, AAA_SLACK_SIGNING_SECRET=blob, AAA_EXECUTOR_FUNCTION="aaa-executor",
            AAA_ALLOWED_DOMAINS=f"*.{zone}",
            AAA_SLACK_RESPONSE_URL_PREFIX=slack.url + "/"))

        response_url = slack.url + "/commands/T0DEMO/1/demo"
        with emulator.ApiGateway(emu, "aaa-dispatcher") as gw:
            step(f"Slack: /letsencrypt cert {name} (signed POST to {gw.url}/slack)")
            body = slack_form(f"cert {name}", response_url)
            since = len(emu.invocations)
            status, ack = post(gw.url + "/slack", body, slack_sign(body))
            print(f"HTTP {status}: {json.dumps(ack)}")
            check(status == 200 and isinstance(ack, dict), f"the dispatcher answered {status}")
            unsigned = post(gw.url + "/slack", body,
                            {"Content-Type": "application/x-www-form-urlencoded"})[0]
            print(f"the same POST without Slack's signature: HTTP {unsigned}")
            check(unsigned == 401, f"an unsigned request got {unsigned}, not 401")
        emu.wait_idle(timeout=240)
        results = executor_results(emu, since)
        check(results and results[-1].get("state") == "done",
              f"the executor did not issue the certificate: {results}")
        issued = results[-1]
        msgs = slack.messages()
        check(msgs, "nothing was posted to the response_url")
        final = msgs[-1]
        text = json.dumps(final.get("blocks", []))
        print(f"response_url got {len(msgs)} message(s); the last one "
              f"({final.get('response_type')}): {final.get('text', '')}")
        check(name in text and issued["cert"]["serial"] in text,
              "the response_url message does not name the certificate")
        print(f"issued: {name}, serial {issued['cert']['serial']}, "
              f"not after {issued['cert'].get('not_after')}")

        step("aws lambda invoke aaa-executor: ls")
        ls = invoke(emu, home, "aaa-executor", {"action": "ls"})
        domains = []
        for acct in ls or []:
            print(f"account {acct.get('account')} ({acct.get('email')})")
            for d in acct.get("domains", []):
                c = d.get("certificate") or {}
                domains.append(d.get("domain"))
                print(f"  {d.get('domain')}: {' '.join(c.get('san', []))}, serial "
                      f"{c.get('serial')}, {c.get('key_type')}, not after {c.get('not_after')}")
        check(name in domains, f"the executor's ls does not list {name}: {ls}")

        step(f"aws lambda invoke aaa-executor: revoke {name} (keyCompromise): "
             "a revoked certificate is due for renewal at once")
        rv = invoke(emu, home, "aaa-executor",
                    {"action": "revoke", "name": name, "reason": "keyCompromise"})
        show(rv, ("action", "state", "names"))
        check(rv.get("state") == "done", f"revoke: {rv}")

        step("EventBridge's scheduled event to aaa-scheduler: renew what is due")
        since = len(emu.invocations)
        emu.fire_scheduled_event("aaa-scheduler")
        emu.wait_idle(timeout=240)
        sched = [json.loads(i.result_body()) for i in emu.invocations[since:]
                 if i.function == "aaa-scheduler"]
        check(sched, "the scheduler did not run")
        show(sched[-1], ("checked", "renewing", "redeploying", "skipped"))
        check(name in sched[-1].get("renewing", []), f"the scheduler did not renew {name}")
        renewed = [r for r in executor_results(emu, since) if r.get("state") == "done"]
        check(renewed, "the executor did not renew the certificate")
        new = renewed[-1]["cert"]["serial"]
        check(new != issued["cert"]["serial"], "the renewal kept the old serial")
        print(f"renewed: {name}, serial {issued['cert']['serial']} -> {new}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env-file", required=True)
    p.add_argument("--zone", required=True)
    p.add_argument("--work", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--zip")
    g.add_argument("--binary")
    args = p.parse_args()
    try:
        run(args)
    except DemoError as e:
        print(f"demo (Lambda): {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
