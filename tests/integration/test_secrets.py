"""Secret hygiene: the main scenarios run with every output captured, then scanned.

Scenarios: `aaa reg` with EAB at a pebble that requires it, `aaa cert`, `aaa sync`,
`aaa ls`, `aaa doctor`, a registration with a KMS account key that does not exist
(a failure path), and the executor in the Lambda emulator (cert, status, a bad
event). The AWS credentials carry a session token.

Captured: every stdout and stderr line, every Lambda response and error body and
log line, and every file written outside the store (HOME, the sync directory
except its privkey.pem, which is the point of sync). Scanned for: the account
and certificate private keys (each PEM body line, the whole base64 body, and
the base64url private scalar as a JWK would carry it), the EAB HMAC key, the AWS
secret access key and the session token. None may appear. Key files are 0600.
"""
import base64
import importlib
import json
import os
import stat
import sys
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.integration.stack.pebble import make_eab_key  # noqa: E402

emulator = importlib.import_module("tests.integration.lambda.emulator")


SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN" + uuid.uuid4().hex


def _b64url(n, size):
    return base64.urlsafe_b64encode(n.to_bytes(size, "big")).rstrip(b"=").decode()


def _key_needles(pem_bytes, label):
    """Strings that would betray a private key: PEM body lines (>= 40 chars), the
    whole body, and the private scalar/exponent in base64url (JWK 'd')."""
    key = serialization.load_pem_private_key(pem_bytes, None)
    out = {}
    # The stored text and the other usual encodings of the same key (PKCS#8,
    # SEC1/PKCS#1): a leak in any of them is caught.
    texts = [pem_bytes.decode()] + [
        key.private_bytes(serialization.Encoding.PEM, fmt,
                          serialization.NoEncryption()).decode()
        for fmt in (serialization.PrivateFormat.PKCS8,
                    serialization.PrivateFormat.TraditionalOpenSSL)]
    for n, text in enumerate(texts):
        body = [ln for ln in text.splitlines() if ln and not ln.startswith("-----")]
        out.update({f"{label} PEM line {n}.{i}": ln for i, ln in enumerate(body)
                    if len(ln) >= 40})
        out[f"{label} base64 body {n}"] = "".join(body)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = (key.curve.key_size + 7) // 8
        out[f"{label} d"] = _b64url(key.private_numbers().private_value, size)
        out[f"{label} d hex"] = key.private_numbers().private_value.to_bytes(size, "big").hex()
    elif isinstance(key, rsa.RSAPrivateKey):
        nums = key.private_numbers()
        out[f"{label} d"] = _b64url(nums.d, (key.key_size + 7) // 8)[:60]
    return out


def _walk_files(root, skip):
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if any(p == s or p.startswith(s + os.sep) for s in skip):
                continue
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                yield p, fh.read().decode("utf-8", "replace")


def test_no_secret_in_any_output(stack, aaa, aws, aws_resources, pebble_factory, tmp_path,
                                 task_root):
    hmac_key = make_eab_key()
    p = pebble_factory(eab_required=True, eab_keys={"kid-secrets": hmac_key})
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = stack.aaa_env(home, pebble=p)
    env["AWS_SESSION_TOKEN"] = SESSION_TOKEN
    store_dir = tmp_path / "store"
    store = ["--store", f"file://{store_dir}"]
    zone = aws_resources["zone"]
    name = f"s.{zone}"
    outputs = []  # (where, text)

    def run(*args, ok=True):
        r = aaa(*args, env=env)
        outputs.append((f"aaa {' '.join(args[:2])} stdout", r.stdout))
        outputs.append((f"aaa {' '.join(args[:2])} stderr", r.stderr))
        if ok:
            assert r.returncode == 0, f"{args}: {r.stdout}\n{r.stderr}"
        return r

    run("reg", "--email", "sec@example.test", "--agree", "--eab-kid", "kid-secrets",
        "--eab-hmac-key", hmac_key, *store)
    run("cert", "--cn", name, *store)
    run("ls", *store)
    sync_dir = tmp_path / "tls"
    run("sync", "--domain", name, "--dir", str(sync_dir), *store)
    run("doctor", "--s3-bucket", aws_resources["bucket"], "--s3-kms-key",
        aws_resources["kms_key_id"], "--domain", name, "--json")
    bad = run("reg", "--email", "sec2@example.test", "--agree", "--eab-kid", "kid-secrets",
              "--eab-hmac-key", hmac_key, "--account-key", "kms:alias/does-not-exist",
              "--store", f"file://{tmp_path}/store2", ok=False)
    assert bad.returncode == 1, bad.stderr

    # The executor in the emulator, on the same store and CA.
    fenv = dict(env)
    fenv.pop("HOME", None)
    fenv["AAA_STORE"] = f"file://{store_dir}"
    with emulator.LambdaEmulator() as emu:
        fn = emu.add_function("executor", str(task_root / "bootstrap"), env=fenv, timeout=120,
                              handler="executor")
        for payload in ({"action": "cert", "names": [f"x.{zone}"], "create_key": True},
                        {"action": "status", "name": name}, {"action": "ls"},
                        {"action": "cert"}, b"{broken"):
            inv = emu.invoke("executor", payload)
            outputs.append((f"lambda {payload!r:.40} answer", inv.result_body().decode()))
        first = json.loads(emu.invocations[0].result_body())
        assert first["state"] == "done", first
        outputs += [(f"lambda log {s}", ln) for _, s, ln in fn.logs]

    # Files written outside the store (the sync directory's key is its purpose).
    for path, text in _walk_files(str(tmp_path), skip=[str(store_dir), str(task_root),
                                                       str(sync_dir / "privkey.pem")]):
        outputs.append((f"file {path}", text))

    # What must never appear.
    v1 = store_dir / "aaa-data" / "v1"
    acct_keys = list(v1.glob("accounts/*/*/key.pem"))
    cert_keys = [v1 / "certs" / name / "privkey.pem", v1 / "certs" / f"x.{zone}" / "privkey.pem"]
    assert acct_keys and all(k.exists() for k in cert_keys), list(v1.rglob("*.pem"))
    needles = {"EAB HMAC key": hmac_key,
               "AWS secret access key": env["AWS_SECRET_ACCESS_KEY"],
               "AWS session token": SESSION_TOKEN}
    for i, k in enumerate(acct_keys):
        needles.update(_key_needles(k.read_bytes(), f"account key {i}"))
    for k in cert_keys:
        needles.update(_key_needles(k.read_bytes(), f"certificate key {k.parent.name}"))

    # A PEM line of an EC key can hold only public bytes (the point), which the
    # certificate carries too: such lines are not secrets.
    public = "".join(f.read_text() for f in v1.rglob("*.pem") if f.name != "privkey.pem"
                     and f.name != "key.pem")
    needles = {k: v for k, v in needles.items() if not (" PEM line" in k and v in public)}
    found = [(what, where) for what, needle in needles.items() for where, text in outputs
             if needle and needle in text]
    scanned = sum(len(t) for _, t in outputs)
    print(f"\nsecrets: {len(needles)} secrets x {len(outputs)} outputs ({scanned} bytes): "
          f"{len(found)} found")
    assert found == [], found
    # The scan would see a key if one leaked: the sync directory's own copy
    # (left out above on purpose) is found by the same needles.
    synced = (sync_dir / "privkey.pem").read_text()
    assert any(v in synced for k, v in needles.items() if k.startswith("certificate key s.")), \
        "the needles do not match the key they were made from"

    # Key files are 0600: in the store and where sync put them.
    for k in acct_keys + cert_keys + [sync_dir / "privkey.pem"]:
        mode = stat.S_IMODE(os.stat(k).st_mode)
        assert mode == 0o600, f"{k}: {oct(mode)}"
