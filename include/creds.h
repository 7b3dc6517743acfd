/*
 * creds.h - the AWS credential chain, per connection, in the SDKs' order,
 * with cached temporary credentials refreshed before they expire.
 *
 * A struct creds_chain is built once at start (creds_chain_new) from an
 * environment getter and the connection's own settings; the variables it
 * reads are copied then, and checked (fail closed: a malformed setting
 * is an error naming the variable, never a silent default).  No network
 * I/O or process happens before the first creds_get(); the only files
 * read at build are the shared config files, for the profile's region.
 *
 * creds_get() returns the cached credentials while they are more than
 * CREDS_REFRESH_MS from expiring; otherwise it resolves the chain again:
 *
 *  1. static keys of the connection (its JSON), with session token;
 *  2. the connection's own profile, when it names one;
 *  3. static keys of the environment: AWS_ACCESS_KEY_ID,
 *     AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *  4. the profile AWS_PROFILE (else "default") of the shared files
 *     AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE (else
 *     ~/.aws/credentials and ~/.aws/config): role_arn with source_profile
 *     (STS AssumeRole, at most CREDS_MAX_ROLE_DEPTH deep, loops refused)
 *     or with web_identity_token_file, else credential_process, else
 *     aws_access_key_id and aws_secret_access_key;
 *  5. web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (and
 *     AWS_ROLE_SESSION_NAME) → STS AssumeRoleWithWebIdentity;
 *  6. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *     http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN as Authorization;
 *  7. EC2 IMDSv2 at http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_
 *     ENDPOINT), unless AWS_EC2_METADATA_DISABLED is true.
 *
 * A source that is not configured (variables unset, the default profile
 * absent, IMDS unreachable) is skipped and noted; a source that is
 * configured but fails (a profile named explicitly that is missing, a
 * process that exits non-zero, STS refusing, a container endpoint
 * answering 403) stops the chain with its error: a later source is never
 * used in its place.  When every source is skipped, CREDS_ENONE lists
 * what was tried.
 *
 * STS is https://sts.REGION.amazonaws.com/ (AWS_ENDPOINT_URL_STS may name
 * another, http allowed, for tests and private endpoints); REGION is the
 * connection's, else AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * region, else us-east-1.  A FULL_URI over http must name a loopback
 * host, 169.254.170.2 or 169.254.170.23 (or fd00:ec2::23), as the SDKs
 * require.  Values shaped "${...}" (unresolved bundle templates) count as
 * unset.
 *
 * Times: now_ms is wall-clock Unix time in milliseconds (the clock that
 * Expiration values are in, and the one STS requests are signed with);
 * creds_wall_ms() reads it.  Tests inject their own.
 *
 * Memory: the chain owns copies of every value it read, and wipes the
 * secrets on refresh and in creds_chain_free().  The strings of a struct
 * creds point into the chain and stay valid until the next creds_get()
 * or creds_chain_free() on that chain.  Not thread-safe: one chain per
 * connection, used by one thread.
 *
 * Errors: 0 or a negative CREDS_E*; the struct creds_error then holds one
 * line of English that never contains a secret (checked before return).
 * Nothing prints.
 */
#ifndef MCP_S3_CREDS_H
#define MCP_S3_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

#define CREDS_ENOMEM	-1
#define CREDS_ENONE	-2	/* no source yielded credentials */
#define CREDS_EINVAL	-3	/* a setting, a profile or a file is invalid */
#define CREDS_ENETWORK	-4	/* an endpoint could not be reached */
#define CREDS_EDENIED	-5	/* an endpoint refused (status, STS error) */
#define CREDS_EPROTO	-6	/* an answer could not be read */
#define CREDS_EPROCESS	-7	/* credential_process failed */
#define CREDS_EEXPIRED	-8	/* the only credentials known have expired */
#define CREDS_ECANCELED	-9	/* the watch cancelled a network wait */

/* Refresh temporary credentials this long before they expire. */
#define CREDS_REFRESH_MS	(5 * 60 * 1000)
/* After a failed refresh, keep using still-valid credentials this long. */
#define CREDS_RETRY_MS		(10 * 1000)
/* role_arn + source_profile links followed at most. */
#define CREDS_MAX_ROLE_DEPTH	4
/* Largest answer of STS, IMDS, the container endpoint or a process. */
#define CREDS_MAX_ANSWER_BYTES	(64u * 1024)
/* Largest web identity or container authorization token file. */
#define CREDS_MAX_TOKEN_FILE	(16u * 1024)
/* Deadlines, in milliseconds: connect, then each wait for the socket. */
#define CREDS_IMDS_CONNECT_MS	1000
#define CREDS_IMDS_IDLE_MS	1000
#define CREDS_CONTAINER_MS	2000
#define CREDS_STS_CONNECT_MS	5000
#define CREDS_STS_IDLE_MS	10000
/* credential_process: whole run. */
#define CREDS_PROCESS_MS	30000
/* AssumeRole DurationSeconds when the profile names none. */
#define CREDS_ROLE_SECONDS	3600

/* Reads one variable; NULL when unset (same shape as config_get_fn). */
typedef const char *(*creds_get_fn)(const char *name, void *arg);

/* The connection's own settings; any pointer may be NULL. */
struct creds_options {
	const char			*access_key;
	const char			*secret_key;
	const char			*session_token;
	const char			*profile;
	const char			*region;
	const struct tls_anchors	*anchors;	/* for https STS */
};

/*
 * Credentials to sign with.  session_token is NULL for long-term keys;
 * expires_ms is 0 when they do not expire.  source names where they came
 * from: "static", "profile:NAME", "assume-role:ARN", "web-identity:ARN",
 * "container", "imds" or "process".  generation changes whenever the
 * keys do (a sigv4_ctx must then be wiped).
 */
struct creds {
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;
	int64_t		 expires_ms;
	const char	*source;
	unsigned	 generation;
};

struct creds_error {
	char	message[1024];
};

struct creds_chain;

int	creds_chain_new(struct creds_chain **out, creds_get_fn get, void *arg,
	    const struct creds_options *, struct creds_error *);
void	creds_chain_free(struct creds_chain *);

/* Cancellation watch for every network wait, as in net.h (copied); NULL
 * or fd -1: none. */
void	creds_chain_watch(struct creds_chain *, const struct net_watch *);

/* Cached or refreshed credentials; see above. */
int	creds_get(struct creds_chain *, struct creds *out, int64_t now_ms,
	    struct creds_error *);

/*
 * The region of the profile in use (the connection's, else AWS_PROFILE,
 * else default) from the shared config files, read when the chain was
 * built; NULL when none.  For config.c's region order.
 */
const char	*creds_profile_region(const struct creds_chain *);

/* Where the last credentials came from; "" before the first success. */
const char	*creds_source(const struct creds_chain *);

/*
 * Where credentials will come from, as configured, before any is
 * fetched: "static", "profile:NAME", "web-identity:ARN", "container",
 * "imds" (the last resort, unless disabled) or "none".  Never a secret.
 */
const char	*creds_configured(const struct creds_chain *);

/* What a chain may touch once the server runs (creds_chain_reach). */
#define CREDS_REACH_FILES	44	/* the sandbox plan holds 48 paths */
#define CREDS_REACH_HOSTS	4
#define CREDS_REACH_HOST_BYTES	256
struct creds_reach {
	char		*file[CREDS_REACH_FILES];	/* owned, each once */
	unsigned char	 later[CREDS_REACH_FILES];	/* may appear later */
	size_t		 nfiles;
	char		 host[CREDS_REACH_HOSTS][CREDS_REACH_HOST_BYTES];
	uint16_t	 port[CREDS_REACH_HOSTS];	/* TCP, of host[i] */
	size_t		 nhosts;
	int		 process;	/* credential_process may run */
};

/*
 * The files and TCP endpoints the chain may use after the start, for the
 * sandbox's plan.  Files: the two shared files as the chain names them
 * (later is set: either may be written after the start), the token
 * files (AWS_WEB_IDENTITY_TOKEN_FILE, the container's
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE when a container endpoint is
 * set, and web_identity_token_file of every profile of the shared files).
 * Hosts: STS (AWS_ENDPOINT_URL_STS, else sts.REGION.amazonaws.com:443),
 * the container endpoint when set, IMDS unless disabled.  process is set
 * when any profile names credential_process, or when a shared file
 * cannot be read whole now (the safe side).  Every profile counts, not
 * only the one in use: a connection may name another.  Reads the shared
 * files.  0, CREDS_ENOMEM or CREDS_EINVAL (more files than the list
 * holds); r is then empty.  Free with creds_reach_free().
 */
int	creds_chain_reach(const struct creds_chain *, struct creds_reach *r);
void	creds_reach_free(struct creds_reach *);

/* Wall-clock Unix time in milliseconds. */
int64_t	creds_wall_ms(void);

const char	*creds_strerror(int);

#endif
