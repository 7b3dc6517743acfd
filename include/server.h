/*
 * server.h - the running server: what every transport and every tool
 * call share for the life of the process.
 *
 * server_open() takes the configuration and sets up, in order: the key
 * that seals listing tokens, the rate buckets, the trust anchors (system
 * or AWS_CA_BUNDLE, and each connection's own ca_bundle), the audit log
 * and one S3 client per connection.  main opens it, narrows the process
 * (sandbox.h) and hands it to the stdio loop (mcp.h); `mcp-s3 check`
 * opens it without the audit log.  Fields are read by the tools
 * (tools_impl.h); nobody else writes them.
 */
#ifndef MCP_S3_SERVER_H
#define MCP_S3_SERVER_H

#include <stddef.h>

#include "config.h"
#include "listing.h"
#include "ratelimit.h"
#include "s3.h"

#define SERVER_NO_AUDIT	0x1	/* do not open the audit log (check) */

struct audit;
struct tls_anchors;

struct server {
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

/*
 * Opens the server on cfg, which must outlive it.  A sealed audit log
 * wipes the key K0 in cfg (cfg->audit_key) once the log is open, hence
 * the non-const config.  0, or -1 with a message in err naming the
 * setting at fault; after a failure server_close() frees what was set up.
 */
int	server_open(struct server *, struct config *cfg, unsigned flags,
	    char *err, size_t errlen);
/* Closes the clients and the audit log, wipes the token key. */
void	server_close(struct server *);
/* The client of connection k (one of cfg->conns). */
struct s3_client *server_client(struct server *, const struct config_conn *k);
/* Every client watches w while it waits (see s3_client_watch); NULL:
 * none. */
void	server_watch(struct server *, const struct net_watch *w);

#endif
