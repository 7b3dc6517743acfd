/*
 * creds_process.c - credential_process: /bin/sh -c CMD with a deadline,
 * its stdout (bounded) read as the documented JSON; see creds_impl.h.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds_impl.h"

/* --- credential_process ------------------------------------------------ */

static void
reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
}

/* Runs cmd with /bin/sh -c; its stdout (JSON) into g. */
int
creds_run_process(struct ctx *c, const char *cmd, struct got *g)
{
	struct pollfd	 pfd[2];
	struct buf	 out, errb;
	char		 tmp[4096], line[256];
	int64_t		 deadline, left;
	ssize_t		 r;
	pid_t		 pid;
	int		 po[2] = { -1, -1 }, pe[2] = { -1, -1 }, open_fds;
	int		 status = 0, rc = 0, i, killed = 0, over = 0, devnull;

	if (pipe(po) == -1 || pipe(pe) == -1) {
		creds_set_err(c->err, "credential_process: cannot make a pipe: "
		    "%s",
		    strerror(errno));
		rc = CREDS_EPROCESS;
		goto close_pipes;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		creds_set_err(c->err, "credential_process: cannot fork: %s",
		    strerror(errno));
		rc = CREDS_EPROCESS;
		goto close_pipes;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		signal(SIGPIPE, SIG_DFL);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(po[1], 1) == -1 || dup2(pe[1], 2) == -1)
			_exit(127);
		close(po[0]);
		close(pe[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	buf_init(&out, CREDS_MAX_ANSWER_BYTES);
	buf_init(&errb, sizeof(tmp));
	deadline = time_now_ms() + CREDS_PROCESS_MS;
	open_fds = 2;
	while (open_fds > 0) {
		left = deadline - time_now_ms();
		if (left <= 0) {
			killed = 1;
			break;
		}
		pfd[0].fd = po[0];
		pfd[1].fd = pe[0];
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) == -1) {
			if (errno == EINTR)
				continue;
			killed = 1;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, tmp, sizeof(tmp));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(i == 0 ? po[0] : pe[0]);
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && buf_add(&out, tmp, (size_t)r) != 0) {
				over = killed = 1;
				break;
			}
			/* Only the start of stderr is kept: its first line. */
			if (i == 1 && errb.n < errb.limit)
				(void)buf_add(&errb, tmp, (size_t)r >
				    errb.limit - errb.n ? errb.limit - errb.n :
				    (size_t)r);
		}
		if (killed)
			break;
	}
	wipe(tmp, sizeof(tmp));
	if (killed)
		kill(pid, SIGKILL);
	else {
		/* Both pipes closed: give the child the rest of its time. */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			if (time_now_ms() >= deadline) {
				kill(pid, SIGKILL);
				killed = 1;
				break;
			}
			(void)poll(NULL, 0, 10);
		}
		if (!killed)
			goto reaped;
	}
	reap(pid, &status);
reaped:
	if (over) {
		creds_set_err(c->err, "credential_process: its output passed "
		    "%u "
		    "bytes", CREDS_MAX_ANSWER_BYTES);
		rc = CREDS_EPROCESS;
	} else if (killed) {
		creds_set_err(c->err, "credential_process: killed after %d s "
		    "without finishing", CREDS_PROCESS_MS / 1000);
		rc = CREDS_EPROCESS;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		creds_sanitize(line, sizeof(line), errb.p != NULL ? errb.p : "",
		    errb.n);
		if (WIFEXITED(status))
			creds_set_err(c->err, "credential_process exited with "
			    "status %d%s%s", WEXITSTATUS(status),
			    line[0] != '\0' ? ": " : "", line);
		else
			creds_set_err(c->err, "credential_process was killed "
			    "by "
			    "signal %d", WTERMSIG(status));
		rc = CREDS_EPROCESS;
	} else {
		rc = creds_parse_json_creds(c, "credential_process",
		    out.p != NULL ? out.p : "", out.n, J_PROCESS, g);
		if (rc == CREDS_EPROTO)
			rc = CREDS_EPROCESS;
		if (rc == 0)
			snprintf(g->source, sizeof(g->source), "process");
	}
	buf_free(&out);
	buf_free(&errb);
close_pipes:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}
