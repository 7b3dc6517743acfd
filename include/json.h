/*
 * json.h - a strict JSON reader (RFC 8259) for JSON-RPC lines.
 *
 * json_parse() checks the whole input against RFC 8259 and fills a
 * caller-provided array of tokens, one per value and one per object key,
 * in document order (a container comes before its children; the value of
 * the member whose key is token k is token k + 1).  Token 0 is the root.
 * Nothing is accepted that RFC 8259 rejects: literals are exactly true,
 * false and null; numbers follow the grammar (no leading zeros, no '+',
 * no bare '.'); strings hold no raw control characters, only the escapes
 * of the RFC, and \u escapes whose surrogates are paired; the input is
 * valid UTF-8; there is exactly one top-level value with only space, tab,
 * CR and LF around it (no byte-order mark).  Beyond the RFC, objects with
 * two members of the same key (compared after unescaping) are rejected.
 *
 * Memory: the reader never allocates.  struct json and the token array
 * belong to the caller; both borrow the source, which must outlive them
 * and must not change.  The source need not be NUL-terminated and is never
 * read past len.  Only json_decode() writes into a struct buf.
 *
 * Errors: negative JSON_E* codes.  For a bad input the first error met
 * reading left to right is reported; a duplicate key is met where its
 * object closes.  Accessors that return a token index
 * take a negative index (an error from an earlier look-up) and return it
 * unchanged, so look-ups can be chained and checked once.
 */
#ifndef MCP_S3_JSON_H
#define MCP_S3_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define JSON_ESYNTAX	-1	/* not JSON: grammar, literal, number, escape */
#define JSON_EDEPTH	-2	/* nested deeper than JSON_MAX_DEPTH */
#define JSON_ETOKENS	-3	/* more tokens than the array (or JSON_MAX_TOKENS) */
#define JSON_EUTF8	-4	/* invalid UTF-8, or an unpaired surrogate escape */
#define JSON_EDUPKEY	-5	/* an object has two members with the same key */
#define JSON_ETYPE	-6	/* the token is not of the type asked for */
#define JSON_ERANGE	-7	/* number not integral or out of int64_t range */
#define JSON_ENOTFOUND	-8	/* no such member, no more children */
#define JSON_ELIMIT	-9	/* json_decode: the buffer's limit was reached */
#define JSON_ENOMEM	-10	/* json_decode: allocation failed */
#define JSON_EINVAL	-11	/* bad argument: NULL, bad index, input >= 4 GiB */

enum json_type {
	JSON_NONE = 0,		/* returned for an invalid index */
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL
};

/* One token.  The fields are private to json.c. */
struct json_tok {
	uint32_t	start;	/* first byte (the quote of a string) */
	uint32_t	end;	/* past the last byte */
	uint32_t	dlen;	/* keys: length once unescaped */
	uint32_t	hash;	/* keys: hash of the unescaped bytes */
	int32_t		size;	/* objects: members; arrays: elements */
	int32_t		next;	/* next sibling (key or element), or -1 */
	int32_t		link;	/* keys: scratch for the duplicate-key sort */
	int32_t		type;	/* enum json_type */
};

/* A parsed document.  The fields are private to json.c. */
struct json {
	const char	*src;
	size_t		 len;
	struct json_tok	*tok;
	int		 ntok;
};

/*
 * Parse src[0..len) into tok[0..maxtok).  At most JSON_MAX_TOKENS tokens
 * are used whatever maxtok is; a document that needs more fails with
 * JSON_ETOKENS, never a truncated result.  Returns the number of tokens
 * (>= 1) and sets up j, or a negative JSON_E* code, after which j and tok
 * hold nothing usable.
 */
int		json_parse(struct json *j, const char *src, size_t len,
		    struct json_tok *tok, size_t maxtok);

/*
 * The same bytes now live at src (a copy the caller made): token offsets
 * are relative, so the document reads from there from now on.
 */
void		json_rebase(struct json *j, const char *src);

/*
 * 1 if p[0..n) is exactly one JSON number (RFC 8259 section 6), or
 * exactly one JSON string with its quotes (section 7: the RFC's escapes
 * only, surrogate escapes paired, well-formed UTF-8, no raw control
 * byte); else 0.  The checks json_parse() makes, for text from elsewhere.
 */
int		json_number_valid(const char *p, size_t n);
int		json_string_valid(const char *p, size_t n);

/* A static English sentence for a JSON_E* code. */
const char	*json_strerror(int err);

/* The type of token t; JSON_NONE if t is not a token of j. */
enum json_type	json_type(const struct json *j, int t);

/* Members of an object or elements of an array; 0 for other tokens. */
int		json_size(const struct json *j, int t);

/*
 * The first child of t: the first key of an object, the first element of
 * an array.  JSON_ENOTFOUND if t is empty, JSON_ETYPE if t is no container.
 */
int		json_child(const struct json *j, int t);

/*
 * The sibling after t: the next key of the same object or the next element
 * of the same array, skipping t's subtree in constant time.  JSON_ENOTFOUND
 * after the last one (and for the root).  Iterate with
 *	for (k = json_child(j, o); k >= 0; k = json_next(j, k))
 * and take the value of key k as k + 1.
 */
int		json_next(const struct json *j, int t);

/*
 * The value of the member of object obj whose key, once unescaped, is
 * byte for byte the C string key (so "\u0061" is found as "a"; a key with
 * an escaped NUL is never found).  JSON_ENOTFOUND if there is none,
 * JSON_ETYPE if obj is not an object.
 */
int		json_find(const struct json *j, int obj, const char *key);

/*
 * 1 if t is a string whose unescaped bytes are exactly the C string s,
 * else 0 (also for a bad index or a token of another type).  Does not
 * allocate.
 */
int		json_streq(const struct json *j, int t, const char *s);

/*
 * Append the unescaped bytes of string t to out (UTF-8; may contain NUL
 * bytes if the JSON had \u0000).  0, JSON_ETYPE, JSON_ELIMIT or
 * JSON_ENOMEM; on error out may hold part of the string.
 */
int		json_decode(const struct json *j, int t, struct buf *out);

/*
 * Read number t as an int64_t.  Any spelling of an integral value is
 * accepted ("-0", "1.0", "1e3", "150e-1"); a value with a fractional
 * part or outside int64_t gives JSON_ERANGE, a non-number JSON_ETYPE.
 */
int		json_int64(const struct json *j, int t, int64_t *out);

/* *out = 1 for true, 0 for false; JSON_ETYPE for any other token. */
int		json_bool(const struct json *j, int t, int *out);

/*
 * The source text of token t as written, quotes of a string included, so
 * that a value (a JSON-RPC id) can be echoed verbatim.  { NULL, 0 } for a
 * bad index.
 */
struct slice	json_raw(const struct json *j, int t);

#endif
