"""Run Debian's real AWS CLI (/usr/bin/aws, v2) against the stack.

The `aws` first on PATH is the image's Python v1; tests name /usr/bin/aws.
CLI 2.9 predates AWS_ENDPOINT_URL, so the endpoint goes on the command line.
HOME and the config files point at nothing, so a developer's ~/.aws never
leaks into a test.
"""

import json
import os
import subprocess

AWS_CLI = os.environ.get("AAA_AWS_CLI", "/usr/bin/aws")


class AwsCli:
    """aws_cli("s3api", "list-buckets") -> CompletedProcess; .json(...) -> parsed output."""

    def __init__(self, endpoint_url, env, home):
        self.endpoint_url = endpoint_url
        self.env = {k: v for k, v in os.environ.items()
                    if k in ("PATH", "LANG", "LC_ALL", "TZ")}
        self.env.update(env)
        self.env.pop("AWS_ENDPOINT_URL", None)
        self.env.update({
            "HOME": str(home),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_MAX_ATTEMPTS": "1",
        })

    def __call__(self, *args, env=None, check=False, timeout=60, input=None):
        e = dict(self.env)
        e.update(env or {})
        argv = [AWS_CLI, "--endpoint-url", self.endpoint_url, "--output", "json", *args]
        p = subprocess.run(argv, env=e, capture_output=True, text=True, timeout=timeout,
                           input=input)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def json(self, *args, **kw):
        """Run, require success, return the parsed JSON output ({} when empty)."""
        p = self(*args, check=True, **kw)
        return json.loads(p.stdout) if p.stdout.strip() else {}
