/*
 * tools_impl.h - what the files of the tools share: one call's state, the
 * table of tools and the helpers every tool uses.  Only src/tools*.c
 * include it; the contract for everyone else is tools.h.
 *
 *   tools.c        the table of tools, dispatch, the gate (read-only
 *                  mode, access rules, rate limits) and the audit record
 *   tools_args.c   arguments: the table of their bounds, parsing, checks
 *   tools_out.c    results: text and structuredContent, errors, S3
 *                  failures, the message budget
 *   tools_read.c   the read tools: connections, buckets, listings,
 *                  metadata and object windows
 *   tools_write.c  the write tools: put, delete, copy; and presign
 *
 * Nothing of a result is written before the S3 calls are done, so an
 * error or a cancellation never leaves half a result behind.
 */
#ifndef MCP_S3_TOOLS_IMPL_H
#define MCP_S3_TOOLS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "server.h"
#include "tools.h"

/* Base64 is written in pieces of this many input bytes (a multiple of 3). */
#define B64_PIECE	(48u * 1024)
/* Text bodies are written in pieces of about this many bytes. */
#define TEXT_PIECE	(64u * 1024)

enum argid {
	A_BUCKET, A_KEY, A_PREFIX, A_DELIMITER, A_MAX_KEYS, A_TOKEN,
	A_START_AFTER, A_OFFSET, A_LENGTH, A_CONNECTION, A_CONTENT,
	A_IS_BASE64, A_CONTENT_TYPE, A_METADATA, A_IF_NONE_MATCH,
	A_VERSION_ID, A_SOURCE_BUCKET, A_SOURCE_KEY, A_DEST_BUCKET,
	A_DEST_KEY, A_METHOD, A_EXPIRES_IN, A_COUNT
};

enum argtype { T_STRING, T_INTEGER, T_BOOLEAN, T_STRINGMAP };

struct argdef {
	const char	*name;
	enum argtype	 type;
	int64_t		 min;	/* strings: bytes */
	int64_t		 max;
};

#define BIT(a)	(1u << (a))

struct args {
	unsigned	 have;
	/* strings: NUL-terminated copies in the call's arena */
	struct slice	 str[A_COUNT];
	int64_t		 num[A_COUNT];
	/*
	 * content, writable (a put decodes its base64 there in place):
	 * without escapes, its bytes in the call's line, not copied (the
	 * line is the reader's, held for the call); else unescaped into an
	 * arena_buf of the call.
	 */
	char		*content;
	size_t		 ncontent;
	/* metadata: names and values, NUL-terminated, in the call's arena */
	struct slice	 meta[2 * S3_MAX_META_ENTRIES];
	size_t		 nmeta;
};

/* One call: what a handler needs besides its arguments. */
struct call {
	struct server			*srv;
	const struct catalog_entry	*e;	/* name, schema */
	const struct tool_def		*d;	/* the tool's row */
	const struct config_conn	*conn;
	struct s3_client		*client;
	struct args			 a;
	/* Scratch of the call, wiped and given back when it ends. */
	struct arena			 arena;
	struct jsonw			*w;
	struct jsonrpc_writer		*out;
	size_t				 room;	/* bytes the result may take */
	unsigned			 flags;	/* TOOLS_MODERN */
	struct buf			 sc;	/* structuredContent */
	struct buf			 text;	/* compact text */
	int				 canceled;
	/* For the audit record. */
	char				 code[64];	/* error code, if any */
	int				 denied;
	char				 rule[POLICY_RULE_BYTES];
	char				 s3_request_id[128];
	uint64_t			 bytes;
	int				 has_bytes;
	uint64_t			 content_bytes;
	int				 has_content;
	int				 invalid;	/* bad arguments */
	int				 filter;	/* listing: rules hide keys */
	size_t				 entries;	/* listing: of the page */
};

/* What a tool's arguments name, for the gate and the audit record. */
enum tool_scope {
	SCOPE_NONE,	/* no object: connections, buckets */
	SCOPE_KEY,	/* bucket and key */
	SCOPE_COPY,	/* source_bucket/source_key to dest_bucket/dest_key */
	SCOPE_LISTING	/* bucket and prefix */
};

#define TOOL_WRITES	0x1	/* changes a bucket: absent when read-only */
#define TOOL_PUT_WRITES	0x2	/* writes when method is PUT (presign) */
#define TOOL_BYTES_IN	0x4	/* charged its content's bytes up front */
#define TOOL_BYTES_OUT	0x8	/* charged the bytes it returned */

/* One row per tool, indexed by enum catalog_tool. */
struct tool_def {
	void		(*run)(struct call *);
	unsigned	 takes;		/* BIT(argid) of the arguments taken */
	unsigned	 needs;		/* ... and of those required */
	enum tool_scope	 scope;
	unsigned	 flags;		/* TOOL_* */
};

extern const struct tool_def tools_table[TOOL_COUNT];
extern const struct argdef tools_argdefs[A_COUNT];

/*
 * tools.c: a struct buf (buf_init's limit) freed with the call, an
 * arena_buf of its arena; NULL after an InternalError result.
 */
struct buf	*tools_buf(struct call *, size_t limit);

/* tools_args.c */
struct slice	 tools_arg(const struct call *, enum argid);
int		 tools_parse_args(struct call *, const struct json *, int obj);

/* tools_out.c */
void	tools_error(struct call *, const char *code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void	tools_text_safe(struct buf *, const char *, size_t);
void	tools_text_val(struct buf *, const char *);
void	tools_text_etag(struct buf *, const char *);
void	tools_text_object(struct buf *, struct slice bucket, struct slice key);
void	tools_s3_fail(struct call *, int rc, const struct s3_error *);
void	tools_begin_result(struct call *);
void	tools_end_result(struct call *);
void	tools_write_result(struct call *);
void	tools_long_string(struct call *, const char *, size_t, int b64);
void	tools_sc_begin(struct call *, struct jsonw *);

/* tools_read.c */
void	tools_list_connections(struct call *);
void	tools_list_buckets(struct call *);
void	tools_list_objects(struct call *);
void	tools_get_object_metadata(struct call *);
void	tools_get_object(struct call *);

/* tools_write.c */
void	tools_put_object(struct call *);
void	tools_delete_object(struct call *);
void	tools_copy_object(struct call *);
void	tools_presign_url(struct call *);

#endif
