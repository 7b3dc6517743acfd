/*
 * util.h - small shared pieces: slices, growable buffers, base64, hex,
 * UTF-8, time formatting, constant-time compare and wiping, arenas.
 *
 * Memory: a struct buf owns its bytes (malloc'd), never grows past its
 * limit, and is freed with buf_free().  A struct slice borrows.  A
 * struct arena hands out memory that one arena_reset() takes back.
 * Errors: 0 on success, negative UTIL_E* on failure.
 */
#ifndef MCP_S3_UTIL_H
#define MCP_S3_UTIL_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UTIL_ENOMEM	-1	/* allocation failed */
#define UTIL_ELIMIT	-2	/* the buffer would pass its limit */
#define UTIL_EINVAL	-3	/* malformed input */
#define UTIL_ENOENT	-4	/* util_read_file: there is no such file */
#define UTIL_EOPEN	-5	/* util_read_file: it cannot be opened (errno) */
#define UTIL_EREAD	-6	/* util_read_file: it cannot be read (errno) */
#define UTIL_EFTYPE	-7	/* util_read_file: a directory, or not regular */

/* A borrowed run of bytes; not NUL-terminated. */
struct slice {
	const char	*p;
	size_t		 n;
};

#define SLICE_LIT(s)	((struct slice){ (s), sizeof(s) - 1 })

/*
 * A name and its value, both borrowed: an HTTP header, which http sends
 * and sigv4 signs from one array.
 */
struct slice_pair {
	struct slice	name;
	struct slice	value;
};

/*
 * Growable bytes; p is always NUL-terminated past n when cap > 0.  hi is
 * the high-water mark of bytes handed out for writing: wiping covers
 * [0, hi), so room that was only preallocated is never touched.
 */
struct buf {
	char	*p;
	size_t	 n;
	size_t	 cap;
	size_t	 limit;	/* 0: no limit besides SIZE_MAX */
	size_t	 hi;
};

void	buf_init(struct buf *, size_t limit);
void	buf_reset(struct buf *);		/* n = 0, keeps memory */
void	buf_free(struct buf *);			/* wipes, then frees */
/* Room for extra more bytes at p + n, which the caller may then write. */
int	buf_reserve(struct buf *, size_t extra);
/* Room for extra more bytes, allocated but not yet written (no wipe). */
int	buf_prealloc(struct buf *, size_t extra);
int	buf_add(struct buf *, const void *, size_t);
int	buf_adds(struct buf *, const char *);	/* NUL-terminated */
int	buf_addc(struct buf *, char);
int	buf_addf(struct buf *, const char *, ...)
#ifdef __GNUC__
	    __attribute__((format(printf, 2, 3)))
#endif
	    ;
int	buf_add_u64(struct buf *, uint64_t);

struct slice	slice_cstr(const char *);
int	slice_eq(struct slice, const char *);		/* exact */
int	slice_ieq(struct slice, const char *);		/* ASCII case-insensitive */
/* Byte-wise order, a prefix before what it starts: < 0, 0, > 0. */
int	slice_cmp(struct slice, struct slice);
/* 1 when s starts with pre; the empty pre starts everything. */
int	slice_starts(struct slice s, struct slice pre);
struct slice	slice_trim(struct slice);		/* spaces and tabs */

/* Base64 (RFC 4648, standard alphabet, padded). */
size_t	base64_encoded_len(size_t n);
int	base64_encode(struct buf *, const void *, size_t);
/* Strict decode: padding required, no whitespace; -UTIL_EINVAL otherwise. */
int	base64_decode(struct buf *, const char *, size_t);
/*
 * Decodes the n bytes at p in place, white space (blanks, line breaks)
 * skipped: the decoded bytes start at p, their count goes to *out.  The
 * bytes of p past them are left undefined.  0, or UTIL_EINVAL.
 */
int	base64_decode_inplace(char *p, size_t n, size_t *out);

/* Lower-case hex of n bytes into out (2n chars + NUL). */
void	hex_encode(char *out, const void *, size_t n);
/* The value of one hex digit (either case), or -1. */
int	hex_digit(int c);

/*
 * UTF-8.  utf8_valid: 1 if s is well-formed UTF-8 (no overlongs, no
 * surrogates, <= U+10FFFF).  utf8_boundary: the largest m <= n such that
 * s[0..m) does not end inside a character (assuming s is valid).
 */
int	utf8_valid(const char *s, size_t n);
size_t	utf8_boundary(const char *s, size_t n);
/*
 * Copies src[0..n) into dst (cap bytes, NUL-terminated) as text that is
 * always valid UTF-8: control characters (0x00-0x1f, 0x7f) become '?',
 * each byte that does not start a valid character becomes U+FFFD, and
 * the copy is cut before a character that does not fit.  Returns the
 * bytes written, NUL excluded.  For strings from S3 and other peers.
 */
size_t	utf8_sanitize(char *dst, size_t cap, const char *src, size_t n);

/* 2024-01-02T03:04:05Z (20 chars + NUL) from a UTC epoch. */
void	time_iso8601(char out[21], time_t);
/* 20240102T030405Z (16 + NUL) and 20240102 (8 + NUL). */
void	time_amz(char out[17], time_t);
void	time_amzdate(char out[9], time_t);
/* Parse 2024-01-02T03:04:05[.000]Z or an RFC 1123 HTTP date; -1 if bad. */
int	time_parse(const char *, size_t, time_t *);

/* Milliseconds from a monotonic clock. */
int64_t	time_now_ms(void);

int	ct_equal(const void *, const void *, size_t);	/* 1 if equal */
void	wipe(void *, size_t);				/* not optimised away */
/* n random bytes: getrandom(), else /dev/urandom; 0 or UTIL_EINVAL. */
int	util_random(void *, size_t);

/* Parse a non-negative decimal integer, whole string, no overflow. */
int	parse_u64(const char *, size_t, uint64_t *);
/*
 * A byte count: digits, then nothing, B, or K, M, G, T with an optional
 * B or iB (any case; all multiples of 1024), no blanks, no overflow.
 * 0 or UTIL_EINVAL.  MCP_S3_MAX_GET_SIZE and MCP_S3_BYTE_LIMIT use it.
 */
int	util_parse_size(const char *, uint64_t *);

/*
 * 1 when a setting counts as unset: NULL, empty, or "${...}", a template
 * of a Claude Desktop bundle (${user_config.x}) left unfilled, which
 * reaches us literally (as in txn2/mcp-s3).  The one rule for every
 * variable and connection setting.
 */
int	util_unset(const char *);

/* util_read_file() flags. */
#define UTIL_FILE_REGULAR	1	/* a regular file only; open never waits */
#define UTIL_FILE_NOFOLLOW	2	/* not through a symbolic link (ELOOP) */
/*
 * Reads the whole file at path into out, which it initialises with limit
 * (0: none) as its limit; out->p is NUL-terminated past out->n, also for
 * an empty file.  st (may be NULL) gets the open file's fstat().
 * Returns 0, UTIL_ENOENT (ENOENT or ENOTDIR), UTIL_EOPEN, UTIL_EFTYPE, UTIL_EREAD
 * (fstat or read failed), UTIL_ELIMIT (larger than limit) or
 * UTIL_ENOMEM; errno is kept for UTIL_EOPEN and UTIL_EREAD.  On failure
 * out holds nothing (what was read is wiped).  A directory is always
 * UTIL_EFTYPE; with UTIL_FILE_REGULAR, so is any other file that is not
 * regular (a FIFO, a device).
 */
int	util_read_file(const char *path, size_t limit, unsigned flags,
	    struct buf *out, struct stat *st);

/*
 * An arena: scratch memory with one lifetime, such as one tool call's.
 * Allocations come from chained blocks (ARENA_BLOCK_BYTES, or larger for
 * a larger request), aligned for any object and zeroed; the blocks never
 * hold more than limit bytes in all (headers included).  A struct buf
 * from arena_buf grows on the heap as usual, but belongs to the arena.
 * arena_reset wipes everything the arena held, since it may have held
 * secrets, gives back all blocks but one first one, and frees the bufs;
 * what it handed out is then gone.  Failure is NULL, never an abort.
 * The struct is the caller's; its fields are private.
 */
#define ARENA_BLOCK_BYTES	4096
#define ARENA_BUFS		8	/* arena_bufs at once */

struct arena_block;

struct arena {
	struct arena_block	*head;	/* the newest block */
	size_t			 held;	/* bytes of the blocks */
	size_t			 limit;
	struct buf		 bufs[ARENA_BUFS];
	size_t			 nbufs;
};

void	 arena_init(struct arena *, size_t limit);
/* n zeroed bytes, aligned for any object; NULL past the limit or memory. */
void	*arena_alloc(struct arena *, size_t n);
/* A NUL-terminated copy of p[0..n). */
char	*arena_strndup(struct arena *, const char *p, size_t n);
char	*arena_printf(struct arena *, const char *, ...)
#ifdef __GNUC__
	    __attribute__((format(printf, 2, 3)))
#endif
	    ;
/* A buf_init'ed struct buf freed by arena_reset; NULL when ARENA_BUFS are out. */
struct buf	*arena_buf(struct arena *, size_t limit);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);	/* arena_reset, and the last block */

#endif
