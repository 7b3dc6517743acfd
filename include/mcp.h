/*
 * mcp.h - the MCP server over the stdio framing of jsonrpc.h, in both
 * eras: server/discover at any time; a request naming 2026-07-28 in its
 * _meta served on its own; otherwise the legacy lifecycle (initialize,
 * initialized); ping, tools/list, tools/call and notifications/cancelled.
 */
#ifndef MCP_S3_MCP_H
#define MCP_S3_MCP_H

#include <stddef.h>

#include "config.h"

/*
 * The legacy versions initialize negotiates, newest first; an unknown one
 * gets the first.  2026-07-28 is not among them: it is named per request.
 */
extern const char *const mcp_versions[];

/* SIGTERM and SIGINT end the loop after the message in hand. */
void	mcp_install_signals(void);

struct server;

/*
 * The stdio loop over an open server (server.h): serves until end of
 * input or a signal.  0 on a clean end; otherwise nonzero with a message
 * in err (a failed write to out).
 */
int	mcp_run(struct server *, int in, int out, char *err, size_t errlen);

/*
 * Opens a server on cfg, runs mcp_run() and closes it: for tests, which
 * need no sandbox.  Nonzero with a message in err also when the server
 * does not open.
 */
int	mcp_serve(struct config *, int in, int out, char *err, size_t errlen);

#endif
