/*
 * credential_process: a command that prints credentials as JSON (aws-vault,
 * granted, gimme-aws-creds, an HSM tool...). Like botocore, the command is
 * split into words the way a POSIX shell would (shlex) and run directly,
 * never through a shell: nothing in it is expanded or executed beyond the
 * one program. See credentials.h.
 */
#define _GNU_SOURCE
#include "aws/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

extern char **environ;

#define S_STDOUT_MAX (64u * 1024u)
#define S_STDERR_MAX 4096u
/* A process that prompts (MFA) may take a while; one that hangs may not hang aaa. */
#define S_TIMEOUT_MS (5L * 60L * 1000L)

void aws_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		str_wipe_free(argv[i]);
	free(argv);
}

/* Appends one word to *argv (n words so far). 0/-1. */
static int s_push(char ***argv, size_t *n, struct buf *w)
{
	char **v = realloc(*argv, (*n + 2) * sizeof(**argv));

	if (v == NULL)
		return -1;
	*argv = v;
	v[*n] = buf_steal(w);
	if (v[*n] == NULL)
		v[*n] = str_dup("");
	if (v[*n] == NULL)
		return -1;
	v[++*n] = NULL;
	return 0;
}

/*
 * shlex.split in POSIX mode: blanks separate words; '...' is literal;
 * "..." is literal but for \" and \\; outside quotes a backslash quotes the
 * next character. No comments, no expansions.
 */
char **aws_split_command(const char *cmd, struct aaa_err *err)
{
	struct buf w = BUF_INIT;
	char **argv = NULL;
	size_t n = 0;
	int in_word = 0, ok = 0;
	const char *s = cmd;
	char q;

	argv = calloc(1, sizeof(*argv));
	if (argv == NULL || cmd == NULL)
		goto out;
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			if (in_word && s_push(&argv, &n, &w) != 0)
				goto out;
			in_word = 0;
			s++;
			continue;
		}
		in_word = 1;
		if (*s == '\\') {
			if (s[1] == '\0') {
				log_fail(err, "aws", "",
					 "credential_process ends with a lone backslash");
				goto out;
			}
			if (buf_append(&w, s + 1, 1) != 0)
				goto out;
			s += 2;
		} else if (*s == '\'' || *s == '"') {
			q = *s++;
			while (*s && *s != q) {
				if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				if (buf_append(&w, s, 1) != 0)
					goto out;
				s++;
			}
			if (*s != q) {
				log_fail(err, "aws", "",
					 "credential_process has an unterminated %s quote",
					 q == '"' ? "double" : "single");
				goto out;
			}
			s++;
			if (w.data == NULL && buf_append_str(&w, "") != 0)
				goto out;
		} else {
			if (buf_append(&w, s, 1) != 0)
				goto out;
			s++;
		}
	}
	if (in_word && s_push(&argv, &n, &w) != 0)
		goto out;
	if (n == 0) {
		log_fail(err, "aws", "", "credential_process is empty");
		goto out;
	}
	ok = 1;
out:
	if (w.data)
		mem_wipe(w.data, w.len);
	buf_free(&w);
	if (!ok) {
		aws_argv_free(argv);
		argv = NULL;
	}
	return argv;
}

static long s_ms_left(const struct timespec *deadline)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (deadline->tv_sec - t.tv_sec) * 1000L + (deadline->tv_nsec - t.tv_nsec) / 1000000L;
}

/*
 * Runs argv with stdout and stderr into out and errout (each capped; stdout
 * over its cap is an error). *status is waitpid's. 0 when it ran to the
 * end, -1 when it could not start, timed out or overflowed (logged).
 */
static int s_run(char *const argv[], const char *name, struct buf *out, struct buf *errout,
		 int *status, struct aaa_err *err)
{
	posix_spawn_file_actions_t fa;
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, fa_ok = 0, rc = -1, e, done_o = 0, done_e = 0;
	struct timespec deadline;
	struct pollfd pf[2];
	pid_t pid = -1;
	char chunk[4096];
	ssize_t r;

	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		log_fail(err, "aws", "", "profile %s: credential_process: cannot create a pipe: %s",
			 name, strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto nomem;
	fa_ok = 1;
	if (posix_spawn_file_actions_adddup2(&fa, po[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, pe[1], 2) != 0)
		goto nomem;
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (e != 0) {
		pid = -1;
		log_fail(err, "aws", "", "profile %s: credential_process: cannot run %s: %s", name,
			 argv[0], strerror(e));
		goto out;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += S_TIMEOUT_MS / 1000;
	while (!done_o || !done_e) {
		long left = s_ms_left(&deadline);
		int i;

		if (left <= 0) {
			log_fail(err, "aws", "",
				 "profile %s: credential_process %s did not finish within %ld s; "
				 "stopped it",
				 name, argv[0], S_TIMEOUT_MS / 1000);
			goto out;
		}
		pf[0].fd = done_o ? -1 : po[0];
		pf[1].fd = done_e ? -1 : pe[0];
		pf[0].events = pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			log_fail(err, "aws", "",
				 "profile %s: credential_process %s: cannot read its output: %s",
				 name, argv[0], strerror(errno));
			goto out;
		}
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || pf[i].revents == 0)
				continue;
			r = read(pf[i].fd, chunk, sizeof(chunk));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				*(i == 0 ? &done_o : &done_e) = 1;
				continue;
			}
			if (i == 1) {
				if (errout->len < S_STDERR_MAX &&
				    buf_append(errout, chunk,
					       (size_t)r < S_STDERR_MAX - errout->len
						   ? (size_t)r
						   : S_STDERR_MAX - errout->len) != 0)
					goto out;
			} else if (out->len + (size_t)r > S_STDOUT_MAX) {
				log_fail(err, "aws", "",
					 "profile %s: credential_process %s printed more than %u "
					 "bytes",
					 name, argv[0], S_STDOUT_MAX);
				goto out;
			} else if (buf_append(out, chunk, (size_t)r) != 0) {
				goto nomem;
			}
		}
		mem_wipe(chunk, sizeof(chunk));
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			log_fail(err, "aws", "",
				 "profile %s: credential_process %s: cannot wait for it: %s", name,
				 argv[0], strerror(errno));
			goto out;
		}
	}
	pid = -1;
	rc = 0;
	goto out;
nomem:
	log_fail(err, "aws", "", "profile %s: credential_process %s: out of memory", name, argv[0]);
out:
	mem_wipe(chunk, sizeof(chunk));
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (po[0] >= 0)
		close(po[0]);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (pe[1] >= 0)
		close(pe[1]);
	return rc;
}

/* The first non-empty line of the process's stderr, printable, bounded. */
static void s_first_line(const struct buf *errout, char *line, size_t len)
{
	const char *s = errout->data ? errout->data : "";
	size_t n = 0, i;

	for (i = 0; i < errout->len && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '); i++)
		;
	for (; i < errout->len && s[i] != '\n' && s[i] != '\r' && n + 1 < len; i++)
		line[n++] = (s[i] >= 0x20 && s[i] != 0x7f) || s[i] == '\t' ? s[i] : '?';
	line[n] = '\0';
}

/* The JSON the process printed, as credentials. 0/-1 (logged, no content). */
static int s_parse(const char *name, const char *prog, const struct buf *out, time_t now,
		   struct aws_credentials **creds, struct aaa_err *err)
{
	const char *ak, *sk, *tok, *exp;
	char *source = NULL, when[21] = "";
	const cJSON *ver;
	cJSON *doc = NULL;
	time_t expiration = 0;
	int rc = -1;

	doc = json_parse(out->data ? out->data : "", out->len, NULL);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s did not print a JSON object", name,
			 prog);
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(doc, "Version");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s printed %s; only \"Version\": 1 is "
			 "supported",
			 name, prog, ver ? "another Version" : "no Version");
		goto out;
	}
	ak = json_str(doc, "AccessKeyId");
	sk = json_str(doc, "SecretAccessKey");
	tok = json_str(doc, "SessionToken");
	exp = json_str(doc, "Expiration");
	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0') {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s printed no AccessKeyId or "
			 "SecretAccessKey",
			 name, prog);
		goto out;
	}
	if (exp && aws_time_parse_iso8601(exp, &expiration) != 0) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s printed an Expiration that is not "
			 "an ISO 8601 date",
			 name, prog);
		goto out;
	}
	if (exp && expiration <= now) {
		aws_time_format_iso8601(expiration, when);
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s printed credentials that expired at "
			 "%s",
			 name, prog, when);
		goto out;
	}
	source = str_printf("credential_process %s (profile %s)", prog, name);
	if (source == NULL)
		goto out;
	*creds = aws_credentials_new(ak, sk, tok, exp ? expiration : 0, source);
	rc = *creds ? 0 : -1;
out:
	json_delete_wiped(doc);
	free(source);
	return rc;
}

int aws_credentials_from_process(const char *name, const char *command, time_t now,
				 struct aws_credentials **out, struct aaa_err *err)
{
	struct buf so = BUF_INIT, se = BUF_INIT;
	char **argv = NULL, *prog = NULL, line[200];
	int status = 0, rc = -1;

	*out = NULL;
	argv = aws_split_command(command, err);
	if (argv == NULL) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process cannot be split into words (see above)",
			 name);
		goto out;
	}
	/* Messages name the program, never its arguments (they may hold a secret). */
	prog = str_dup(argv[0]);
	if (prog == NULL)
		goto out;
	log_debug("profile %s: running credential_process %s", name, prog);
	if (s_run(argv, name, &so, &se, &status, err) != 0)
		goto out;
	s_first_line(&se, line, sizeof(line));
	if (WIFSIGNALED(status)) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s was killed by signal %d%s%s", name,
			 prog, WTERMSIG(status), *line ? ": " : "", line);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_fail(err, "aws", "",
			 "profile %s: credential_process %s exited with status %d%s%s", name, prog,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, *line ? ": " : "", line);
		goto out;
	}
	rc = s_parse(name, prog, &so, now, out, err);
	if (rc == 0) {
		log_add_secret((*out)->secret_access_key);
		if ((*out)->session_token)
			log_add_secret((*out)->session_token);
	}
out:
	if (so.data)
		mem_wipe(so.data, so.len);
	buf_free(&so);
	buf_free(&se);
	aws_argv_free(argv);
	free(prog);
	return rc;
}
