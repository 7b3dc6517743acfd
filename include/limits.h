/*
 * limits.h - every bound mcp-s3 enforces, with its unit, in one place.
 *
 * Each limit is tested at N and N+1 by the unit tests of the module that
 * enforces it.  Settings that a user may change (MCP_S3_MAX_GET_SIZE, ...)
 * live in config.h; these are the fixed ones.
 */
#ifndef MCP_S3_LIMITS_H
#define MCP_S3_LIMITS_H

/* stdio framing: longest JSON-RPC line accepted, in bytes (without '\n'). */
#define MAX_LINE_BYTES		(16u * 1024 * 1024)

/*
 * stdout framing: the smallest MCP_S3_MAX_MESSAGE_SIZE accepted, in bytes
 * (with the '\n'). It holds the largest answer that cannot be cut: an
 * s3_get_object window of one character with the longest key, metadata
 * and id, an error, tools/list (tests/unit/test_budget.c builds them).
 */
#define MCP_MIN_MESSAGE_BYTES	(512u * 1024)
/* JSON-RPC: longest id a request may carry, as written (quotes included). */
#define JSONRPC_MAX_ID_BYTES	(128u * 1024)

/* JSON: tokens in one message, nesting depth. */
#define JSON_MAX_TOKENS		65536
#define JSON_MAX_DEPTH		64

/* S3 keys and buckets (S3's own limits). */
#define S3_MAX_KEY_BYTES	1024
#define S3_MAX_BUCKET_BYTES	63
#define S3_MIN_BUCKET_BYTES	3

/* XML scanner: nesting depth, element name, text of one element, in bytes. */
#define XML_MAX_DEPTH		16
#define XML_MAX_NAME_BYTES	64
#define XML_MAX_TEXT_BYTES	4096

/* HTTP: whole response head, one header line, number of headers. */
#define HTTP_MAX_HEAD_BYTES	(64u * 1024)
#define HTTP_MAX_HEADERS	100
#define HTTP_MAX_CHUNK_LINE	256
/* Largest non-object body we buffer (XML listings and errors). */
#define HTTP_MAX_XML_BODY	(8u * 1024 * 1024)

/* Retries of idempotent requests: attempts in all, backoff base and cap (ms). */
#define HTTP_MAX_ATTEMPTS	4
#define HTTP_BACKOFF_BASE_MS	100
#define HTTP_BACKOFF_CAP_MS	2000

/* TLS: trust anchors loaded from a CA bundle. */
#define TLS_MAX_ANCHORS		1024
#define TLS_MAX_BUNDLE_BYTES	(4u * 1024 * 1024)

/* User metadata returned by HeadObject/GetObject. */
#define S3_MAX_META_ENTRIES	64
#define S3_MAX_META_BYTES	8192

/*
 * Tools: the arena of one call (its arguments but content, its messages),
 * in bytes; content and answers grow in buffers of their own.
 */
#define TOOLS_CALL_ARENA_BYTES	(256u * 1024)

/* Objects returned by one ListObjectsV2 page (S3 caps max-keys at 1000). */
#define S3_MAX_LIST_KEYS	1000

/* HTTP: one status or header line of a response, in bytes (without CRLF). */
#define HTTP_MAX_LINE_BYTES	(8u * 1024)
/*
 * s3_get_object: a text body scanned as it comes in keeps the escaped size
 * at a mark about every this many bytes, so that cutting its window to
 * the message budget reads at most this much again (tools.c).
 */
#define TEXT_SCAN_STEP		(64u * 1024)

/* HTTP: the read buffer of one connection, in bytes. */
#define HTTP_READ_BUF_BYTES	(64u * 1024)

#endif
