#!/bin/sh
# `make demo`: the original Go aaa's flow, end to end, with the real binary on
# the local stack (all on 127.0.0.1): pebble as the CA, moto_server as AWS
# (S3 + KMS + Route53) behind a SigV4-verifying proxy, and a DNS server that
# answers pebble from moto's Route53. It registers an account, issues one
# certificate for two names with DNS-01, lists it, syncs it into a folder,
# and shows it as openssl sees it. Then the same stack runs the three Lambda
# functions in the Lambda emulator (tests/demo_lambda.py): `aws lambda
# invoke`, a signed Slack command whose result reaches a local response_url,
# and a scheduled pass that renews a due certificate. Everything it starts is
# stopped at the end; it exits 0 only if every step worked.
set -eu

cd "$(dirname "$0")/.."
AAA=${AAA_BIN:-build/aaa}
ZIP=${AAA_LAMBDA_ZIP:-build/aaa-lambda.zip}
t0=$(date +%s)
WORK=$(mktemp -d /tmp/aaa-demo.XXXXXX)
ENVF="$WORK/stack.env"
ZONE=demo.example.test
started=0

cleanup() {
	rc=$?
	if [ "$started" = 1 ]; then
		/usr/bin/python3 -m tests.integration.stack down --env-file "$ENVF" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
	if [ "$rc" = 0 ]; then
		echo "demo: OK ($(($(date +%s) - t0)) s)"
	else
		echo "demo: FAILED (exit $rc)" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT INT TERM

step() { printf '\n=== %s\n' "$*"; }

step "starting the local stack (pebble, moto_server, DNS) on 127.0.0.1"
/usr/bin/python3 -m tests.integration.stack up --background --env-file "$ENVF" \
	--bucket aaa-demo --kms-alias alias/aaa-demo --zone "$ZONE"
started=1
# shellcheck disable=SC1090
. "$ENVF"
export HOME="$WORK/home" AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME"
echo "bucket s3://$AAA_S3_BUCKET, KMS key $AAA_S3_KMS_KEY, zone $AAA_STACK_ZONES"
echo "CA directory $AAA_DIRECTORY"

step "aaa reg --email admin@$ZONE --agree"
"$AAA" reg --email "admin@$ZONE" --agree --s3-bucket "$AAA_S3_BUCKET" --s3-kms-key "$AAA_S3_KMS_KEY"

step "aaa cert --cn $ZONE --domain www.$ZONE"
"$AAA" cert --cn "$ZONE" --domain "www.$ZONE" --s3-bucket "$AAA_S3_BUCKET" \
	--s3-kms-key "$AAA_S3_KMS_KEY" >"$WORK/cert.json"
cat "$WORK/cert.json"

step "aaa ls"
"$AAA" ls --s3-bucket "$AAA_S3_BUCKET" --s3-kms-key "$AAA_S3_KMS_KEY"

step "aaa sync --domain $ZONE --dir $WORK/tls"
"$AAA" sync --domain "$ZONE" --dir "$WORK/tls" --s3-bucket "$AAA_S3_BUCKET" \
	--s3-kms-key "$AAA_S3_KMS_KEY" --post-hook 'echo "post hook: new certificate in $AAA_SYNC_DIR"'
ls -l "$WORK/tls"
[ "$(stat -c %a "$WORK/tls/privkey.pem")" = 600 ] || { echo "privkey.pem is not 0600" >&2; exit 1; }

step "the certificate as openssl sees it"
openssl x509 -in "$WORK/tls/cert.pem" -noout -subject -issuer -dates -ext subjectAltName
openssl x509 -in "$WORK/tls/cert.pem" -noout -ext subjectAltName | grep -q "DNS:www.$ZONE"
# The key on disk matches the certificate.
[ "$(openssl x509 -in "$WORK/tls/cert.pem" -noout -pubkey | openssl sha256)" = \
  "$(openssl pkey -in "$WORK/tls/privkey.pem" -pubout | openssl sha256)" ]
echo "the private key matches the certificate"

# The Lambda half runs the zip `make package` built when it is newer than
# build/aaa (so built from the same sources); otherwise build/aaa under the
# same bootstrap, as the integration tests do.
if [ -f "$ZIP" ] && [ -n "$(find "$ZIP" -newer "$AAA" 2>/dev/null)" ]; then
	set -- --zip "$ZIP"
else
	set -- --binary "$AAA"
fi
/usr/bin/python3 -m tests.demo_lambda --env-file "$ENVF" --zone "$ZONE" --work "$WORK" "$@"
