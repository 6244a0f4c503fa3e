"""The include-direction check that `make lint` runs first
(tests/check_includes.sh; the layers are in docs/architecture.md): the tree
passes, and a deliberately upward include fails it with the file, the line
and the include named."""
import os
import shutil
import subprocess

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(_REPO, "tests", "check_includes.sh")


def run(root):
    return subprocess.run(["sh", SCRIPT, root], capture_output=True, text=True, timeout=60)


def copy_tree(tmp_path):
    for d in ("src", "runtime"):
        shutil.copytree(os.path.join(_REPO, d), tmp_path / d,
                        ignore=shutil.ignore_patterns("*.o", "*.d"))
    return tmp_path


def test_the_tree_passes():
    r = run(_REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


def test_make_lint_runs_it_first():
    # --no-print-directory: under make test (MAKELEVEL > 0) make would print
    # "Entering directory" first.
    r = subprocess.run(["make", "--no-print-directory", "-n", "lint"], cwd=_REPO,
                       capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "sh tests/check_includes.sh"


def test_an_upward_include_fails_naming_file_and_include(tmp_path):
    root = copy_tree(tmp_path)
    target = root / "src" / "aws" / "s3.c"
    lines = target.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("#include \""))
    lines.insert(at + 1, '#include "agent/agent.h"\n')
    target.write_text("".join(lines))
    r = run(str(root))
    assert r.returncode == 1
    assert r.stdout.strip() == (f'src/aws/s3.c:{at + 2}: includes "agent/agent.h": '
                                "aws (layer 3) may not include agent (layer 5)")


def test_a_sideways_include_and_a_library_out_of_place_fail(tmp_path):
    root = copy_tree(tmp_path)
    (root / "src" / "dns" / "x.c").write_text('#include "store/store.h"\n#include <curl/curl.h>\n'
                                          '#include <openssl/evp.h>\n')
    r = run(str(root))
    assert r.returncode == 1
    assert ('src/dns/x.c:1: includes "store/store.h": dns (layer 4) may not include store '
            "(layer 4)") in r.stdout
    assert "src/dns/x.c:2: #include <curl/curl.h>: only src/http/ uses libcurl" in r.stdout
    assert "src/dns/x.c:3: #include <openssl/evp.h>: only src/crypto/ uses OpenSSL" in r.stdout


def test_a_new_folder_must_be_given_a_layer(tmp_path):
    root = copy_tree(tmp_path)
    (root / "src" / "newroom").mkdir()
    (root / "src" / "newroom" / "a.c").write_text('#include "util/mem.h"\n')
    r = run(str(root))
    assert r.returncode == 1
    assert "src/newroom/a.c: folder newroom has no layer" in r.stdout
