/*
 * sandbox.h - the process narrows itself once settings, credential
 * sources and trust anchors are known.
 *
 * On Linux, in this order and each best effort (a mechanism the kernel
 * lacks is skipped and said, never a failed start):
 *
 *  1. PR_SET_NO_NEW_PRIVS: no set-uid or file-capability gain, ever;
 *  2. PR_SET_DUMPABLE 0 and RLIMIT_CORE 0: no core file holding keys,
 *     no ptrace or /proc/PID/mem by other processes of the same user;
 *  3. Landlock, every right the kernel's ABI knows handled, and allowed
 *     only: reading the plan's read paths, writing (appending to) its
 *     write paths and, with ABI 4 or later, TCP connect to its ports;
 *     no TCP bind; with ABI 6 or later, no signals to or abstract UNIX
 *     sockets of processes outside the sandbox;
 *  4. seccomp-bpf: the architecture is checked first (a foreign one, and
 *     x32 on x86_64, kills), then an allow-list of the system calls the
 *     server makes while serving.  mmap/mprotect with PROT_EXEC, sockets
 *     other than TCP/UDP over IPv4/IPv6, ioctl other than TIOCGWINSZ,
 *     fork and exec fail with EPERM, open for writing fails with EACCES
 *     unless the plan writes a file; anything else kills the process.
 *
 * A plan whose credential chain may run credential_process (a profile
 * in the shared files names one) gets steps 1 and 2 only: the program it
 * runs is unknown, so no file or system call list can hold it.
 *
 * On OpenBSD: unveil(2) of the same paths, then pledge("stdio rpath
 * inet dns"), plus "wpath cpath" when a file is written and "proc exec"
 * for credential_process.
 *
 * Memory: a struct sandbox_plan owns copies of its paths;
 * sandbox_plan_free() releases them.  Nothing here prints.
 */
#ifndef MCP_S3_SANDBOX_H
#define MCP_S3_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SANDBOX_ENOMEM	-1
#define SANDBOX_ELIMIT	-2	/* more paths or ports than the plan holds */

#define SANDBOX_MAX_PATHS	48
#define SANDBOX_MAX_PORTS	40

/* What sandbox_apply() put in place, as bits of its result. */
#define SANDBOX_NNP		0x01	/* no_new_privs */
#define SANDBOX_NODUMP		0x02	/* not dumpable, no core */
#define SANDBOX_LANDLOCK_FS	0x04
#define SANDBOX_LANDLOCK_NET	0x08
#define SANDBOX_SECCOMP		0x10
#define SANDBOX_PLEDGE		0x20	/* OpenBSD pledge + unveil */

struct sandbox_plan {
	char		*read[SANDBOX_MAX_PATHS];	/* files or dirs */
	unsigned char	 read_dir[SANDBOX_MAX_PATHS];	/* see below */
	size_t		 nread;
	char		*write[SANDBOX_MAX_PATHS];	/* appended files */
	size_t		 nwrite;
	uint16_t	 ports[SANDBOX_MAX_PORTS];	/* TCP connect */
	size_t		 nports;
	int		 process;	/* credential_process may run */
};

/*
 * The plan for a server with these settings: the resolver's files,
 * /dev/urandom (BearSSL seeds each TLS engine from it); ports 443, 80 and
 * 53 and every connection's port; and what the credential chain of
 * these variables says it may touch (creds_chain_reach in creds.h): the
 * shared AWS files as the chain names them (if one does not exist,
 * reading files in its directory), its token files, and the ports of
 * STS, the container endpoint and IMDS.  CA bundles and the audit file
 * are open before the sandbox and need no rule.  The shared files are
 * read now; when a profile names credential_process (or the chain
 * cannot be built or its files read), process is set.  0 or SANDBOX_E*.
 */
int	sandbox_plan_init(struct sandbox_plan *, const struct config *,
	    config_get_fn get, void *arg);
/* An empty plan, then single additions (tests build their own). */
void	sandbox_plan_empty(struct sandbox_plan *);
int	sandbox_plan_read(struct sandbox_plan *, const char *path);
/*
 * As sandbox_plan_read(), and if the file does not exist when the plan
 * is applied, reading any file in its directory is allowed instead, so
 * that it may appear later (a shared AWS file written after the start).
 */
int	sandbox_plan_read_later(struct sandbox_plan *, const char *path);
int	sandbox_plan_write(struct sandbox_plan *, const char *path);
int	sandbox_plan_port(struct sandbox_plan *, unsigned port);
void	sandbox_plan_free(struct sandbox_plan *);

/*
 * Applies the plan to the calling process, for good.  Returns the
 * SANDBOX_* bits of what took effect and writes one line (no newline)
 * saying so into msg, e.g. "sandbox: no_new_privs, nodump, landlock ABI
 * 6 (fs+tcp), seccomp 61 syscalls".
 */
int	sandbox_apply(const struct sandbox_plan *, char *msg, size_t msglen);

/* Landlock ABI of the running kernel; 0 when it has none. */
int	sandbox_landlock_abi(void);

#endif
