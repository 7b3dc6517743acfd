/*
 * test_sandbox.c - a forked child applies the sandbox, then tries one
 * thing; the parent checks how it ended.  A case whose mechanism the
 * kernel lacks is reported as skipped, never as passed.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "profile.h"
#include "sandbox.h"
#include "unit.h"

#ifndef AF_PACKET
#define AF_PACKET	17
#endif

static int skipped;

/* What the child does once sandboxed: 0 for "as expected". */
enum action {
	A_READ_ALLOWED,		/* /etc/hosts opens */
	A_READ_DENIED,		/* /etc/passwd: EACCES */
	A_WRITE_DENIED,		/* creating a file: EACCES */
	A_WRITE_ALLOWED,	/* appending to the plan's write file */
	A_EXEC,			/* execve: EPERM */
	A_FORK,			/* fork: EPERM */
	A_PIPE,			/* pipe: EPERM (credential_process) */
	A_PACKET,		/* socket(AF_PACKET): EPERM */
	A_RAW,			/* socket(AF_INET, SOCK_RAW): EPERM */
	A_MPROTECT_EXEC,	/* mprotect PROT_EXEC: EPERM */
	A_MMAP_EXEC,		/* mmap PROT_EXEC: EPERM */
	A_PTRACE,		/* ptrace: EPERM */
	A_UNLISTED,		/* a call not on the list: SIGSYS */
	A_CONNECT_ALLOWED,	/* TCP to the plan's port: connects */
	A_CONNECT_DENIED,	/* TCP to another port: EACCES */
	A_UDP,			/* UDP socket + sendto (DNS): works */
	A_MALLOC,		/* malloc, realloc, free of a large block */
	A_PAUSE			/* waits; the parent reads /proc */
};

static const char	*write_path;
static int		 pause_wr = -1;	/* the A_PAUSE child's copy closes */
static int		 port_allowed, port_denied;

static int
expect_errno(long rc, int e)
{
	return rc == -1 && errno == e ? 0 : 10 + (errno & 0x3f);
}

static int
tcp_connect(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, rc;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return rc;
}

static int
child_action(enum action a)
{
	void	*p;
	char	*big;
	int	 fd;

	switch (a) {
	case A_READ_ALLOWED:
		fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
		return fd >= 0 ? 0 : 1;
	case A_READ_DENIED:
		return expect_errno(open("/etc/passwd", O_RDONLY), EACCES);
	case A_WRITE_DENIED:
		return expect_errno(open("/tmp/test_sandbox.denied",
		    O_WRONLY | O_CREAT, 0600), EACCES);
	case A_WRITE_ALLOWED:
		fd = open(write_path, O_WRONLY | O_APPEND);
		return fd >= 0 && write(fd, "x\n", 2) == 2 ? 0 : 1;
	case A_EXEC:
		return expect_errno(execl("/bin/true", "true", (char *)NULL),
		    EPERM);
	case A_FORK:
		return expect_errno(fork(), EPERM);
	case A_PIPE: {
		int pfd[2];

		return expect_errno(pipe(pfd), EPERM);
	}
	case A_PACKET:
		return expect_errno(socket(AF_PACKET, SOCK_RAW, 0), EPERM);
	case A_RAW:
		return expect_errno(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP),
		    EPERM);
	case A_MPROTECT_EXEC:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		return expect_errno(mprotect(p, 4096, PROT_READ | PROT_EXEC),
		    EPERM);
	case A_MMAP_EXEC:
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED && errno == EPERM ? 0 : 1;
	case A_PTRACE:
		return expect_errno(syscall(SYS_ptrace, 0 /* TRACEME */, 0, 0,
		    0), EPERM);
	case A_UNLISTED:
		(void)syscall(SYS_getppid);
		return 3;	/* still alive: not killed */
	case A_CONNECT_ALLOWED:
		return tcp_connect(port_allowed) == 0 ? 0 : 10 + errno;
	case A_CONNECT_DENIED:
		return expect_errno(tcp_connect(port_denied), EACCES);
	case A_UDP: {
		struct sockaddr_in sin;

		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			return 1;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sendto(fd, "q", 1, 0, (struct sockaddr *)&sin,
		    sizeof(sin)) == 1 ? 0 : 1;
	}
	case A_MALLOC:
		if ((big = malloc(4u << 20)) == NULL)
			return 1;
		memset(big, 1, 4u << 20);
		if ((big = realloc(big, 16u << 20)) == NULL)
			return 1;
		free(big);
		return 0;
	case A_PAUSE: {
		char c;

		return read(0, &c, 1) >= 0 ? 0 : 1;
	}
	}
	return 99;
}

/*
 * Runs one action in a sandboxed child.  *bits gets what the child's
 * sandbox_apply() reported (-1 if it never said); returns the wait
 * status.  in_fd, when not -1, becomes the child's stdin.
 */
static int
run_child(const struct sandbox_plan *plan, enum action a, int *bits,
    int in_fd, pid_t *pidp, int nowait)
{
	int	 fds[2], status = 0, b = -1;
	char	 msg[256];
	pid_t	 pid;

	if (pipe(fds) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		if (in_fd != -1)
			dup2(in_fd, 0);
		if (pause_wr != -1)
			close(pause_wr);
		b = sandbox_apply(plan, msg, sizeof(msg));
		(void)write(fds[1], &b, sizeof(b));
		close(fds[1]);
		_exit(child_action(a));
	}
	close(fds[1]);
	if (read(fds[0], &b, sizeof(b)) != (ssize_t)sizeof(b))
		b = -1;
	close(fds[0]);
	*bits = b;
	if (pidp != NULL)
		*pidp = pid;
	if (!nowait)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	return status;
}

static int
exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
skip(const char *what, const char *why)
{
	skipped++;
	printf("test_sandbox: skipped: %s (%s)\n", what, why);
}

static void
test_actions(void)
{
	static const struct {
		enum action	 a;
		const char	*name;
		int		 need;		/* SANDBOX_* bits */
		int		 sigsys;	/* expected death by SIGSYS */
	} cases[] = {
		{ A_READ_ALLOWED, "allowed file opens", SANDBOX_LANDLOCK_FS, 0 },
		{ A_READ_DENIED, "other file: EACCES", SANDBOX_LANDLOCK_FS, 0 },
		{ A_WRITE_DENIED, "create: EACCES", SANDBOX_SECCOMP, 0 },
		{ A_EXEC, "execve: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_FORK, "fork: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_PIPE, "pipe: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_PACKET, "AF_PACKET: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_RAW, "SOCK_RAW: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_MPROTECT_EXEC, "mprotect PROT_EXEC: EPERM",
		    SANDBOX_SECCOMP, 0 },
		{ A_MMAP_EXEC, "mmap PROT_EXEC: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_PTRACE, "ptrace: EPERM", SANDBOX_SECCOMP, 0 },
		{ A_UNLISTED, "unlisted call: SIGSYS", SANDBOX_SECCOMP, 1 },
		{ A_CONNECT_ALLOWED, "TCP to a listed port",
		    SANDBOX_LANDLOCK_NET | SANDBOX_SECCOMP, 0 },
		{ A_CONNECT_DENIED, "TCP to another port: EACCES",
		    SANDBOX_LANDLOCK_NET, 0 },
		{ A_UDP, "UDP sendto (DNS) works", SANDBOX_SECCOMP, 0 },
		{ A_MALLOC, "malloc/realloc/free work", SANDBOX_SECCOMP, 0 },
	};
	struct sandbox_plan	 plan;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	size_t			 i;
	int			 lfd, lfd2, status, bits;

	/* Two listening ports: one in the plan, one not. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	lfd2 = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(lfd, 8) == 0 && getsockname(lfd, (struct sockaddr *)&sin,
	    &sl) == 0);
	port_allowed = ntohs(sin.sin_port);
	sin.sin_port = 0;
	CHECK(bind(lfd2, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(lfd2, 8) == 0 && getsockname(lfd2,
	    (struct sockaddr *)&sin, &sl) == 0);
	port_denied = ntohs(sin.sin_port);

	sandbox_plan_empty(&plan);
	CHECK(sandbox_plan_read(&plan, "/etc/hosts") == 0);
	CHECK(sandbox_plan_port(&plan, (unsigned)port_allowed) == 0);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status = run_child(&plan, cases[i].a, &bits, -1, NULL, 0);
		if (bits == -1) {
			CHECKF(0, cases[i].name);
			continue;
		}
		if ((bits & cases[i].need) != cases[i].need) {
			skip(cases[i].name, "not available here");
			continue;
		}
		CHECKF(bits & SANDBOX_NNP, cases[i].name);
		if (cases[i].sigsys)
			CHECKF(WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGSYS, cases[i].name);
		else {
			CHECKF(exited_ok(status), cases[i].name);
			if (!exited_ok(status))
				fprintf(stderr, "  status %#x\n", status);
		}
	}
	sandbox_plan_free(&plan);
	close(lfd);
	close(lfd2);
}

/* A plan that writes a file may append to it; still none other. */
static void
test_write_file(void)
{
	struct sandbox_plan	 plan;
	char			 path[] = "/tmp/test_sandbox.XXXXXX";
	int			 fd, status, bits;

	if ((fd = mkstemp(path)) == -1) {
		CHECK(0);
		return;
	}
	close(fd);
	write_path = path;
	sandbox_plan_empty(&plan);
	CHECK(sandbox_plan_write(&plan, path) == 0);
	status = run_child(&plan, A_WRITE_ALLOWED, &bits, -1, NULL, 0);
	if (bits == -1 || !(bits & SANDBOX_LANDLOCK_FS))
		skip("write file", "no Landlock");
	else
		CHECK(exited_ok(status));
	status = run_child(&plan, A_READ_DENIED, &bits, -1, NULL, 0);
	if (bits != -1 && (bits & SANDBOX_LANDLOCK_FS))
		CHECK(exited_ok(status));
	sandbox_plan_free(&plan);
	unlink(path);
}

/* /proc/PID/status of a sandboxed child says so. */
static void
test_proc_status(void)
{
	struct sandbox_plan	 plan;
	char			 path[64], text[4096];
	int			 in[2], fd, bits, status;
	ssize_t			 n;
	pid_t			 pid;

	sandbox_plan_empty(&plan);
	if (pipe(in) == -1) {
		CHECK(0);
		return;
	}
	pause_wr = in[1];
	(void)run_child(&plan, A_PAUSE, &bits, in[0], &pid, 1);
	pause_wr = -1;
	close(in[0]);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	CHECK(strstr(text, "NoNewPrivs:\t1") != NULL);
	if (bits != -1 && (bits & SANDBOX_SECCOMP))
		CHECK(strstr(text, "Seccomp:\t2") != NULL);
	else
		skip("Seccomp: 2 in /proc", "no seccomp");
	CHECK(bits != -1 && (bits & SANDBOX_NODUMP));
	close(in[1]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	CHECK(exited_ok(status));
	sandbox_plan_free(&plan);
}

/* A plan whose profiles name credential_process skips the filters. */
static const char	*fake_env[16];

static const char *
fake_get(const char *name, void *arg)
{
	size_t i, n = strlen(name);

	(void)arg;
	for (i = 0; fake_env[i] != NULL; i++)
		if (strncmp(fake_env[i], name, n) == 0 &&
		    fake_env[i][n] == '=')
			return fake_env[i] + n + 1;
	return NULL;
}

static void
test_plan(void)
{
	struct sandbox_plan	 plan;
	struct config		 cfg;
	char			 cpath[] = "/tmp/test_sandbox_cfg.XXXXXX";
	char			 tpath[] = "/tmp/test_sandbox_tok.XXXXXX";
	char			 e1[128], e2[128], msg[256];
	const char		*cfgtext;
	size_t			 i;
	int			 fd, found, status, bits;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nconns = 1;
	cfg.conns[0].port = 9000;

	/* A config file with a web identity token file, no process. */
	fd = mkstemp(cpath);
	close(mkstemp(tpath));
	cfgtext = "[profile a]\nrole_arn = arn:aws:iam::1:role/r\n";
	CHECK(fd >= 0 && write(fd, cfgtext, strlen(cfgtext)) ==
	    (ssize_t)strlen(cfgtext));
	snprintf(e1, sizeof(e1), "web_identity_token_file = %s\n", tpath);
	CHECK(write(fd, e1, strlen(e1)) == (ssize_t)strlen(e1));
	close(fd);
	snprintf(e1, sizeof(e1), "AWS_CONFIG_FILE=%s", cpath);
	snprintf(e2, sizeof(e2), "AWS_SHARED_CREDENTIALS_FILE=/nonexistent/c");
	fake_env[0] = e1;
	fake_env[1] = e2;
	fake_env[2] = "AWS_ENDPOINT_URL_STS=http://127.0.0.1:8123/x";
	fake_env[3] = "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://[::1]:8124";
	fake_env[4] = NULL;
	CHECK(sandbox_plan_init(&plan, &cfg, fake_get, NULL) == 0);
	CHECK(plan.process == 0);
	for (found = 0, i = 0; i < plan.nread; i++)
		found |= (strcmp(plan.read[i], tpath) == 0) |
		    (strcmp(plan.read[i], cpath) == 0) << 1 |
		    (strcmp(plan.read[i], "/etc/resolv.conf") == 0) << 2;
	CHECK(found == 7);
	for (found = 0, i = 0; i < plan.nports; i++)
		found |= (plan.ports[i] == 9000) | (plan.ports[i] == 443) << 1 |
		    (plan.ports[i] == 53) << 2 | (plan.ports[i] == 8123) << 3 |
		    (plan.ports[i] == 8124) << 4 | (plan.ports[i] == 80) << 5;
	CHECK(found == 0x3f);
	CHECK(plan.nwrite == 0);
	sandbox_plan_free(&plan);

	/* Now credential_process in the config file. */
	fd = open(cpath, O_WRONLY | O_APPEND);
	cfgtext = "[profile b]\ncredential_process = /bin/echo {}\n";
	CHECK(fd >= 0 && write(fd, cfgtext, strlen(cfgtext)) ==
	    (ssize_t)strlen(cfgtext));
	close(fd);
	CHECK(sandbox_plan_init(&plan, &cfg, fake_get, NULL) == 0);
	CHECK(plan.process == 1);
	/* Applied: no seccomp, so fork still works; the line says why. */
	status = run_child(&plan, A_FORK, &bits, -1, NULL, 0);
	CHECK(bits != -1 && !(bits & (SANDBOX_SECCOMP | SANDBOX_LANDLOCK_FS)));
	CHECK(!exited_ok(status));	/* fork succeeded: not EPERM */
	(void)msg;
	sandbox_plan_free(&plan);

	/* A file past the profile limit counts as naming a process. */
	fd = open(cpath, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	for (found = 1, i = 0; i < PROFILE_MAX_FILE_BYTES / 64 + 1; i++)
		found &= write(fd, "# padding padding padding padding padding "
		    "padding padding padd\n", 64) == 64;
	CHECK(found);
	close(fd);
	CHECK(sandbox_plan_init(&plan, &cfg, fake_get, NULL) == 0);
	CHECK(plan.process == 1);
	sandbox_plan_free(&plan);
	unlink(cpath);
	unlink(tpath);
}

/* The line names what was applied. */
static void
test_message(void)
{
	struct sandbox_plan	 plan;
	int			 fds[2], bits;
	char			 msg[256];
	ssize_t			 n;
	pid_t			 pid;

	sandbox_plan_empty(&plan);
	if (pipe(fds) == -1) {
		CHECK(0);
		return;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		memset(msg, 0, sizeof(msg));
		bits = sandbox_apply(&plan, msg, sizeof(msg));
		(void)write(fds[1], msg, strlen(msg));
		_exit(bits & SANDBOX_NNP ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	msg[n > 0 ? n : 0] = '\0';
	waitpid(pid, NULL, 0);
	CHECK(strncmp(msg, "sandbox: no_new_privs, nodump", 29) == 0);
	if (sandbox_landlock_abi() > 0)
		CHECK(strstr(msg, "landlock ABI") != NULL);
	CHECK(strstr(msg, "seccomp") != NULL);
	CHECK(strchr(msg, '\n') == NULL);
}

int
main(void)
{
	if (sandbox_landlock_abi() == 0)
		skip("Landlock", "the kernel has none");
	test_actions();
	test_write_file();
	test_proc_status();
	test_plan();
	test_message();
	if (skipped > 0)
		printf("test_sandbox: %d skipped\n", skipped);
	return unit_done("test_sandbox");
}
