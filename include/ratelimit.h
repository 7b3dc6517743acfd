/*
 * ratelimit.h - token buckets for MCP_S3_RATE_LIMIT (tool calls per
 * second, with a burst) and MCP_S3_BYTE_LIMIT (object bytes per period).
 *
 * A bucket holds at most `burst` tokens and gains `per_sec` tokens a
 * second; times come from the caller (monotonic milliseconds, see
 * time_now_ms), so the arithmetic is testable without sleeping.  A call
 * takes one token; object bytes are charged as they are known, and the
 * byte bucket may run into debt (a read of unknown size is allowed while
 * the bucket is not empty, then charged in full), which later calls wait
 * out.  Over time no more than `per_sec` per second on average pass.
 *
 * Specifications, as the settings spell them:
 *
 *   MCP_S3_RATE_LIMIT  off | RATE[/s|/m|/h][,BURST]
 *                      RATE a positive decimal (at most 3 decimals),
 *                      BURST a whole number >= 1; default burst: RATE
 *                      per second rounded up, at least 1.
 *                      "10" = 10 calls/s, burst 10; "2/s,20"; "30/m,5".
 *   MCP_S3_BYTE_LIMIT  off | SIZE[/s|/m|/h]
 *                      SIZE as the size settings (10MB, 1GiB, 512KiB);
 *                      per minute when no period is given; the burst is
 *                      SIZE itself (one period's worth may pass at once).
 *
 * Not thread-safe; one set of buckets per server.
 */
#ifndef MCP_S3_RATELIMIT_H
#define MCP_S3_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Largest RATE (per second) and BURST accepted. */
#define RATE_MAX_CALLS		1000000.0
/* Text of a specification, for messages (as given, trimmed to fit). */
#define RATE_SPEC_BYTES		48

struct rate_bucket {
	int	 on;
	double	 per_ms;	/* tokens gained per millisecond */
	double	 burst;		/* most tokens held */
	double	 tokens;	/* may be negative: debt */
	int64_t	 last_ms;	/* time of the last refill */
	char	 spec[RATE_SPEC_BYTES];	/* as configured, for messages */
};

/*
 * Parse a specification into b (left off for "off"); 0 or -1.  On -1,
 * why[] says what is wrong in a few words, for the caller's message.
 */
int	rate_parse_calls(const char *s, struct rate_bucket *b, char *why,
	    size_t whylen);
int	rate_parse_bytes(const char *s, struct rate_bucket *b, char *why,
	    size_t whylen);

/* Fill the bucket and set its clock: call once at start. */
void	rate_start(struct rate_bucket *, int64_t now_ms);

/*
 * Milliseconds until n tokens are there (0: now); takes nothing.  -1
 * when n is more than the bucket ever holds.
 */
int64_t	rate_wait(struct rate_bucket *, double n, int64_t now_ms);

/* Take n tokens if they are there: 0, else rate_wait()'s answer. */
int64_t	rate_take(struct rate_bucket *, double n, int64_t now_ms);

/* Take n tokens whatever the level (into debt when short). */
void	rate_charge(struct rate_bucket *, double n, int64_t now_ms);

#endif
