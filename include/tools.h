/*
 * tools.h - running the tools of catalog.h on the server (server.h):
 * argument validation against each tool's schema, the gate, the S3
 * calls, and results shaped for a model.
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

#define TOOLS_ECANCELED	-1	/* the client cancelled; nothing written */

struct server;

/*
 * The Tool object tools/list shows for e under cfg, or NULL when the tool
 * is absent (a write tool in read-only mode).
 */
const char	*tools_listed(const struct catalog_entry *e,
		    const struct config *cfg);

/* What the protocol layer hands a tool call besides its arguments. */
struct tools_request {
	struct slice	 id;	/* the raw JSON-RPC id, for the audit record */
	size_t		 room;	/* bytes the result may take */
	unsigned	 flags;	/* TOOLS_MODERN */
};

/* A 2026-07-28 request: the result opens with "resultType":"complete". */
#define TOOLS_MODERN	0x1

/*
 * Runs tool e with arguments args (an object token of j, or negative for
 * none) and writes its CallToolResult as the next value of w.  Checks
 * read-only mode and the access rules before any I/O, and writes one
 * audit record (request_id: req->id) when auditing is on.  Large results
 * are written out through out as they are produced.  The result takes at
 * most req->room bytes (what is left of the message budget): an
 * s3_get_object window is cut to fit, any other result that would not fit
 * is refused with SizeLimit.  Returns 0, or TOOLS_ECANCELED with nothing
 * written.
 */
int	tools_call(struct server *, const struct catalog_entry *e,
	    const struct json *j, int args, const struct tools_request *req,
	    struct jsonw *w, struct jsonrpc_writer *out);

#endif
