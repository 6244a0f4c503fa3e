"""The CLI's contract: help lists every command, flags in both GNU forms,
usage errors exit 2, commands not built yet say so and exit 1."""
import os
import subprocess

BUILD = os.environ.get("AAA_BUILD", "build")
AAA = os.environ.get("AAA_BIN", os.path.join(BUILD, "aaa"))
COMMANDS = ["reg", "authz", "cert", "renew", "ls", "sync", "revoke", "doctor", "lambda"]


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([AAA, *args], capture_output=True, text=True, env=e, timeout=30)


def test_help_lists_every_command():
    p = run("--help")
    assert p.returncode == 0
    for c in COMMANDS:
        assert f"\n  {c} " in p.stdout


def test_version():
    p = run("--version")
    assert p.returncode == 0
    assert p.stdout.startswith("aaa ")


def test_command_help_lists_flags_and_env_twins():
    p = run("cert", "--help")
    assert p.returncode == 0
    for flag in ["--cn", "--domain", "--create-key", "--key-type", "--deploy", "--s3-bucket",
                 "--s3-kms-key", "--store", "--directory"]:
        assert flag in p.stdout
    assert "[env AAA_S3_BUCKET]" in p.stdout
    p = run("reg", "--help")
    for flag in ["--email", "--agree", "--eab-kid", "--eab-hmac-key", "--account-key"]:
        assert flag in p.stdout


def test_usage_errors_exit_2():
    p = run("frobnicate")
    assert p.returncode == 2 and "unknown command 'frobnicate'" in p.stderr
    p = run("cert", "--bogus")
    assert p.returncode == 2 and "unknown option '--bogus'" in p.stderr
    p = run("cert", "--cn")
    assert p.returncode == 2 and "'--cn' needs a value" in p.stderr
    p = run("cert", "--cn=")
    assert p.returncode == 2 and "non-empty value" in p.stderr
    p = run("cert", "--cn", "a.example", "stray")
    assert p.returncode == 2 and "unexpected argument 'stray'" in p.stderr
    # An option of another command is unknown here.
    p = run("ls", "--agree")
    assert p.returncode == 2
    p = run()
    assert p.returncode == 2


def test_both_flag_forms_are_accepted():
    for args in (["--cn=a.example", "--domain=b.example"], ["--cn", "a.example", "--domain",
                                                            "b.example"]):
        p = run("cert", *args)
        assert "unknown option" not in p.stderr and "needs a value" not in p.stderr


def test_commands_not_built_say_so():
    # Update this list as commands land: a built command must not print this.
    for c in []:
        p = run(c)
        assert p.returncode == 1
        assert "not built yet" in p.stderr


def test_every_command_accepts_the_common_flags():
    # Scripts written for the original aaa pass the same flags to every command.
    common = ["--email", "a@example.test", "--s3-bucket", "b", "--s3-kms-key", "alias/k",
              "--store", "file:///nonexistent", "--directory", "letsencrypt-staging"]
    for c in COMMANDS:
        p = run(c, *common, "--help")
        assert p.returncode == 0, (c, p.stderr)
        for flag in ["--email", "--s3-bucket", "--s3-kms-key", "--store", "--directory"]:
            assert flag in p.stdout, (c, flag)


def test_dash_h_on_every_command():
    for c in COMMANDS:
        for h in ("-h", "--help"):
            p = run(c, h)
            assert p.returncode == 0, (c, h, p.stderr)
            assert p.stdout.startswith(f"usage: aaa {c}"), (c, p.stdout)
    p = run("help", "cert")
    assert p.returncode == 0 and p.stdout.startswith("usage: aaa cert --cn NAME")
    p = run("-h")
    assert p.returncode == 0 and "commands:" in p.stdout


def _deb_version(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                       text=True)
    assert p.returncode == 0, pkg
    return p.stdout.split(":")[-1]


def test_version_names_the_libraries_it_runs_with():
    # The versions of the shared libraries loaded at run time, checked against
    # the Debian packages that installed them.
    for args in (["-V"], ["--version"], ["version"], ["ls", "-V"]):
        p = run(*args)
        assert p.returncode == 0, args
        lines = dict(line.split(" ", 1) for line in p.stdout.splitlines())
        assert set(lines) == {"aaa", "libcurl", "OpenSSL", "cJSON", "libxml2"}, p.stdout
        assert _deb_version("libcurl4").startswith(lines["libcurl"].split()[0])
        assert _deb_version("libssl3").startswith(lines["OpenSSL"].split()[0])
        assert _deb_version("libcjson1").startswith(lines["cJSON"])
        assert _deb_version("libxml2").startswith(lines["libxml2"])


def test_missing_required_flags_are_usage_errors_naming_them(tmp_path):
    store = ["--store", f"file://{tmp_path}/store"]
    cases = [
        (["cert", *store], "--cn"),
        (["cert", "-d", "a.example", *store], "--cn"),
        (["authz", *store], "--domain"),
        (["sync", *store], "--domain"),
        (["revoke", *store], "--domain"),
        (["ls"], "--s3-bucket"),
        (["reg", "-m", "a@example.test", "--agree"], "--s3-bucket"),
        (["cert", "--cn", "a.example"], "--s3-bucket"),
    ]
    env = {k: "" for k in ("AAA_STORE", "AAA_S3_BUCKET")}
    for args, flag in cases:
        p = run(*args, env=env)
        assert p.returncode == 2, (args, p.stderr)
        assert f"missing {flag}" in p.stderr, (args, p.stderr)
        assert p.stdout == ""
    assert not (tmp_path / "store").exists(), "a usage error writes nothing"


def test_short_options_and_aliases_parse():
    p = run("reg", "-m", "a@example.test", "--agree-tos", "-x")
    assert p.returncode == 2 and "unknown option '-x'" in p.stderr
    p = run("cert", "-d")
    assert p.returncode == 2 and "'-d' needs a value" in p.stderr
    p = run("ls", "-d", "a.example")
    assert p.returncode == 2 and "unknown option '-d'" in p.stderr


def test_completion_and_man_page_from_the_option_table(tmp_path):
    # make install with DESTDIR: the binary, aaa.1 and both completion scripts.
    dest = tmp_path / "dest"
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = subprocess.run(["make", "-s", "install", f"DESTDIR={dest}", "PREFIX=/opt/aaa",
                        f"BUILD={os.path.dirname(os.path.abspath(AAA))}"], cwd=repo,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    root = dest / "opt" / "aaa"
    bash = root / "share" / "bash-completion" / "completions" / "aaa"
    assert (root / "bin" / "aaa").exists()
    all_cmds = COMMANDS + ["completion", "manpage"]

    def complete(*words):
        script = (f"source {bash}\nCOMP_WORDS=(aaa {' '.join(words)})\n"
                  f"COMP_CWORD={len(words)}\n_aaa\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
        r = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    assert set(complete("")) >= set(all_cmds)
    assert set(complete("cert", "--key-type", "")) == {"rsa2048", "rsa3072", "rsa4096",
                                                        "ec256", "ec384"}
    opts = complete("renew", "--")
    for flag in ("--force", "--random-delay", "--domain", "--profile", "--region", "--store"):
        assert flag in opts
    assert "--cn" not in opts
    # zsh: the script parses, and its command list names every command.
    zsh = root / "share" / "zsh" / "site-functions" / "_aaa"
    r = subprocess.run(["zsh", "-n", str(zsh)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = zsh.read_text()
    for c in all_cmds:
        assert f"'{c}:" in text and f"({c})" in text
    # The man page renders and names every command and every option.
    man = subprocess.run(["man", "-l", str(root / "share" / "man" / "man1" / "aaa.1")],
                         capture_output=True, text=True, env=dict(os.environ, MANWIDTH="200"))
    assert man.returncode == 0, man.stderr
    for c in all_cmds:
        assert f"aaa {c}" in man.stdout
    for flag in ("--acme-profile", "--allow-staging", "--random-delay", "--agree-tos", "-d,"):
        assert flag in man.stdout, flag
