/*
 * jsonw.h - a JSON writer that appends one value to a struct buf.
 *
 * Commas and colons are written by the writer; the caller only opens and
 * closes containers, names keys and writes values.  The writer checks the
 * shape: a key only directly in an object, every value in an object after
 * a key, closers matching openers, one top-level value, nesting at most
 * JSONW_MAX_DEPTH (so whatever the reader accepts can be written back).
 * Strings are written from bytes and a length: '"', '\\' and control
 * characters are escaped (\n, \t, ... or \u00XX), U+2028 and U+2029 are
 * written as \u2028 and \u2029 so the output is also valid JavaScript,
 * other UTF-8 passes unchanged, and invalid UTF-8 is an error, never
 * altered.
 *
 * Memory: struct jsonw is the caller's and holds a borrowed pointer to
 * the struct buf, which must outlive it.  The writer never allocates
 * except through buf_add().
 *
 * Errors are sticky: the first failing call records a negative JSONW_E*
 * code, cuts the buffer back to its length at jsonw_init() or the last
 * jsonw_rebase() (so no partial JSON is left behind), and every later call
 * returns that code and does nothing.  Every function returns 0 or that
 * code.
 */
#ifndef MCP_S3_JSONW_H
#define MCP_S3_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "util.h"

#define JSONW_MAX_DEPTH	JSON_MAX_DEPTH

#define JSONW_ELIMIT	-1	/* the buffer's limit was reached */
#define JSONW_ENOMEM	-2	/* allocation failed */
#define JSONW_EUTF8	-3	/* a string or key is not valid UTF-8 */
#define JSONW_EDEPTH	-4	/* nesting deeper than JSONW_MAX_DEPTH */
#define JSONW_ESTATE	-5	/* misuse: key outside an object, value without
				   a key, unmatched end, second top-level value */
#define JSONW_EINVAL	-6	/* NULL argument */

/* A writer.  The fields are private to jsonw.c. */
struct jsonw {
	struct buf	*out;
	size_t		 start;			/* out->n at jsonw_init() */
	int		 err;
	int		 depth;
	int		 state;			/* what may come next */
	unsigned char	 level[JSONW_MAX_DEPTH];	/* open containers */
};

/* Start writing one value at the end of out (whose contents stay). */
void		jsonw_init(struct jsonw *w, struct buf *out);

/* The sticky error: 0 or a JSONW_E* code. */
int		jsonw_error(const struct jsonw *w);

/* The sticky error, or JSONW_ESTATE if the value is not complete yet. */
int		jsonw_finish(struct jsonw *w);

/* A static English sentence for a JSONW_E* code. */
const char	*jsonw_strerror(int err);

/* Open or close an object or an array. */
int		jsonw_begin_object(struct jsonw *w);
int		jsonw_end_object(struct jsonw *w);
int		jsonw_begin_array(struct jsonw *w);
int		jsonw_end_array(struct jsonw *w);

/* The key of the next member: a C string, or n bytes (may hold NUL). */
int		jsonw_key(struct jsonw *w, const char *key);
int		jsonw_keyn(struct jsonw *w, const char *key, size_t n);

/* Values.  jsonw_str takes a C string, jsonw_string n bytes of UTF-8. */
int		jsonw_string(struct jsonw *w, const char *s, size_t n);
int		jsonw_str(struct jsonw *w, const char *s);
int		jsonw_int(struct jsonw *w, int64_t v);
int		jsonw_uint(struct jsonw *w, uint64_t v);
int		jsonw_bool(struct jsonw *w, int v);	/* any non-zero: true */
int		jsonw_null(struct jsonw *w);

/*
 * A string value written in parts, for bodies too large to hold twice:
 * begin, any number of parts, end.  Each part must be whole UTF-8
 * characters (cut with utf8_boundary()); (NULL, 0) is an empty part.
 * Nothing but parts and the end may come between begin and end.
 */
int		jsonw_string_begin(struct jsonw *w);
int		jsonw_string_part(struct jsonw *w, const char *s, size_t n);
/*
 * As jsonw_string_part, for bytes the caller has already checked with
 * utf8_valid(): they are not checked again (a large text body is then
 * read once, not twice).  Invalid UTF-8 here makes invalid JSON.
 */
int		jsonw_string_part_utf8(struct jsonw *w, const char *s,
		    size_t n);
int		jsonw_string_end(struct jsonw *w);

/*
 * Sizing a string before it is written: the longest prefix of the n bytes
 * of valid UTF-8 at s that ends on a character and whose escaped form (as
 * jsonw_string_part_utf8 writes it, quotes not counted) takes at most room
 * bytes.  Its escaped size goes to *used (when not NULL).  With room
 * SIZE_MAX it is the escaped size of all of s.
 */
size_t		jsonw_escaped_fit(const char *s, size_t n, size_t room,
		    size_t *used);

/*
 * Scanning text as it comes in: the length of the longest prefix of the n
 * bytes at s that is whole, valid UTF-8 characters without NUL (all of s
 * when utf8_valid(s, n) holds and memchr(s, 0, n) finds nothing; short of
 * n at an invalid byte, a NUL or a character cut off at the end).  The
 * escaped size of that prefix, as jsonw_escaped_fit counts it, is added to
 * *escaped (when not NULL).  Prefixes scanned one after another on
 * character boundaries add up to the scan of the whole.
 */
size_t		jsonw_text_scan(const char *s, size_t n, size_t *escaped);

/*
 * Tells the writer that the bytes now in the buffer were handed off (and
 * the buffer perhaps emptied): an error then cuts the buffer back only to
 * its present length.  The JSON already handed off is incomplete then;
 * the caller must end the stream as broken.
 */
void		jsonw_rebase(struct jsonw *w);

/*
 * An already-serialized JSON value, appended as is: the caller vouches
 * that it is exactly one valid JSON value (the writer does not parse it).
 */
int		jsonw_raw(struct jsonw *w, const char *json, size_t n);

/* Key and value at once, for the members of an object. */
int		jsonw_kstr(struct jsonw *w, const char *key, const char *s);
int		jsonw_kstring(struct jsonw *w, const char *key, const char *s,
		    size_t n);
int		jsonw_kint(struct jsonw *w, const char *key, int64_t v);
int		jsonw_kuint(struct jsonw *w, const char *key, uint64_t v);
int		jsonw_kbool(struct jsonw *w, const char *key, int v);
int		jsonw_knull(struct jsonw *w, const char *key);
int		jsonw_kraw(struct jsonw *w, const char *key, const char *json,
		    size_t n);

#endif
