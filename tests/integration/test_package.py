"""The self-contained Lambda zip (deploy/package.sh): its contents, and the
proof that it needs nothing from the host. The zip is unpacked into an
otherwise empty root (/var/task = the zip, /tmp, /dev/null, /dev/urandom,
/proc, and /bin/sh: Lambda's provided.al2023 has a shell, here a static
busybox) and the Lambda emulator starts its `bootstrap` there, in a mount
namespace with chroot (we are root). Every shared object the running runtime
has mapped must come from the zip's lib/."""
import hashlib
import importlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

emulator = importlib.import_module("tests.integration.lambda.emulator")

BUILD = os.environ.get("AAA_BUILD", os.path.join(_REPO, "build"))
AAA = os.path.abspath(os.environ.get("AAA_BIN", os.path.join(BUILD, "aaa")))
PACKAGE_SH = os.path.join(_REPO, "deploy", "package.sh")
BUSYBOX = "/bin/busybox"
LOADERS = ("ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1")
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret-not-real",
         "AWS_REGION": "us-east-1"}


def package(out, env=None, check=True):
    e = dict(os.environ)
    e.update({"AAA_BIN": AAA, "OUT": str(out)})
    e.update(env or {})
    p = subprocess.run(["sh", PACKAGE_SH], env=e, capture_output=True, text=True, timeout=300,
                       cwd=_REPO)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    if not os.access(AAA, os.X_OK):
        pytest.fail(f"{AAA} is not built (run `make`, or set AAA_BUILD/AAA_BIN)")
    out = tmp_path_factory.mktemp("pkg") / "aaa-lambda.zip"
    p = package(out)
    print(p.stdout.strip())
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        unpacked = sum(i.file_size for i in z.infolist())
    print(f"zip: {os.path.getsize(out)} bytes, {len(names)} files, {unpacked} bytes unpacked")
    return out


# Shared libraries the runtime must load: libcurl and libxml2 only when the
# binary links them dynamically (build/aaa, Debian's); `make package` links
# trimmed static builds of both (deploy/lambda-libs.sh).
BASE_LIBS = ("libc.so.6", "libssl.so.3", "libcrypto.so.3", "libcjson.so.1")
# What Debian's shared libcurl and libxml2 drag in; none belongs in a trimmed zip.
HEAVY = ("libcurl", "libxml2", "libicu", "libstdc++", "libgnutls", "libkrb5", "libldap",
         "libssh", "librtmp", "libnghttp2", "libidn2", "libbrotli", "libzstd", "libpsl",
         "libsasl2", "liblzma", "libunistring")
TARGET_BYTES = 5 * 1024 * 1024
# The trimmed build `make package` makes (deploy/sam.mk).
LAMBDA_AAA = os.path.abspath(os.environ.get("AAA_LAMBDA_BIN",
                                            os.path.join(_REPO, "build", "lambda", "aaa")))


def expected_libs(binary):
    direct = set(needed(binary))
    return BASE_LIBS + tuple(n for n in ("libcurl.so.4", "libxml2.so.2") if n in direct)


def trimmed(binary):
    """True when libcurl and libxml2 are linked into the binary statically."""
    return not {"libcurl.so.4", "libxml2.so.2"} & set(needed(binary))


# One entry point each of the libxml2 modules the trimmed build leaves out: XPath,
# XPointer, schemas, Relax-NG, Schematron, HTML, C14N, XInclude, reader, writer,
# regexps, patterns, DTD validation, catalogs.
LIBXML2_UNUSED = {"xmlXPathInit", "xmlXPtrNewContext", "xmlSchemaInitTypes", "xmlRelaxNGParse",
                  "xmlSchematronParse", "htmlReadMemory", "xmlC14NDocSave", "xmlXIncludeProcess",
                  "xmlTextReaderRead", "xmlNewTextWriter", "xmlRegexpCompile",
                  "xmlPatterncompile", "xmlValidateDocument", "xmlLoadCatalog"}


def defined_symbols(path):
    """Functions an unstripped ELF file defines (nm), to see what was linked in."""
    out = subprocess.run(["nm", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if len(line.split()) == 3}


def needed(path):
    """DT_NEEDED of one ELF file, read with readelf (independent of the loader's --list)."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True,
                         check=True).stdout
    return [line.split("[", 1)[1].split("]", 1)[0] for line in out.splitlines()
            if "(NEEDED)" in line]


def test_zip_layout_and_closure(zip_path, tmp_path):
    with zipfile.ZipFile(zip_path) as z:
        infos = {i.filename: i for i in z.infolist()}
        assert list(infos) == sorted(infos), "entries are not sorted"
        for name in ("bootstrap", "bin/aaa", "lib/libc.so.6", "certs/ca-bundle.crt"):
            assert name in infos, name
        loaders = [n for n in infos if n[4:] in LOADERS]
        assert loaders, "no dynamic loader in lib/"
        for name in ["bootstrap", "bin/aaa"] + loaders:
            mode = infos[name].external_attr >> 16
            assert mode & stat.S_IXUSR, f"{name} is not executable in the zip"
        assert all(i.date_time == infos["bootstrap"].date_time for i in infos.values())
        z.extractall(tmp_path)
    # bin/aaa is stripped, the bundle is PEM.
    syms = subprocess.run(["readelf", "-S", str(tmp_path / "bin/aaa")], capture_output=True,
                          text=True, check=True).stdout
    assert ".symtab" not in syms and ".debug_info" not in syms
    assert (tmp_path / "certs/ca-bundle.crt").read_text().count("BEGIN CERTIFICATE") > 50
    # Every DT_NEEDED of the binary and of every shipped library is in lib/.
    libs = set(os.listdir(tmp_path / "lib"))
    todo, seen = [str(tmp_path / "bin/aaa")], set()
    while todo:
        f = todo.pop()
        for n in needed(f):
            assert n in libs, f"{os.path.basename(f)} needs {n}, not in lib/"
            if n not in seen:
                seen.add(n)
                todo.append(str(tmp_path / "lib" / n))
    for lib in expected_libs(AAA):
        assert lib in seen, lib


def test_zip_size(zip_path):
    """Printed always; under the 5 MB target when libcurl and libxml2 are the
    trimmed static builds, under Lambda's 50 MB limit in any case."""
    size = os.path.getsize(zip_path)
    print(f"zip size: {size} bytes ({size / 1048576:.2f} MiB), "
          f"{'trimmed static' if trimmed(AAA) else 'Debian shared'} libcurl/libxml2")
    assert size < 50 * 1024 * 1024
    if trimmed(AAA):
        assert size < TARGET_BYTES, size


def test_zip_is_deterministic(zip_path, tmp_path):
    again = tmp_path / "again.zip"
    package(again)
    assert (hashlib.sha256(again.read_bytes()).hexdigest()
            == hashlib.sha256(zip_path.read_bytes()).hexdigest())


def test_missing_library_is_named(tmp_path):
    (tmp_path / "foo.c").write_text("int aaa_missing_foo(void) { return 1; }\n")
    (tmp_path / "main.c").write_text("int aaa_missing_foo(void);\n"
                                     "int main(void) { return aaa_missing_foo(); }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(tmp_path / "libaaamissing.so"),
                    str(tmp_path / "foo.c")], check=True)
    subprocess.run(["cc", "-o", str(tmp_path / "prog"), str(tmp_path / "main.c"),
                    "-L" + str(tmp_path), "-laaamissing"], check=True)
    os.unlink(tmp_path / "libaaamissing.so")
    p = package(tmp_path / "x.zip", env={"AAA_BIN": str(tmp_path / "prog")}, check=False)
    assert p.returncode != 0
    assert "libaaamissing.so" in p.stderr
    assert not (tmp_path / "x.zip").exists()


def test_missing_zip_tool_is_named(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("sh", "readelf", "strip", "sort", "touch", "sed", "cp", "mkdir", "mktemp",
                 "rm", "find", "chmod", "wc", "tr", "du", "cut", "ls", "head", "basename",
                 "dirname", "cat"):
        path = shutil.which(tool)
        if path:
            os.symlink(path, bindir / tool)
    p = package(tmp_path / "x.zip", env={"PATH": str(bindir)}, check=False)
    assert p.returncode != 0
    assert "missing tool 'zip'" in p.stderr


class EmptyRoot:
    """ROOT with only the zip at /var/task, /tmp, /dev/{null,urandom}, /proc, /bin/sh."""

    def __init__(self, base, zip_path, hosts=None, aaa=AAA):
        self.aaa = aaa
        self.root = base / "root"
        self.task = self.root / "var" / "task"
        self.task.mkdir(parents=True)
        for d in ("tmp", "dev", "proc", "bin"):
            (self.root / d).mkdir(exist_ok=True)
        os.chmod(self.root / "tmp", 0o1777)
        rename = ""
        if hosts:
            # Lambda has /etc/hosts (and resolv.conf); no nsswitch.conf here.
            (self.root / "etc").mkdir()
            (self.root / "etc" / "hosts").write_text(f"127.0.0.1 {hosts}\n")
            rename = (f'AWS_LAMBDA_RUNTIME_API="{hosts}:${{AWS_LAMBDA_RUNTIME_API##*:}}"\n'
                      "export AWS_LAMBDA_RUNTIME_API\n")
        for dev in ("null", "urandom"):
            (self.root / "dev" / dev).touch()
        shutil.copy(BUSYBOX, self.root / "bin" / "sh")
        with zipfile.ZipFile(zip_path) as z:
            for info in z.infolist():
                z.extract(info, self.task)
                os.chmod(self.task / info.filename, (info.external_attr >> 16) & 0o7777)
        # The emulator execs this host-side script: a private mount namespace
        # (mounts vanish with it), the devices and /proc bound in, then chroot
        # and exec /var/task/bootstrap. Every step execs, so the emulator's
        # process is the runtime and its kill reaches it.
        self.launcher = base / "launch"
        r = str(self.root)
        mount, chroot, unshare = (shutil.which(t, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
                                 for t in ("mount", "chroot", "unshare"))
        inner = (f"{mount} --bind /dev/null {r}/dev/null && "
                 f"{mount} --bind /dev/urandom {r}/dev/urandom && "
                 f"{mount} -t proc proc {r}/proc && "
                 f"exec {chroot} {r} /bin/sh -c 'cd /var/task && exec /var/task/bootstrap'")
        self.launcher.write_text(f"#!/bin/sh\n{rename}exec {unshare} --mount --propagation private "
                                 f"/bin/sh -c \"{inner}\"\n")
        os.chmod(self.launcher, 0o755)


@pytest.fixture
def empty_root(tmp_path, zip_path):
    if os.geteuid() != 0:
        pytest.skip("the empty-root run needs root (mount namespace and chroot)")
    if not os.access(BUSYBOX, os.X_OK):
        pytest.fail("needs a static /bin/sh for the empty root: apt-get install busybox-static")
    for tool in ("unshare", "chroot", "mount"):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            pytest.fail(f"{tool} not found (util-linux / coreutils)")
    return EmptyRoot(tmp_path, zip_path)


def test_runtime_loop_in_empty_root(empty_root):
    root = empty_root.root
    assert sorted(os.listdir(root)) == ["bin", "dev", "proc", "tmp", "var"]
    assert os.listdir(root / "bin") == ["sh"]
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        env = dict(CREDS)
        env["LAMBDA_TASK_ROOT"] = "/var/task"
        env["LAMBDA_RUNTIME_DIR"] = "/var/runtime"
        emu.add_function("aaa-pkg", str(empty_root.launcher), env=env, timeout=20.0,
                         task_root=str(empty_root.task))
        fn = emu.functions["aaa-pkg"]
        t0 = time.monotonic()
        inv = emu.invoke("aaa-pkg", {"action": "nope"})
        logs = "\n".join(line for _, _, line in fn.logs)
        assert inv.outcome == "error", (inv, logs)
        assert inv.error_type == "UnknownAction", (inv.error, logs)
        assert "nope" in inv.error.get("errorMessage", ""), inv.error
        print(f"cold start + first invoke in the empty root: "
              f"{(time.monotonic() - t0) * 1000:.0f} ms")

        # What the running runtime has loaded: the process is the loader
        # running bin/aaa in the chroot, and every mapped shared object is the
        # zip's (the host's /proc shows them by their paths outside the root).
        pid = fn.sandbox.proc.pid
        assert os.readlink(f"/proc/{pid}/root") == str(root)
        exe = os.readlink(f"/proc/{pid}/exe")
        assert exe.startswith(str(empty_root.task / "lib") + "/"), exe
        assert os.path.basename(exe) in LOADERS
        maps = open(f"/proc/{pid}/maps").read().split("\n")
        objs = {ln.split()[-1] for ln in maps
                if len(ln.split()) >= 6 and ".so" in ln.split()[-1]}
        assert objs, maps
        outside = [o for o in objs if not o.startswith(str(empty_root.task / "lib") + "/")]
        assert not outside, outside
        names = {os.path.basename(o) for o in objs}
        for lib in expected_libs(empty_root.aaa):
            assert lib in names, (lib, sorted(names))
        environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        assert b"SSL_CERT_FILE=/var/task/certs/ca-bundle.crt" in environ

        # The loop goes on: a second event of another kind on the warm sandbox.
        inv2 = emu.invoke("aaa-pkg", {"action": "nope-again"})
        assert inv2.error_type == "UnknownAction" and not inv2.cold_start
        assert fn.sandboxes == 1


def test_name_resolution_in_empty_root(tmp_path, zip_path, empty_root):
    """The Runtime API named by a host name from /etc/hosts: getaddrinfo in the
    bundled glibc resolves it without /etc/nsswitch.conf or any libnss_*.so
    (glibc 2.34+ has files and dns built in), as it must for AWS endpoints."""
    assert not [n for n in os.listdir(empty_root.task / "lib") if n.startswith("libnss_")]
    named = EmptyRoot(tmp_path / "named", zip_path, hosts="runtime.aaa.test")
    assert sorted(os.listdir(named.root / "etc")) == ["hosts"]
    with emulator.LambdaEmulator() as emu:
        emu.add_function("aaa-named", str(named.launcher), env=dict(CREDS), timeout=20.0,
                         task_root=str(named.task))
        fn = emu.functions["aaa-named"]
        inv = emu.invoke("aaa-named", {"action": "nope"})
        logs = "\n".join(line for _, _, line in fn.logs)
        assert inv.error_type == "UnknownAction", (inv, logs)
        environ = open(f"/proc/{fn.sandbox.proc.pid}/environ", "rb").read().split(b"\0")
        assert any(e.startswith(b"AWS_LAMBDA_RUNTIME_API=runtime.aaa.test:") for e in environ)


def test_trimmed_zip_under_target_in_empty_root(tmp_path):
    """The zip `make package` ships: from build/lambda/aaa (or AAA_LAMBDA_BIN),
    under 5 MB, none of the libraries Debian's libcurl and libxml2 pull in,
    and it runs in the empty root like the other one."""
    if not os.access(LAMBDA_AAA, os.X_OK):
        pytest.skip(f"{LAMBDA_AAA} is not built (make package, or make lambda-bin)")
    if os.geteuid() != 0 or not os.access(BUSYBOX, os.X_OK):
        pytest.skip("the empty-root run needs root and busybox-static")
    out = tmp_path / "small.zip"
    package(out, env={"AAA_BIN": LAMBDA_AAA, "MAX_BYTES": str(TARGET_BYTES)})
    size = os.path.getsize(out)
    print(f"trimmed zip: {size} bytes ({size / 1048576:.2f} MiB)")
    assert size < TARGET_BYTES
    assert trimmed(LAMBDA_AAA)
    with zipfile.ZipFile(out) as z:
        libs = [n[4:] for n in z.namelist() if n.startswith("lib/")]
    assert not [n for n in libs if n.startswith(HEAVY)], libs
    # libxml2 is the parser, tree and serializer only (deploy/lambda-libs.sh): none
    # of the features aaa does not use is linked in, so nothing needs libm either.
    unused = [s for s in defined_symbols(LAMBDA_AAA) if s in LIBXML2_UNUSED]
    assert not unused, f"{LAMBDA_AAA} links libxml2 features aaa does not use: {unused}"
    assert "libm.so.6" not in needed(LAMBDA_AAA) and "libm.so.6" not in libs, libs
    root = EmptyRoot(tmp_path / "e", out, aaa=LAMBDA_AAA)
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        emu.add_function("aaa-small", str(root.launcher), env=dict(CREDS), timeout=20.0,
                         task_root=str(root.task))
        fn = emu.functions["aaa-small"]
        inv = emu.invoke("aaa-small", {"action": "nope"})
        logs = "\n".join(line for _, _, line in fn.logs)
        assert inv.error_type == "UnknownAction", (inv, logs)
        maps = open(f"/proc/{fn.sandbox.proc.pid}/maps").read().split("\n")
        objs = {ln.split()[-1] for ln in maps if len(ln.split()) >= 6 and ".so" in ln.split()[-1]}
        assert all(o.startswith(str(root.task / "lib") + "/") for o in objs), objs
        assert {os.path.basename(o) for o in objs} >= set(BASE_LIBS)


LAMBDA_LIBS_SH = os.path.join(_REPO, "deploy", "lambda-libs.sh")


def test_lambda_libs_names_what_is_missing(tmp_path):
    """deploy/lambda-libs.sh (make package) on a machine without a tool or
    without the source packages says which, and how to get it."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("sh", "cc", "make", "pkg-config", "mkdir", "ls", "cat", "sort", "tail",
                 "basename", "rm", "touch", "find"):
        path = shutil.which(tool)
        if path:
            os.symlink(path, bindir / tool)
    env = dict(os.environ, PATH=str(bindir))
    p = subprocess.run(["sh", LAMBDA_LIBS_SH, str(tmp_path / "libs")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "missing tool 'dpkg-source'" in p.stderr and "dpkg-dev" in p.stderr, p.stderr
    # No source packages and no apt-get: the message says where to put them.
    os.symlink(shutil.which("dpkg-source"), bindir / "dpkg-source")
    p = subprocess.run(["sh", LAMBDA_LIBS_SH, str(tmp_path / "libs")],
                       env=dict(env, SRC_DIR=str(tmp_path / "empty")), capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0
    assert "no apt-get" in p.stderr and "SRC_DIR" in p.stderr, p.stderr


def test_full_issuance_in_empty_root(tmp_path, stack, aws, aws_resources, aaa):
    """The issue's proof: the zip `make package` ships (or the one from
    AAA_BUILD when that is not built), unpacked into the empty root, issues a
    certificate through the Lambda emulator: ACME over HTTPS to pebble, DNS-01
    in Route53, the store in S3 with SSE-KMS, all from the zip's own loader
    and libraries. Only 127.0.0.1 addresses, so no resolver is needed."""
    if os.geteuid() != 0 or not os.access(BUSYBOX, os.X_OK):
        pytest.skip("the empty-root run needs root and busybox-static")
    binary = LAMBDA_AAA if os.access(LAMBDA_AAA, os.X_OK) else AAA
    out = tmp_path / "aaa-lambda.zip"
    package(out, env={"AAA_BIN": binary})
    print(f"issuing from {binary} ({os.path.getsize(out)} bytes zipped)")
    root = EmptyRoot(tmp_path / "e", out, aaa=binary)
    shutil.copy(stack.ca_bundle, root.root / "tmp" / "stack-ca.pem")

    reg = aaa("reg", "--email", "ops@example.com", "--agree", "--s3-bucket",
              aws_resources["bucket"], "--s3-kms-key", aws_resources["kms_key_arn"])
    assert reg.returncode == 0, reg.stderr
    env = dict(aws.env())
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AAA_CA_BUNDLE": "/tmp/stack-ca.pem",
                "AAA_DIRECTORY": stack.pebble.directory_url, "AAA_EMAIL": "ops@example.com",
                "AAA_S3_BUCKET": aws_resources["bucket"],
                "AAA_S3_KMS_KEY": aws_resources["kms_key_arn"]})
    name = f"www.{aws_resources['zone']}"
    with emulator.LambdaEmulator(retry_delays=(0.05, 0.05)) as emu:
        emu.add_function("aaa-executor", str(root.launcher), env=env, timeout=120.0,
                         task_root=str(root.task), handler="executor")
        fn = emu.functions["aaa-executor"]
        inv = emu.invoke("aaa-executor", {"action": "cert", "names": [name], "key_type": "ec256"})
        logs = "\n".join(line for _, _, line in fn.logs)
        assert inv.outcome == "success", (inv.error, logs[-3000:])
        res = json.loads(inv.result_body())
        assert res["state"] == "done", (res, logs[-3000:])
        pid = fn.sandbox.proc.pid
        assert os.readlink(f"/proc/{pid}/root") == str(root.root)
        maps = open(f"/proc/{pid}/maps").read().split("\n")
        objs = {ln.split()[-1] for ln in maps if len(ln.split()) >= 6 and ".so" in ln.split()[-1]}
        assert all(o.startswith(str(root.task / "lib") + "/") for o in objs), objs
    head = aws.client("s3").head_object(Bucket=aws_resources["bucket"],
                                        Key=f"aaa-data/v1/certs/{name}/fullchain.pem")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert sorted(os.listdir(root.root)) == ["bin", "dev", "proc", "tmp", "var"]
