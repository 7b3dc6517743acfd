/*
 * s3.h - S3 operations as typed results: ListBuckets, ListObjectsV2,
 * GetObject (one ranged GET), HeadObject, HeadBucket, PutObject,
 * DeleteObject, CopyObject, and presigned URLs.
 *
 * A struct s3_client is one connection's state: its settings, a kept-alive
 * HTTP connection, its credential chain (creds.h), the SigV4 signing-key
 * cache and a bucket -> region cache (s3region.h).
 *
 * Credentials: every signed request and presign asks the chain
 * (creds_get); the signing-key cache is wiped when the keys change.  A
 * chain that finds nothing gives S3_ENOCREDS, one that fails
 * S3_ECREDS, both with the chain's one-line reason in err->message.
 *
 * Regions: a bucket in another region is followed once per call.  On a
 * 301 PermanentRedirect, a 400 AuthorizationHeaderMalformed or an
 * x-amz-bucket-region header naming another region, the bucket's region
 * is cached and the request re-signed for it and sent again, to
 * s3.REGION.amazonaws.com on AWS or to the same host on a custom
 * endpoint.  Later calls and presigned URLs for that bucket use the
 * cached region at once.  A second redirect, or one naming no valid
 * region, is an S3_ERESPONSE saying so.  Calls return 0 or a
 * negative S3_E*; on failure *err says what happened in terms the MCP edge
 * turns into a stable code (NoSuchKey, AccessDenied, Timeout, ...).  Errors
 * never carry a secret.
 *
 * Memory: results are written into caller-owned structs; a struct
 * s3_listing owns its pool and arrays (s3_listing_free), a struct s3_meta
 * owns its user metadata (s3_meta_free).
 */
#ifndef MCP_S3_S3_H
#define MCP_S3_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "net.h"
#include "util.h"

#define S3_ERESPONSE	-1	/* S3 answered with an error document */
#define S3_ENET		-2	/* could not resolve, connect, or was reset */
#define S3_ETIMEOUT	-3	/* connect or read deadline passed */
#define S3_ETLS		-4	/* TLS handshake or certificate check failed */
#define S3_ECANCELED	-5	/* the client cancelled the call */
#define S3_EPROTO	-6	/* the reply was malformed */
#define S3_ENOCREDS	-7	/* no credentials configured */
#define S3_ENOMEM	-8
#define S3_ERANGE	-9	/* offset at or past the end of the object */
#define S3_EINVAL	-10	/* a bucket or key S3 cannot address */
#define S3_ECREDS	-11	/* a credential source failed; see message */

struct s3_error {
	int	 status;		/* HTTP status; 0 when none came */
	char	 code[64];		/* S3's error code, or ours */
	char	 message[512];		/* S3's message or the local reason */
	char	 request_id[128];
	char	 region[32];		/* from PermanentRedirect and friends */
};

struct tls_anchors;
struct s3_impl;

struct s3_client {
	const struct config_conn	*conn;
	const struct tls_anchors	*anchors;
	struct s3_impl			*impl;	/* connection, signing cache */
	struct net_watch		 watch;	/* fd -1: none */
};

/*
 * Sets a client up; no network I/O.  get/arg read the environment for
 * the credential chain (config_getenv fits).  The region is the
 * connection's (its JSON, AWS_REGION, AWS_DEFAULT_REGION), else its
 * profile's, else us-east-1.  On failure (S3_ENOMEM, or S3_EINVAL for a
 * credential setting or profile file that is invalid) err->message says
 * why; err may be NULL.
 */
int	s3_client_open(struct s3_client *, const struct config_conn *,
	    const struct tls_anchors *, config_get_fn get, void *arg,
	    struct s3_error *err);
/* s3_client_open() with the process environment. */
int	s3_client_init(struct s3_client *, const struct config_conn *,
	    const struct tls_anchors *);
void	s3_client_free(struct s3_client *);
/* While a request waits, w->fd is polled; on input w->on_watch(w->arg)
 * runs and a nonzero return cancels the request (S3_ECANCELED).  *w is
 * copied; NULL removes the watch. */
void	s3_client_watch(struct s3_client *, const struct net_watch *w);

/*
 * Where the client's credentials come from: the configured source
 * ("static", "profile:NAME", "container", ...) before the first request,
 * the actual one after ("assume-role:ARN", "imds", ...).  Never a secret.
 */
const char	*s3_client_creds_source(const struct s3_client *);
/* The region requests are signed for when no bucket says otherwise. */
const char	*s3_client_region(const struct s3_client *);

/* One entry of a listing; strings live in the listing's pool. */
struct s3_item {
	size_t		 off;		/* key or bucket name in pool */
	size_t		 len;
	uint64_t	 size;
	char		 date[21];	/* last modified or creation date */
	char		 etag[72];
	char		 storage_class[32];
	int		 invalid;	/* key not UTF-8: never shown as is */
};

struct s3_span {
	size_t	off;
	size_t	len;
};

struct s3_listing {
	struct buf	 pool;
	struct s3_item	*items;
	size_t		 nitems;
	size_t		 itemcap;
	struct s3_span	*prefixes;
	size_t		 nprefixes;
	size_t		 prefixcap;
	size_t		 skipped;	/* keys or prefixes not valid UTF-8 */
	/* The greatest key or common prefix of the page, shown or not (a
	 * listing that walks on with start-after needs it); has_last 0 when
	 * the page held none. */
	struct s3_span	 last;
	int		 has_last;
	int		 last_prefix;	/* last is a common prefix */
	int		 is_truncated;
	int		 has_next;
	struct s3_span	 next_token;
};

void	s3_listing_free(struct s3_listing *);
#define S3_POOL(l, s)	((l)->pool.p + (s).off)

struct s3_list_params {
	struct slice	bucket;
	struct slice	prefix;
	struct slice	delimiter;
	struct slice	token;		/* continuation token */
	struct slice	start_after;
	unsigned	max_keys;	/* 1..1000 */
};

int	s3_list_buckets(struct s3_client *, struct s3_listing *,
	    struct s3_error *);
int	s3_list_objects(struct s3_client *, const struct s3_list_params *,
	    struct s3_listing *, struct s3_error *);

/* What HeadObject and GetObject say about an object. */
struct s3_meta {
	uint64_t	size;		/* the whole object */
	uint64_t	content_length;	/* bytes in this response */
	char		content_type[128];
	char		last_modified[21];
	char		etag[72];
	char		storage_class[32];
	char		version_id[128];
	char		cache_control[128];
	char		content_encoding[64];
	char		content_disposition[256];
	struct buf	user;		/* "name\0value\0" pairs, names lower */
	size_t		nuser;
};

void	s3_meta_free(struct s3_meta *);

int	s3_head_object(struct s3_client *, struct slice bucket,
	    struct slice key, struct s3_meta *, struct s3_error *);
/* HeadBucket: 0 when the bucket exists and these credentials may use it;
 * a failure names the error as S3 does (NoSuchBucket, AccessDenied...). */
int	s3_head_bucket(struct s3_client *, struct slice bucket,
	    struct s3_error *);

/*
 * One GET with Range: bytes=offset-(offset+length-1); the window's bytes
 * are appended to body (which must allow length more bytes) and meta->size
 * is the whole object's size from Content-Range.  A zero-byte object read
 * at offset 0 gives an empty body.  An offset at or past the end gives
 * S3_ERANGE with meta->size set.
 */
int	s3_get_object(struct s3_client *, struct slice bucket,
	    struct slice key, uint64_t offset, uint64_t length,
	    struct buf *body, struct s3_meta *, struct s3_error *);

/*
 * Watches a body as it comes in: called after each piece is appended, with
 * the body received so far (from where this call began to append).  It may
 * read the bytes, not change them.  (Requests are retried only before
 * their status is seen, so a body never starts again.)
 */
typedef void	(*s3_body_watch)(void *arg, const char *body, size_t n);

/* s3_get_object, with watch(arg, ...) called as the body comes in. */
int	s3_get_object_watched(struct s3_client *, struct slice bucket,
	    struct slice key, uint64_t offset, uint64_t length,
	    struct buf *body, struct s3_meta *, struct s3_error *,
	    s3_body_watch watch, void *arg);

/* What a write says back; empty strings when S3 did not say. */
struct s3_written {
	char	etag[72];
	char	version_id[128];
	char	last_modified[21];
	int	delete_marker;
};

/* Options of a PUT, and of a copy that replaces metadata. */
struct s3_put_opts {
	struct slice		 content_type;	/* empty: none sent */
	const struct slice	*meta;		/* name, value, name, value... */
	size_t			 nmeta;		/* pairs */
	int			 if_none_match;	/* refuse to overwrite */
};

/* One PUT of the whole body, signed with its SHA-256. */
int	s3_put_object(struct s3_client *, struct slice bucket,
	    struct slice key, const void *body, size_t len,
	    const struct s3_put_opts *, struct s3_written *, struct s3_error *);

/* DELETE of a key, or of one version of it (version empty: none). */
int	s3_delete_object(struct s3_client *, struct slice bucket,
	    struct slice key, struct slice version, struct s3_written *,
	    struct s3_error *);

/*
 * Server-side copy.  replace NULL keeps the source's metadata (COPY);
 * otherwise its metadata and content type replace them (REPLACE).
 */
int	s3_copy_object(struct s3_client *, struct slice src_bucket,
	    struct slice src_key, struct slice dst_bucket, struct slice dst_key,
	    const struct s3_put_opts *replace, struct s3_written *,
	    struct s3_error *);

/*
 * A query-string SigV4 URL for GET or PUT of a key, valid for expires
 * seconds from now.  base: "http(s)://host[:port]" to sign for instead of
 * the connection's endpoint (S3_PRESIGN_ENDPOINT), or NULL.
 */
int	s3_presign(struct s3_client *, const char *method, struct slice bucket,
	    struct slice key, uint32_t expires, time_t now, const char *base,
	    struct buf *url, struct s3_error *);

#endif
