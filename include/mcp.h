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

/*
 * Serves until end of input or a signal.  0 on a clean end; otherwise
 * nonzero with a message in err (a failed write to out, a failed start).
 */
int	mcp_serve(const struct config *, int in, int out, char *err,
	    size_t errlen);

/*
 * mcp_serve(), calling ready(cfg) once the tools are set up (trust
 * anchors loaded, audit file open) and before the first message is read:
 * main.c narrows the process there (sandbox.h).
 */
int	mcp_serve_ready(const struct config *, int in, int out, char *err,
	    size_t errlen, void (*ready)(const struct config *));

#endif
