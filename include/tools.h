/*
 * tools.h - running the tools of catalog.h: argument validation against
 * each tool's schema, the S3 calls, and results shaped for a model.
 *
 * A result is a CallToolResult written with jsonw: on success text blocks
 * (compact text for the model, or the JSON of structuredContent when
 * MCP_S3_TEXT_FORMAT=json) plus structuredContent; on failure one text
 * block that starts with a stable code ("NoSuchKey: ...") and isError.
 */
#ifndef MCP_S3_TOOLS_H
#define MCP_S3_TOOLS_H

#include "catalog.h"
#include "config.h"
#include "json.h"
#include "jsonrpc.h"
#include "jsonw.h"
#include "listing.h"
#include "s3.h"

#define TOOLS_ECANCELED	-1	/* the client cancelled; nothing written */

struct audit;

struct tools {
	const struct config	*cfg;
	struct tls_anchors	*anchors;	/* system or AWS_CA_BUNDLE */
	struct tls_anchors	*own_anchors[CONFIG_MAX_CONNS]; /* ca_bundle */
	const struct tls_anchors *conn_anchors[CONFIG_MAX_CONNS];
	struct audit		*audit;		/* NULL: no audit */
	int			 audit_failed;	/* said once on stderr */
	struct s3_client	 clients[CONFIG_MAX_CONNS];
	struct rate_bucket	 calls;		/* MCP_S3_RATE_LIMIT */
	struct rate_bucket	 bytes;		/* MCP_S3_BYTE_LIMIT */
	struct listing_key	 list_key;	/* seals listing tokens */
};

/* Loads the trust anchors when a connection uses https. */
int	tools_init(struct tools *, const struct config *, char *err,
	    size_t errlen);
void	tools_free(struct tools *);
void	tools_watch(struct tools *, int fd, int (*on_input)(void *),
	    void *arg);

/*
 * Runs tool e with arguments args (an object token of j, or negative for
 * none) and writes its CallToolResult as the next value of w.  Checks
 * read-only mode and the access rules before any I/O, and writes one
 * audit record (request_id: the raw JSON-RPC id) when auditing is on.  Large
 * results are written out through out as they are produced.  The result
 * takes at most room bytes (what is left of the message budget): an
 * s3_get_object window is cut to fit, any other result that would not fit
 * is refused with SizeLimit.  Returns 0,
 * or TOOLS_ECANCELED with nothing written.
 */
int	tools_call(struct tools *, const struct catalog_entry *e,
	    const struct json *j, int args, struct slice request_id,
	    size_t room, struct jsonw *w, struct jsonrpc_writer *out);

#endif
