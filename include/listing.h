/*
 * listing.h - ListObjectsV2 under access rules: a listing that shows
 * exactly what S3 would list if the bucket held only the keys the rules
 * show, and lets nothing else out, not even through its paging.
 *
 * Why: S3's own listing of a prefix that the rules only partly allow
 * carries what they hide: its continuation token (RGW's, and some
 * MinIO versions', is the raw last key of the unfiltered page), common
 * prefixes that exist only because of hidden keys, and, for a listing
 * wider than the allowed space, pages that are nothing but hidden keys.
 *
 * What listing_run() does for bucket B, prefix P, delimiter D, start
 * after SA, at most M entries (keys and common prefixes together, as
 * S3 counts them):
 *	- it asks S3 only for the ranges policy_list_ranges() gives (the
 *	  allowed prefixes narrowed to P), in byte order, so a listing of
 *	  a whole bucket never pages through what lies outside them;
 *	- every key is checked with policy_visible(); the walk jumps past a
 *	  denied prefix as soon as it meets a key under it (start-after
 *	  the prefix followed by U+10FFFF, greater than every UTF-8 key
 *	  under it);
 *	- a common prefix is shown only when a key the rules show lies
 *	  under it: at once when the rules show everything under it, never
 *	  when they show nothing, and otherwise after looking for one
 *	  (a probe: keys under it, with the same jumps);
 *	- the result is the listing of the visible keys as S3 would give
 *	  it: keys without D after P, and P + ... + D once for each group of
 *	  visible keys that share it;
 *	- one call makes at most LISTING_MAX_REQUESTS requests; when that
 *	  or M ends it, the result is truncated and carries a token.
 *
 * The position of the walk is a raw key (possibly a hidden one), kept
 * only inside a sealed token: ChaCha20 under a key drawn at start, and
 * an HMAC-SHA256 tag over the ciphertext, the connection, B, P and D.
 * The token is base64url text ("l1." + 43..) that says nothing without
 * the key; one that was forged, changed, made by another process (the
 * key is not kept across restarts) or issued for another listing is
 * refused with LISTING_ETOKEN.  A token names a place, not a snapshot:
 * keys written meanwhile are listed when they sort after it.
 *
 * Memory: results go into a caller-initialised struct s3_listing (as
 * s3_list_objects fills it; s3_listing_free releases), with the sealed
 * token in next_token.  Errors: 0, LISTING_ETOKEN, or the fetch
 * function's negative S3_E* code with *err filled.
 */
#ifndef MCP_S3_LISTING_H
#define MCP_S3_LISTING_H

#include <stdint.h>

#include "policy.h"
#include "s3.h"

#define LISTING_ETOKEN		-40	/* a token this server did not issue */

/* S3 requests one listing call may make. */
#define LISTING_MAX_REQUESTS	10
/* Keys asked for by one probe of a common prefix. */
#define LISTING_PROBE_KEYS	200

struct listing_key {
	uint8_t	enc[32];
	uint8_t	mac[32];
};

/* Draws a fresh key (getrandom); 0 or UTIL_EINVAL when no randomness. */
int	listing_key_init(struct listing_key *);
void	listing_key_wipe(struct listing_key *);

/* One ListObjectsV2 request; s3_list_objects with its client as arg. */
typedef int (*listing_fetch_fn)(void *arg, const struct s3_list_params *,
	    struct s3_listing *, struct s3_error *);

struct listing_req {
	const struct policy_rules	*rules;
	struct slice			 connection;	/* bound into tokens */
	struct slice			 bucket;
	struct slice			 prefix;
	struct slice			 delimiter;
	struct slice			 start_after;	/* ignored with a token */
	struct slice			 token;		/* ours, or empty */
	unsigned			 max_keys;	/* 1..1000 */
	unsigned			 requests;	/* out: S3 requests */
};

int	listing_run(const struct listing_key *, struct listing_req *,
	    listing_fetch_fn fetch, void *arg, struct s3_listing *out,
	    struct s3_error *err);

#endif
