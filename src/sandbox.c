/*
 * sandbox.c - no_new_privs, no core dumps, Landlock and seccomp-bpf on
 * Linux, pledge and unveil on OpenBSD; see sandbox.h.
 *
 * The musl toolchains carry no kernel headers, so the few kernel ABI
 * values used here (seccomp, classic BPF, Landlock) are defined below
 * from the kernel's documented user-space ABI, which never changes.
 */
#define _GNU_SOURCE	/* O_PATH */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "creds.h"
#include "sandbox.h"

#ifdef __linux__
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

static const char *const resolver_files[] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/services", NULL
};

/* ---- the plan -------------------------------------------------------- */

/* see sandbox.h */
void
sandbox_plan_empty(struct sandbox_plan *p)
{
	memset(p, 0, sizeof(*p));
}

/* Adds path to list once; *at gets its index (-1 for none). */
static int
add_path(char **list, size_t *n, const char *path, int *at)
{
	size_t i;

	*at = -1;
	if (path == NULL || path[0] == '\0')
		return 0;
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], path) == 0) {
			*at = (int)i;
			return 0;
		}
	if (*n == SANDBOX_MAX_PATHS)
		return SANDBOX_ELIMIT;
	if ((list[*n] = strdup(path)) == NULL)
		return SANDBOX_ENOMEM;
	*at = (int)(*n)++;
	return 0;
}

/* see sandbox.h */
int
sandbox_plan_read(struct sandbox_plan *p, const char *path)
{
	int at;

	return add_path(p->read, &p->nread, path, &at);
}

/* see sandbox.h */
int
sandbox_plan_read_later(struct sandbox_plan *p, const char *path)
{
	int at, rc;

	if ((rc = add_path(p->read, &p->nread, path, &at)) == 0 && at >= 0)
		p->read_dir[at] = 1;
	return rc;
}

/* see sandbox.h */
int
sandbox_plan_write(struct sandbox_plan *p, const char *path)
{
	int at;

	return add_path(p->write, &p->nwrite, path, &at);
}

/* see sandbox.h */
int
sandbox_plan_port(struct sandbox_plan *p, unsigned port)
{
	size_t i;

	if (port == 0 || port > 65535)
		return 0;
	for (i = 0; i < p->nports; i++)
		if (p->ports[i] == port)
			return 0;
	if (p->nports == SANDBOX_MAX_PORTS)
		return SANDBOX_ELIMIT;
	p->ports[p->nports++] = (uint16_t)port;
	return 0;
}

/* see sandbox.h */
void
sandbox_plan_free(struct sandbox_plan *p)
{
	size_t i;

	for (i = 0; i < p->nread; i++)
		free(p->read[i]);
	for (i = 0; i < p->nwrite; i++)
		free(p->write[i]);
	memset(p, 0, sizeof(*p));
}

/*
 * The files and ports of the credential chain, as it says itself.  Built
 * from the same variables as the connections' chains, without their own
 * settings: every profile of the shared files counts anyway.  A chain
 * that cannot be built here (server_open would have refused it) is
 * unknown, so it counts as running a process: the filters are skipped.
 */
static int
plan_creds(struct sandbox_plan *p, config_get_fn get, void *arg)
{
	struct creds_chain	*ch;
	struct creds_reach	 r;
	size_t			 i;
	int			 rc = 0;

	if (creds_chain_new(&ch, get, arg, NULL, NULL) != 0) {
		p->process = 1;
		return 0;
	}
	rc = creds_chain_reach(ch, &r);
	creds_chain_free(ch);
	if (rc != 0)
		return rc == CREDS_ENOMEM ? SANDBOX_ENOMEM : SANDBOX_ELIMIT;
	for (i = 0; rc == 0 && i < r.nfiles; i++)
		rc = r.later[i] ? sandbox_plan_read_later(p, r.file[i]) :
		    sandbox_plan_read(p, r.file[i]);
	for (i = 0; rc == 0 && i < r.nhosts; i++)
		rc = sandbox_plan_port(p, r.port[i]);
	p->process |= r.process;
	creds_reach_free(&r);
	return rc;
}

/* see sandbox.h */
int
sandbox_plan_init(struct sandbox_plan *p, const struct config *cfg,
    config_get_fn get, void *arg)
{
	size_t	 i;
	int	 rc = 0;

	sandbox_plan_empty(p);
	for (i = 0; rc == 0 && resolver_files[i] != NULL; i++)
		rc = sandbox_plan_read(p, resolver_files[i]);
	if (rc == 0)
		rc = sandbox_plan_read(p, "/dev/urandom");
	/*
	 * Trust anchors (shared and per connection) are loaded and the audit
	 * file is open before the sandbox (main.c, mcp_serve_ready): no CA
	 * file is read and no file is written or created afterwards.
	 */
	for (i = 0; rc == 0 && i < cfg->nconns; i++)
		rc = sandbox_plan_port(p, cfg->conns[i].port);
	if (rc == 0)
		rc = plan_creds(p, get, arg);
	/* 53: musl's resolver falls back to TCP for long answers. */
	if (rc == 0)
		rc = sandbox_plan_port(p, 443);
	if (rc == 0)
		rc = sandbox_plan_port(p, 80);
	if (rc == 0)
		rc = sandbox_plan_port(p, 53);
	if (rc != 0)
		sandbox_plan_free(p);
	return rc;
}

/* ---- Linux ----------------------------------------------------------- */

#ifdef __linux__

/* Landlock (Documentation/userspace-api/landlock.rst). */
#define LL_CREATE_RULESET_VERSION	1u
#define LL_RULE_PATH_BENEATH		1
#define LL_RULE_NET_PORT		2
#define LL_FS_EXECUTE			(1ull << 0)
#define LL_FS_WRITE_FILE		(1ull << 1)
#define LL_FS_READ_FILE			(1ull << 2)
#define LL_FS_READ_DIR			(1ull << 3)
#define LL_FS_MAKE_REG			(1ull << 8)
#define LL_FS_ABI1			((1ull << 13) - 1)
#define LL_FS_REFER			(1ull << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE			(1ull << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV			(1ull << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP			(1ull << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP		(1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX		(1ull << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL			(1ull << 1)
/* The highest ABI whose rights this file knows. */
#define LL_ABI_KNOWN			6

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif

/* see sandbox.h */
int
sandbox_landlock_abi(void)
{
	long abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	return abi > 0 ? (int)abi : 0;
}

/* Writes a u64 into a kernel struct at off, in host byte order. */
static void
put_u64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static int
ll_add_path(int ruleset, const char *path, uint64_t want, uint64_t handled)
{
	/* struct landlock_path_beneath_attr: u64 access, s32 fd, packed. */
	unsigned char	 attr[12];
	struct stat	 st;
	int32_t		 fd;
	uint64_t	 access = want & handled;
	int		 rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	/* A file takes file rights only; a directory takes them for all. */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE |
		    LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
	put_u64(attr, 0, access);
	memcpy(attr + 8, &fd, sizeof(fd));
	rc = (int)syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH,
	    attr, 0);
	close(fd);
	return rc;
}

/* The directory of path, for a file that does not exist yet. */
static int
parent_dir(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return snprintf(out, outlen, ".") < (int)outlen ? 0 : -1;
	if (slash == path)
		slash++;
	if ((size_t)(slash - path) >= outlen)
		return -1;
	memcpy(out, path, (size_t)(slash - path));
	out[slash - path] = '\0';
	return 0;
}

/*
 * Builds and enforces the ruleset.  Returns the SANDBOX_LANDLOCK_* bits;
 * *abi_out gets the ABI used.  A path that cannot be opened is left out
 * (opening it later fails with ENOENT, or EACCES if it appeared); for a
 * read_dir path or a written file that does not exist yet its directory
 * is allowed instead (reading; appending and creating).
 */
static int
landlock_apply(const struct sandbox_plan *p, int *abi_out)
{
	unsigned char	 attr[24];	/* struct landlock_ruleset_attr */
	unsigned char	 port[16];	/* struct landlock_net_port_attr */
	char		 dir[2048];
	uint64_t	 fs, net = 0, scoped = 0;
	size_t		 i, size;
	int		 abi, fd, bits = SANDBOX_LANDLOCK_FS;

	*abi_out = abi = sandbox_landlock_abi();
	if (abi <= 0)
		return 0;
	if (abi > LL_ABI_KNOWN)
		abi = LL_ABI_KNOWN;
	*abi_out = abi;
	fs = LL_FS_ABI1;
	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 4)
		net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6)
		scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	/* An older kernel refuses a longer struct with nonzero tail. */
	size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
	memset(attr, 0, sizeof(attr));
	put_u64(attr, 0, fs);
	put_u64(attr, 8, net);
	put_u64(attr, 16, scoped);
	fd = (int)syscall(SYS_landlock_create_ruleset, attr, size, 0);
	if (fd == -1)
		return 0;

	for (i = 0; i < p->nread; i++)
		if (ll_add_path(fd, p->read[i], LL_FS_READ_FILE, fs) == -1 &&
		    errno == ENOENT && p->read_dir[i] &&
		    parent_dir(p->read[i], dir, sizeof(dir)) == 0)
			(void)ll_add_path(fd, dir, LL_FS_READ_FILE, fs);
	for (i = 0; i < p->nwrite; i++)
		if (ll_add_path(fd, p->write[i], LL_FS_WRITE_FILE, fs) == -1 &&
		    errno == ENOENT && parent_dir(p->write[i], dir,
		    sizeof(dir)) == 0)
			(void)ll_add_path(fd, dir, LL_FS_WRITE_FILE |
			    LL_FS_MAKE_REG, fs);
	if (net != 0) {
		bits |= SANDBOX_LANDLOCK_NET;
		for (i = 0; i < p->nports; i++) {
			put_u64(port, 0, LL_NET_CONNECT_TCP);
			put_u64(port, 8, p->ports[i]);
			if (syscall(SYS_landlock_add_rule, fd, LL_RULE_NET_PORT,
			    port, 0) == -1)
				bits &= ~SANDBOX_LANDLOCK_NET;
		}
		/* A port left out would be refused: rather no Landlock. */
		if (!(bits & SANDBOX_LANDLOCK_NET)) {
			close(fd);
			return 0;
		}
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		bits = 0;
	close(fd);
	return bits;
}


/* seccomp and classic BPF (linux/seccomp.h, linux/filter.h). */
struct bpf_insn {
	uint16_t	code;
	uint8_t		jt;
	uint8_t		jf;
	uint32_t	k;
};
struct bpf_prog {
	unsigned short	 len;
	struct bpf_insn	*filter;
};
#define BPF_LD_W_ABS		0x20	/* BPF_LD | BPF_W | BPF_ABS */
#define BPF_JEQ_K		0x15	/* BPF_JMP | BPF_JEQ | BPF_K */
#define BPF_JGE_K		0x35	/* BPF_JMP | BPF_JGE | BPF_K */
#define BPF_JSET_K		0x45	/* BPF_JMP | BPF_JSET | BPF_K */
#define BPF_AND_K		0x54	/* BPF_ALU | BPF_AND | BPF_K */
#define BPF_RET_K		0x06	/* BPF_RET | BPF_K */
#define SC_RET_KILL_PROCESS	0x80000000u
#define SC_RET_ERRNO		0x00050000u
#define SC_RET_ALLOW		0x7fff0000u
#define SC_MODE_FILTER		2
/* struct seccomp_data: int nr, u32 arch, u64 ip, u64 args[6]. */
#define SC_OFF_NR		0
#define SC_OFF_ARCH		4
#define SC_OFF_ARG(i)		(16 + 8 * (i))	/* low half: little endian */

#if defined(__x86_64__)
#define SC_ARCH			0xc000003eu	/* AUDIT_ARCH_X86_64 */
#define SC_X32_BIT		0x40000000u
#elif defined(__aarch64__)
#define SC_ARCH			0xc00000b7u	/* AUDIT_ARCH_AARCH64 */
#elif defined(__arm__) && defined(__ARMEL__)
#define SC_ARCH			0x40000028u	/* AUDIT_ARCH_ARM */
#endif

/* Calls one architecture has and another lacks count as -1: left out. */
#ifndef SYS_open
#define SYS_open	-1
#endif
#ifndef SYS_poll
#define SYS_poll	-1
#endif
#ifndef SYS_ppoll_time64
#define SYS_ppoll_time64	-1
#endif
#ifndef SYS_mmap2
#define SYS_mmap2	-1
#endif
#ifndef SYS__llseek
#define SYS__llseek	-1
#endif
#ifndef SYS_fcntl64
#define SYS_fcntl64	-1
#endif
#ifndef SYS_fstat64
#define SYS_fstat64	-1
#endif
#ifndef SYS_fstatat64
#define SYS_fstatat64	-1
#endif
#ifndef SYS_newfstatat
#define SYS_newfstatat	-1
#endif
#ifndef SYS_fstat
#define SYS_fstat	-1
#endif
#if !defined(SYS_clock_gettime) && defined(SYS_clock_gettime32)
#define SYS_clock_gettime	SYS_clock_gettime32
#endif
#if !defined(SYS_clock_nanosleep) && defined(SYS_clock_nanosleep_time32)
#define SYS_clock_nanosleep	SYS_clock_nanosleep_time32
#endif
#if !defined(SYS_ppoll) && defined(SYS_ppoll_time32)
#define SYS_ppoll	SYS_ppoll_time32
#endif
#if !defined(SYS_gettimeofday) && defined(SYS_gettimeofday_time32)
#define SYS_gettimeofday	SYS_gettimeofday_time32
#endif
#ifndef SYS_clock_gettime64
#define SYS_clock_gettime64	-1
#endif
#ifndef SYS_clock_nanosleep_time64
#define SYS_clock_nanosleep_time64	-1
#endif
#ifndef SYS_gettimeofday
#define SYS_gettimeofday	-1
#endif
#ifndef SYS_nanosleep
#define SYS_nanosleep	-1
#endif
#ifndef SYS_sigreturn
#define SYS_sigreturn	-1
#endif
#ifndef SYS_send
#define SYS_send	-1
#endif
#ifndef SYS_recv
#define SYS_recv	-1
#endif
#ifndef SYS_fork
#define SYS_fork	-1
#endif
#ifndef SYS_vfork
#define SYS_vfork	-1
#endif
#ifndef SYS_clone3
#define SYS_clone3	-1
#endif
#ifndef SYS_execveat
#define SYS_execveat	-1
#endif
#ifndef SYS_lseek
#define SYS_lseek	-1
#endif
#ifndef SYS_mmap
#define SYS_mmap	-1
#endif
#ifndef SYS_getuid32
#define SYS_getuid32	-1
#define SYS_geteuid32	-1
#define SYS_getgid32	-1
#define SYS_getegid32	-1
#endif
#ifndef SYS_futex_time64
#define SYS_futex_time64	-1
#endif
#ifndef SYS_getrandom
#define SYS_getrandom	-1
#endif
#ifndef SYS_pipe
#define SYS_pipe	-1
#endif

/*
 * What the server calls while serving (found with strace -f over the
 * integration suites, musl on x86_64, aarch64 and arm): stdio and the
 * JSON-RPC pipes, malloc, the poll loop, sockets and the resolver, time,
 * signals, reading shared and token files, and exit.
 */
static const long sc_allow[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_close, SYS_lseek,
	SYS__llseek, SYS_fcntl, SYS_fcntl64, SYS_fstat, SYS_fstat64,
	SYS_newfstatat, SYS_fstatat64, SYS_statx,
	SYS_brk, SYS_munmap, SYS_mremap, SYS_madvise,
	SYS_poll, SYS_ppoll, SYS_ppoll_time64,
	SYS_connect, SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg,
	SYS_send, SYS_recv, SYS_getsockopt, SYS_setsockopt, SYS_getsockname,
	SYS_getpeername, SYS_shutdown, SYS_bind,
	SYS_clock_gettime, SYS_clock_gettime64, SYS_gettimeofday,
	SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_nanosleep_time64,
	SYS_getrandom,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn,
	SYS_sigreturn, SYS_sigaltstack, SYS_getpid, SYS_gettid, SYS_getuid,
	SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getuid32, SYS_geteuid32,
	SYS_getgid32, SYS_getegid32, SYS_tkill, SYS_tgkill,
	SYS_futex, SYS_futex_time64, SYS_restart_syscall, SYS_exit,
	SYS_exit_group
};

/*
 * Fail with EPERM: a libc fallback or a caller sees an error.
 * pipe, pipe2: added after the ARM kernel test (make test-kernel) found
 * that a credential_process written into the config after the start
 * killed the server with SIGSYS before its fork was refused: its pipes
 * come first.  musl's pipe() is SYS_pipe on x86_64 (22) and armhf (42),
 * and SYS_pipe2 on aarch64 (59), which has no SYS_pipe; pipe2 is 293 on
 * x86_64 and 359 on armhf.  Refused, not allowed: serving needs no pipe,
 * and the call then fails with "cannot make a pipe" as it should.
 */
static const long sc_eperm[] = {
	SYS_fork, SYS_vfork, SYS_clone, SYS_clone3, SYS_execve,
	SYS_execveat, SYS_ptrace, SYS_kill, SYS_pipe, SYS_pipe2
};

#define SC_MAX_INSNS	256

struct sc_prog {
	struct bpf_insn	insn[SC_MAX_INSNS];
	size_t		n;
	int		overflow;
};

static void
emit(struct sc_prog *f, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (f->n == SC_MAX_INSNS) {
		f->overflow = 1;
		return;
	}
	f->insn[f->n].code = code;
	f->insn[f->n].jt = jt;
	f->insn[f->n].jf = jf;
	f->insn[f->n].k = k;
	f->n++;
}

/* nr with any of mask set in argument arg fails with e; else allowed. */
static void
emit_arg_deny(struct sc_prog *f, long nr, int arg, uint32_t mask, int e)
{
	if (nr < 0)
		return;
	emit(f, BPF_JEQ_K, 0, 4, (uint32_t)nr);
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_ARG(arg));
	emit(f, BPF_JSET_K, 0, 1, mask);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ERRNO | (uint32_t)e);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
}

/*
 * Builds the filter; returns the number of system calls it allows
 * (in full or with checked arguments).  open_write: open and openat may
 * write and create (Landlock then says where).
 */
static int
seccomp_build(struct sc_prog *f, int open_write)
{
	uint32_t	 wflags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;
	size_t		 i;
	int		 n = 0;

	f->n = 0;
	f->overflow = 0;
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_ARCH);
	emit(f, BPF_JEQ_K, 1, 0, SC_ARCH);
	emit(f, BPF_RET_K, 0, 0, SC_RET_KILL_PROCESS);
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_NR);
#ifdef SC_X32_BIT
	/* x32 calls are the same numbers with a high bit: none of ours. */
	emit(f, BPF_JGE_K, 0, 1, SC_X32_BIT);
	emit(f, BPF_RET_K, 0, 0, SC_RET_KILL_PROCESS);
#endif
	for (i = 0; i < sizeof(sc_allow) / sizeof(sc_allow[0]); i++) {
		if (sc_allow[i] < 0)
			continue;
		emit(f, BPF_JEQ_K, 0, 1, (uint32_t)sc_allow[i]);
		emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
		n++;
	}
	for (i = 0; i < sizeof(sc_eperm) / sizeof(sc_eperm[0]); i++) {
		if (sc_eperm[i] < 0)
			continue;
		emit(f, BPF_JEQ_K, 0, 1, (uint32_t)sc_eperm[i]);
		emit(f, BPF_RET_K, 0, 0, SC_RET_ERRNO | EPERM);
	}
	/* No executable memory: code is only what was loaded. */
	emit_arg_deny(f, SYS_mmap, 2, PROT_EXEC, EPERM);
	emit_arg_deny(f, SYS_mmap2, 2, PROT_EXEC, EPERM);
	emit_arg_deny(f, SYS_mprotect, 2, PROT_EXEC, EPERM);
	n += 1 + (SYS_mmap >= 0) + (SYS_mmap2 >= 0);
	/* Files: Landlock decides which; here only whether to write. */
	if (open_write) {
		emit(f, BPF_JEQ_K, 0, 1, (uint32_t)SYS_openat);
		emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
		if (SYS_open >= 0) {
			emit(f, BPF_JEQ_K, 0, 1, (uint32_t)SYS_open);
			emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
		}
	} else {
		emit_arg_deny(f, SYS_openat, 2, wflags, EACCES);
		emit_arg_deny(f, SYS_open, 1, wflags, EACCES);
	}
	n += 1 + (SYS_open >= 0);
	/* stdio asks whether stdout is a terminal; nothing else. */
	emit(f, BPF_JEQ_K, 0, 4, (uint32_t)SYS_ioctl);
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_ARG(1));
	emit(f, BPF_JEQ_K, 1, 0, TIOCGWINSZ);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ERRNO | EPERM);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
	n++;
	/* TCP and UDP over IPv4 and IPv6 only: no raw, packet, netlink. */
	emit(f, BPF_JEQ_K, 0, 9, (uint32_t)SYS_socket);
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_ARG(0));
	emit(f, BPF_JEQ_K, 1, 0, AF_INET);
	emit(f, BPF_JEQ_K, 0, 4, AF_INET6);
	emit(f, BPF_LD_W_ABS, 0, 0, SC_OFF_ARG(1));
	emit(f, BPF_AND_K, 0, 0, 0xf);
	emit(f, BPF_JEQ_K, 2, 0, SOCK_STREAM);
	emit(f, BPF_JEQ_K, 1, 0, SOCK_DGRAM);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ERRNO | EPERM);
	emit(f, BPF_RET_K, 0, 0, SC_RET_ALLOW);
	n++;
	emit(f, BPF_RET_K, 0, 0, SC_RET_KILL_PROCESS);
	return f->overflow ? -1 : n;
}

static int
seccomp_apply(const struct sandbox_plan *p)
{
#ifdef SC_ARCH
	static struct sc_prog	 f;
	struct bpf_prog		 prog;
	int			 n;

	if ((n = seccomp_build(&f, p->nwrite > 0)) < 0)
		return -1;
	prog.len = (unsigned short)f.n;
	prog.filter = f.insn;
	if (prctl(PR_SET_SECCOMP, SC_MODE_FILTER, &prog, 0, 0) == -1)
		return -1;
	return n;
#else
	(void)p;
	return -1;
#endif
}

/* see sandbox.h */
int
sandbox_apply(const struct sandbox_plan *p, char *msg, size_t msglen)
{
	struct rlimit	 rl;
	size_t		 len;
	int		 bits = 0, abi = 0, nsc = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		bits |= SANDBOX_NNP;
	rl.rlim_cur = rl.rlim_max = 0;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 &&
	    setrlimit(RLIMIT_CORE, &rl) == 0)
		bits |= SANDBOX_NODUMP;
	if (!p->process && (bits & SANDBOX_NNP)) {
		bits |= landlock_apply(p, &abi);
		if ((nsc = seccomp_apply(p)) >= 0)
			bits |= SANDBOX_SECCOMP;
	}

	snprintf(msg, msglen, "sandbox: %s, %s", bits & SANDBOX_NNP ?
	    "no_new_privs" : "no_new_privs unavailable", bits & SANDBOX_NODUMP ?
	    "nodump" : "dumpable");
	len = strlen(msg);
	if (p->process)
		snprintf(msg + len, msglen - len, "; landlock and seccomp "
		    "skipped: a profile names credential_process");
	else if (bits & SANDBOX_LANDLOCK_FS)
		snprintf(msg + len, msglen - len, ", landlock ABI %d (%s)",
		    abi, bits & SANDBOX_LANDLOCK_NET ? "fs+tcp" : "fs");
	else
		snprintf(msg + len, msglen - len, ", landlock unavailable%s",
		    abi > 0 ? " (refused)" : "");
	len = strlen(msg);
	if (!p->process)
		snprintf(msg + len, msglen - len, bits & SANDBOX_SECCOMP ?
		    ", seccomp %d syscalls" : ", seccomp unavailable", nsc);
	return bits;
}

#elif defined(__OpenBSD__)

/* see sandbox.h */
int
sandbox_landlock_abi(void)
{
	return 0;
}

/* see sandbox.h */
int
sandbox_apply(const struct sandbox_plan *p, char *msg, size_t msglen)
{
	const char	*promises;
	size_t		 i;
	int		 ok = 1;

	if (p->process)
		promises = "stdio rpath wpath cpath inet dns proc exec";
	else if (p->nwrite > 0)
		promises = "stdio rpath wpath cpath inet dns";
	else
		promises = "stdio rpath inet dns";
	if (!p->process) {
		for (i = 0; i < p->nread; i++)
			if (unveil(p->read[i], "r") == -1 && errno != ENOENT)
				ok = 0;
		for (i = 0; i < p->nwrite; i++)
			if (unveil(p->write[i], "wc") == -1 && errno != ENOENT)
				ok = 0;
		if (unveil(NULL, NULL) == -1)
			ok = 0;
	}
	if (pledge(promises, NULL) == -1)
		ok = 0;
	snprintf(msg, msglen, "sandbox: pledge \"%s\"%s%s", promises,
	    p->process ? ", no unveil: a profile names credential_process" :
	    ", unveil", ok ? "" : " (partly refused)");
	return ok ? SANDBOX_PLEDGE : 0;
}

#else

/* see sandbox.h */
int
sandbox_landlock_abi(void)
{
	return 0;
}

/* see sandbox.h */
int
sandbox_apply(const struct sandbox_plan *p, char *msg, size_t msglen)
{
	(void)p;
	snprintf(msg, msglen, "sandbox: unavailable on this system");
	return 0;
}

#endif
