/*
 * server.c - the running server; see server.h.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "server.h"
#include "tls.h"

/* see server.h */
int
server_open(struct server *srv, struct config *cfg, unsigned flags, char *err,
    size_t errlen)
{
	struct s3_error se;
	size_t i;
	struct tls_trust_env trust;
	const char *var, *val;
	int need_tls = 0, rc;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	if (listing_key_init(&srv->list_key) != 0) {
		snprintf(err, errlen, "cannot draw the key that seals listing "
		    "tokens: no random bytes (getrandom, /dev/urandom)");
		return -1;
	}
	srv->calls = cfg->rate_calls;
	srv->bytes = cfg->rate_bytes;
	rate_start(&srv->calls, time_now_ms());
	rate_start(&srv->bytes, time_now_ms());
	for (i = 0; i < cfg->nconns; i++)
		need_tls |= cfg->conns[i].tls && cfg->conns[i].ca_bundle == NULL;
	if (need_tls) {
		memset(&trust, 0, sizeof(trust));
		if (cfg->ca_bundle_var != NULL &&
		    strcmp(cfg->ca_bundle_var, "AWS_CA_BUNDLE") == 0)
			trust.aws_ca_bundle = cfg->ca_bundle;
		else
			trust.ssl_cert_file = cfg->ca_bundle;
		trust.ssl_cert_dir = cfg->ssl_cert_dir;
		rc = tls_anchors_from_env(&srv->anchors, &trust, &var, &val);
		if (rc != 0 && var != NULL) {
			snprintf(err, errlen, "%s: cannot load trusted CA "
			    "certificates from %s: %s", var, val,
			    tls_strerror(rc));
			return -1;
		} else if (rc != 0) {
			snprintf(err, errlen, "https: cannot load trusted CA "
			    "certificates: %s", tls_strerror(rc));
			return -1;
		}
	}
	/* A connection with its own ca_bundle trusts only that. */
	for (i = 0; i < cfg->nconns; i++) {
		srv->conn_anchors[i] = srv->anchors;
		if (!cfg->conns[i].tls || cfg->conns[i].ca_bundle == NULL)
			continue;
		rc = tls_anchors_load(&srv->own_anchors[i],
		    cfg->conns[i].ca_bundle);
		if (rc != 0) {
			snprintf(err, errlen, "S3_ADDITIONAL_CONNECTIONS: "
			    "connection \"%s\": cannot load ca_bundle %s: %s",
			    cfg->conns[i].name, cfg->conns[i].ca_bundle,
			    tls_strerror(rc));
			return -1;
		}
		srv->conn_anchors[i] = srv->own_anchors[i];
	}
	/* A sealed log wipes K0 in cfg once open. */
	if (cfg->audit && !(flags & SERVER_NO_AUDIT) &&
	    audit_open_sealed(&srv->audit, cfg->audit_file,
	    &(struct audit_sealing){ cfg->audit_keyed ? cfg->audit_key : NULL,
	    cfg->audit_seal_records, cfg->audit_seal_seconds }, err,
	    errlen) != 0)
		return -1;
	for (i = 0; i < cfg->nconns; i++) {
		if (s3_client_open(&srv->clients[i], &cfg->conns[i],
		    srv->conn_anchors[i], cfg->get, cfg->get_arg, &se) != 0) {
			snprintf(err, errlen, "%s", se.message[0] ? se.message :
			    "out of memory");
			return -1;
		}
	}
	return 0;
}

/* see server.h */
void
server_close(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->cfg->nconns; i++)
		s3_client_free(&srv->clients[i]);
	listing_key_wipe(&srv->list_key);
	tls_anchors_free(srv->anchors);
	srv->anchors = NULL;
	for (i = 0; i < CONFIG_MAX_CONNS; i++) {
		tls_anchors_free(srv->own_anchors[i]);
		srv->own_anchors[i] = NULL;
	}
	if (srv->audit != NULL)
		audit_close(srv->audit);
	srv->audit = NULL;
}

/* see server.h */
struct s3_client *
server_client(struct server *srv, const struct config_conn *k)
{
	return &srv->clients[k - srv->cfg->conns];
}

/* see server.h */
void
server_watch(struct server *srv, const struct net_watch *w)
{
	size_t i;

	for (i = 0; i < srv->cfg->nconns; i++)
		s3_client_watch(&srv->clients[i], w);
}

