/*
 * check.h - `mcp-s3 check`: loads the configuration as the server does
 * and proves, for each connection, that its endpoint is reachable, that
 * TLS verifies and that its credentials are accepted, with one cheap
 * read: ListBuckets, or HeadBucket on each bucket of
 * MCP_S3_ALLOWED_BUCKETS when that list restricts the buckets (as
 * s3_list_buckets then never calls ListBuckets either).
 *
 * A check is not a tool call: it writes nothing to S3, writes no audit
 * record and does not open the audit file.  It runs in read-only mode
 * and in read-write mode alike.  Each connection is checked in a child
 * process of its own, all at once, each call bounded by the connection's
 * timeout (S3_TIMEOUT, its "timeout", or --timeout for all): a dead
 * endpoint fails on its own and the check takes as long as the slowest
 * connection.  The rows keep the configured order.  After a connection
 * fails to connect, authenticate or verify TLS, its remaining buckets are
 * reported "Skipped" rather than each waiting out the same timeout.
 *
 * Output: a table on stdout (or one JSON object with --json); a failed
 * row is followed by its stable error code and a one-line message.  No
 * field ever holds a secret; text from the server is cut to one line of
 * printable characters.
 *
 * Exit status: CHECK_PASSED, CHECK_FAILED, or CHECK_USAGE for a bad
 * command line or configuration (the message, on stderr, names the
 * variable or the flag; nothing is written to stdout then).
 */
#ifndef MCP_S3_CHECK_H
#define MCP_S3_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "util.h"

#define CHECK_PASSED	0	/* every connection passed */
#define CHECK_FAILED	1	/* at least one failed */
#define CHECK_USAGE	2	/* bad flag or configuration; nothing run */

#define CHECK_CODE_BYTES	64
#define CHECK_MESSAGE_BYTES	640

/*
 * One probe of one connection, as shown.  Strings are borrowed and
 * already made safe to print (check_safe_copy); bucket and code/message
 * are NULL when they do not apply.
 */
struct check_row {
	const char	*connection;
	const char	*region;
	const char	*endpoint;
	const char	*addressing;	/* "path" or "virtual-hosted" */
	const char	*credentials;	/* where the keys come from */
	const char	*call;		/* "ListBuckets" or "HeadBucket" */
	const char	*bucket;	/* HeadBucket's bucket, else NULL */
	int		 ok;
	int64_t		 ms;
	const char	*code;		/* on failure: NetworkError, ... */
	const char	*message;	/* on failure: one line */
};

/*
 * The text table of n rows, appended to out: a header line, one line a
 * row with columns as wide as their widest value, each failed row
 * followed by "  CODE: message", and a closing line counting connections
 * (rows of one connection are adjacent; it passed when all its rows
 * did).  Returns 0 or UTIL_ENOMEM.
 */
int	check_table(struct buf *out, const struct check_row *, size_t n);

/*
 * The same as one JSON object:
 *   {"ok":B,"passed":N,"failed":N,"connections":[{"name","region",
 *    "endpoint","addressing","credentials","ok","ms",
 *    "checks":[{"call","bucket"?,"ok","ms","code"?,"message"?}]}]}
 * with a newline.  Returns 0 or a JSONW_E* code.
 */
int	check_json(struct buf *out, const struct check_row *, size_t n);

/*
 * Copies src into dst (cap bytes, NUL included): control characters
 * become spaces, bytes of invalid UTF-8 become '?', and a cut falls on a
 * character boundary.
 */
void	check_safe_copy(char *dst, size_t cap, const char *src, size_t n);

/*
 * The subcommand: argv[0] is "check", then the flags --connection NAME,
 * --json, --timeout DURATION, --help.  Settings come through get/arg as
 * for config_load().  Writes to out and errout; returns the exit status.
 */
int	check_main(int argc, char *argv[], config_get_fn get, void *arg,
	    FILE *out, FILE *errout);

#endif
