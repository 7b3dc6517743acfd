/*
 * creds_impl.h - what the files of the credential chain share: the chain's
 * state, one resolution's context and the helpers each source uses.  Only
 * src/creds*.c include it; the contract for everyone else is creds.h.
 *
 *   creds.c          the chain: settings, order, cache, refresh, errors
 *   creds_impl.c     what the sources share (below): messages, strings,
 *                    secrets, endpoints, files, JSON answers
 *   creds_profile.c  the shared files: profiles, AssumeRole hops
 *   creds_sts.c      STS AssumeRole and AssumeRoleWithWebIdentity
 *   creds_http.c     one request to STS, IMDS or the container endpoint;
 *                    the container and IMDSv2 sources
 *   creds_process.c  credential_process
 *
 * Errors follow creds.h: 0, CREDS_SKIP (a source not configured, noted
 * with creds_tried()), or a negative CREDS_E* with c->err set.
 */
#ifndef MCP_S3_CREDS_IMPL_H
#define MCP_S3_CREDS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "creds.h"
#include "http.h"
#include "util.h"

/* The variables read, copied once when the chain is built. */
enum env_var {
	E_AKID, E_SECRET, E_TOKEN, E_PROFILE, E_CREDS_FILE, E_CONFIG_FILE,
	E_HOME, E_REGION, E_DEFAULT_REGION, E_WI_FILE, E_ROLE_ARN,
	E_ROLE_SESSION, E_REL_URI, E_FULL_URI, E_CT_TOKEN, E_CT_TOKEN_FILE,
	E_IMDS_DISABLED, E_IMDS_ENDPOINT, E_STS_ENDPOINT, E_N
};

#define SOURCE_BYTES	512
#define HOST_BYTES	256
#define PATH_BYTES	2048
#define MAX_SECRETS	8
/* Longest profile name followed, NUL included. */
#define PROFILE_NAME_BYTES	128

/* scheme://host[:port]/path, checked once. */
struct endpoint {
	int		 tls;
	char		 host[HOST_BYTES];	/* IPv6 without brackets */
	uint16_t	 port;
	char		 hosthdr[HOST_BYTES + 8];	/* Host header value */
	char		 path[PATH_BYTES];	/* from '/', query included */
};

/* Credentials one source produced; every string owned. */
struct got {
	char	*ak;
	char	*sk;
	char	*tok;
	int64_t	 exp_ms;
	char	 source[SOURCE_BYTES];
};

struct creds_chain {
	char				*env[E_N];
	char				*conn_ak, *conn_sk, *conn_tok;
	char				*conn_profile, *conn_region;
	char				*profile_region;
	int				 profile_found;	/* in a shared file */
	char				 configured[SOURCE_BYTES];
	const struct tls_anchors	*anchors;
	int				 imds_disabled;
	struct endpoint			 sts_ep;	/* valid if has_sts_ep */
	int				 has_sts_ep;
	struct endpoint			 ct_ep;		/* valid if has_ct_ep */
	int				 has_ct_ep;
	struct endpoint			 imds_ep;
	struct net_watch		 watch;		/* as creds_chain_watch() */
	/* The cache. */
	struct got			 cur;
	int				 have;
	unsigned			 generation;
	int64_t				 last_fail_ms;
	int				 failed;
};

/* One resolution of the chain. */
struct ctx {
	struct creds_chain	*ch;
	int64_t			 now_ms;
	struct creds_error	*err;
	struct buf		 tried;
	char			*secrets[MAX_SECRETS];	/* copies, to scrub */
	size_t			 nsecrets;
};

/* A source was not configured: noted in tried, the chain goes on. */
#define CREDS_SKIP	1

struct answer {
	struct buf	 body;
	int		 status;
	int		 over;
};

/* What creds_parse_json_creds() reads. */
#define J_TOKEN		0	/* IMDS and container: "Token" */
#define J_PROCESS	1	/* credential_process: "SessionToken" */

/* One request to a credential endpoint. */
struct creds_http_req {
	const struct endpoint	*ep;
	int64_t			 connect_ms;	/* connect and TLS */
	int64_t			 idle_ms;	/* each wait for the socket */
	const char		*what;		/* names it in messages */
	const char		*method;
	const char		*target;	/* path and query */
	const struct slice_pair *extra;	/* besides Host; at most 7 */
	size_t			 nextra;
	const char		*body;		/* NULL: none */
	size_t			 body_len;
	int			 idempotent;
};

/* creds_impl.c: messages, strings, secrets, endpoints, files, answers. */
void	creds_set_err(struct creds_error *, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void	creds_tried(struct ctx *, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void	creds_free_str(char **);
char	*creds_dup_str(const char *);
char	*creds_dup_slice(struct slice);
void	creds_got_free(struct got *);
/* Text from outside, made printable and short for a message. */
void	creds_sanitize(char *out, size_t cap, const char *p, size_t n);
/* Remembers a secret so that no message can carry it. */
void	creds_note_secret(struct ctx *, const char *);
int	creds_visible(const char *);
/* http(s)://host[:port][/path] into e; 0, or -1 and a reason in why. */
int	creds_parse_endpoint(const char *url, struct endpoint *e,
	    const char **why);
/* The region STS is called in, and scoped to. */
const char	*creds_sts_region(const struct creds_chain *);
/* A whole file of at most limit bytes: 0, CREDS_SKIP when absent. */
int	creds_read_file(const char *path, size_t limit, struct buf *out,
	    struct creds_error *);
void	creds_trim_token(struct buf *);
/* Notes g's secrets, then checks its keys are there and well formed. */
int	creds_check_keys(struct ctx *, const char *what, struct got *);
int	creds_parse_expiration(struct ctx *, const char *what, const char *s,
	    size_t n, int64_t *out);
int	creds_parse_json_creds(struct ctx *, const char *what, const char *p,
	    size_t n, int kind, struct got *);

/* Adds path to r once (NULL: nothing); 0, CREDS_ENOMEM, CREDS_EINVAL. */
int	creds_reach_file(struct creds_reach *r, const char *path, int later);

/* creds_profile.c */
int	creds_static_keys(struct ctx *, const char *ak, const char *sk,
	    const char *tok, const char *source, struct got *);
/* explicit: asked for by name, so its absence is an error, not a skip. */
int	creds_from_profile(struct ctx *, const char *name, int explicit,
	    struct got *);
/* The region of the profile in use into ch->profile_region. */
int	creds_read_profile_region(struct creds_chain *, struct creds_error *);
/* The shared files' part of creds_chain_reach(): paths, tokens, process. */
int	creds_profile_reach(const struct creds_chain *, struct creds_reach *);

/* creds_sts.c */
int	creds_assume_role(struct ctx *, const char *role_arn,
	    const char *session, const char *external_id, const char *duration,
	    const struct got *src, struct got *);
int	creds_web_identity(struct ctx *, const char *role_arn,
	    const char *token_file, const char *session, struct got *);

/* creds_http.c */
/*
 * Sends q on *hc (opened on first use with the chain's anchors, q's
 * deadlines and the chain's cancellation watch; the caller frees it) and
 * reads the answer's status and bounded body into a.  Returns 0, or a
 * CREDS_E* with the message naming q->what; *raw (may be NULL) gets the
 * http/net code of a failed exchange, else 0.
 */
int	creds_http_call(struct ctx *, struct http_conn **hc,
	    const struct creds_http_req *q, struct answer *a, int *raw);
int	creds_from_container(struct ctx *, struct got *);
int	creds_from_imds(struct ctx *, struct got *);

/* creds_process.c */
int	creds_run_process(struct ctx *, const char *cmd, struct got *);

#endif
