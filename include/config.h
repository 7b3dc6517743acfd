/*
 * config.h - settings from the environment, validated once at start.
 *
 * Names, defaults and meanings follow txn2/mcp-s3 (see docs/configuration.md)
 * without its silent fallbacks: an invalid value makes config_load() fail
 * with a message naming the variable and the accepted forms.
 *
 * Memory: a struct config owns its strings (heap); config_free() wipes the
 * secrets and frees everything.
 */
#ifndef MCP_S3_CONFIG_H
#define MCP_S3_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "ratelimit.h"

#define CONFIG_EINVAL	-1	/* a setting is invalid; see the message */
#define CONFIG_ENOMEM	-2

#define CONFIG_MAX_CONNS	16	/* the primary and 15 more */
#define CONFIG_NAME_BYTES	64
#define CONFIG_REGION_BYTES	32
#define CONFIG_HOST_BYTES	256

enum config_text_format {
	CONFIG_TEXT_COMPACT,
	CONFIG_TEXT_JSON
};

/* One S3 connection: where, how addressed, with which credentials. */
struct config_conn {
	char	 name[CONFIG_NAME_BYTES];
	char	 region[CONFIG_REGION_BYTES];
	int	 region_set;		/* given, not the us-east-1 default */
	int	 custom_endpoint;	/* S3_ENDPOINT given */
	char	*endpoint;		/* as given, for display; NULL on AWS */
	int	 tls;			/* https */
	char	 host[CONFIG_HOST_BYTES];	/* endpoint host, no port */
	uint16_t port;
	int	 path_style;		/* S3_USE_PATH_STYLE */
	int	 path_style_set;	/* given explicitly */
	char	*access_key;		/* NULL when unset */
	char	*secret_key;		/* secret: wiped by config_free */
	char	*session_token;		/* secret: wiped by config_free */
	int64_t	 timeout_ms;		/* S3_TIMEOUT */
	char	*presign_base;		/* presign endpoint, no slash; NULL */
	char	*ca_bundle;		/* this connection's CA file; NULL */
	const char *creds_from;		/* where the keys come from, shown */
	char	*profile;		/* the connection's profile; NULL */
};

/* The most one call moves when MCP_S3_EXT_SIZELIMIT=false: memory. */
#define CONFIG_HARD_MAX_BYTES	(1024ull * 1024 * 1024)

struct config {
	struct config_conn	 conns[CONFIG_MAX_CONNS];
	size_t			 nconns;
	size_t			 default_conn;
	int			 readonly;	/* MCP_S3_EXT_READONLY */
	int			 sizelimit;	/* MCP_S3_EXT_SIZELIMIT */
	uint64_t		 max_get_size;	/* MCP_S3_MAX_GET_SIZE */
	uint64_t		 max_put_size;	/* MCP_S3_MAX_PUT_SIZE */
	uint64_t		 read_size;	/* MCP_S3_READ_SIZE */
	size_t			 line_limit;	/* longest message accepted */
	size_t			 max_message;	/* MCP_S3_MAX_MESSAGE_SIZE */
	enum config_text_format	 text_format;	/* MCP_S3_TEXT_FORMAT */
	char			*ca_bundle;	/* AWS_CA_BUNDLE or SSL_CERT_FILE */
	const char		*ca_bundle_var;	/* which of the two; NULL */
	char			*ssl_cert_dir;	/* SSL_CERT_DIR: dir[:dir...] */
	struct policy_rules	 rules;		/* MCP_S3_EXT_PREFIXACL & co */
	int			 audit;		/* MCP_S3_EXT_AUDIT */
	char			*audit_file;	/* MCP_S3_AUDIT_FILE; NULL: stderr */
	/* MCP_S3_AUDIT_KEY_FILE read at load (before the sandbox); K0 is
	 * wiped by audit_open_sealed() and by config_free(). */
	uint8_t			 audit_key[32];	/* AUDIT_KEY_BYTES */
	int			 audit_keyed;	/* audit_key holds K0 */
	unsigned		 audit_seal_records; /* MCP_S3_AUDIT_SEAL_RECORDS */
	unsigned		 audit_seal_seconds; /* MCP_S3_AUDIT_SEAL_SECONDS */
	int			 logging;	/* MCP_S3_EXT_LOGGING */
	int			 sandbox;	/* MCP_S3_SANDBOX: on 1, off 0 */
	struct rate_bucket	 rate_calls;	/* MCP_S3_RATE_LIMIT */
	struct rate_bucket	 rate_bytes;	/* MCP_S3_BYTE_LIMIT */
	/* The getter config_load() read with, kept for the credential
	 * chains (s3_client_open); valid as long as its arg is. */
	const char		*(*get)(const char *name, void *arg);
	void			*get_arg;
};

/* Reads one variable; NULL when unset.  getenv() fits via config_getenv. */
typedef const char *(*config_get_fn)(const char *name, void *arg);
const char	*config_getenv(const char *name, void *arg);

/*
 * Loads every setting.  On failure returns CONFIG_EINVAL and writes a
 * one-line message into err (naming the variable and the accepted forms);
 * the struct is then freed already.
 */
int	config_load(struct config *, config_get_fn, void *arg,
	    char *err, size_t errlen);
void	config_free(struct config *);

/* Parsers shared with tests: 0 or CONFIG_EINVAL (sizes: util.h). */
int	config_parse_bool(const char *, int *);
int	config_parse_duration_ms(const char *, int64_t *);

/*
 * S3_ADDITIONAL_CONNECTIONS: a JSON object, name -> {region, endpoint,
 * access_key_id, secret_access_key, session_token, profile,
 * use_path_style, presign_endpoint, timeout, ca_bundle}.  Connections
 * follow the primary in the order written.
 */

/* Looks a connection up by name; "" or NULL gives the default. */
const struct config_conn *config_conn_find(const struct config *,
	    const char *name, size_t len);

/* The settings table for --help: name, default, meaning. */
struct config_setting {
	const char	*name;
	const char	*def;
	const char	*meaning;
};
extern const struct config_setting config_settings[];

#endif
