/*
 * mcp.h - the MCP server: lifecycle (initialize, initialized), ping,
 * tools/list, tools/call and notifications/cancelled, over the stdio
 * framing of jsonrpc.h.
 */
#ifndef MCP_S3_MCP_H
#define MCP_S3_MCP_H

#include <stddef.h>

#include "config.h"

/* Protocol versions we speak, newest first; an unknown one gets the first. */
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
