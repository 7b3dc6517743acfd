/*
 * s3xml.h - the XML documents S3 answers with, parsed as they stream in:
 * ListAllMyBucketsResult, ListBucketResult (ListObjectsV2),
 * CopyObjectResult and Error.
 *
 * The caller names the document it expects; the root element must be that
 * one or Error (S3 answers some requests, CopyObject among them, with an
 * Error document and status 200).  Each bucket, object and common prefix
 * goes to a callback as soon as its element closes, so a listing is never
 * held whole; the few top-level values land in the struct s3xml, as does
 * an Error document.  Unknown elements are ignored.
 *
 * Memory: nothing is allocated.  The slices in struct s3xml_bucket,
 * struct s3xml_object and the prefix slice point into the struct s3xml's
 * own item buffers (one Contents holds several values, and the scanner
 * keeps the text of one element at a time) and are valid only during the
 * callback.  The struct is about 24 KB.  String fields of the result
 * structs are NUL-terminated; no value can hold a NUL (XML cannot carry
 * one, and the percent-decoder refuses %00).
 *
 * encoding-type=url: if the request asked for it (S3XML_URL), Key,
 * Prefix, Delimiter and StartAfter are percent-decoded, strictly ('+' is
 * a space, as S3 writes it; a '%' must begin two hex digits).  A document
 * that says EncodingType url is decoded too.  A disagreement that changes
 * a value - the server announces url after a value with '%' or '+' went
 * by undecoded, or never announces it after one went by decoded - is
 * S3XML_EENCODING.
 *
 * Errors: 0 or a negative S3XML_E* code; the first is sticky.  On
 * S3XML_EXML, xerr holds the scanner's XML_E* code.
 */
#ifndef MCP_S3_S3XML_H
#define MCP_S3_S3XML_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "util.h"
#include "xml.h"

#define S3XML_EXML	-1	/* not well-formed XML (see xerr) */
#define S3XML_EDOC	-2	/* root is neither expected nor Error */
#define S3XML_EVALUE	-3	/* a number or boolean is malformed */
#define S3XML_EENCODING	-4	/* bad %-escape; EncodingType mismatch */
#define S3XML_ELONG	-5	/* a listing value longer than its field */
#define S3XML_ESHAPE	-6	/* no Key or Name, or a field twice */
#define S3XML_EABORT	-7	/* a callback returned nonzero */

/* Documents, by root element. */
#define S3XML_NONE	0
#define S3XML_BUCKETS	1	/* ListAllMyBucketsResult */
#define S3XML_LIST	2	/* ListBucketResult */
#define S3XML_COPY	3	/* CopyObjectResult */
#define S3XML_ERROR	4	/* Error */

/* Flags for s3xml_init. */
#define S3XML_URL	0x1	/* the request said encoding-type=url */

/* Field sizes in bytes, NUL included. */
#define S3XML_NAME_SIZE		256	/* old bucket names reach 255 */
#define S3XML_DATE_SIZE		64
#define S3XML_ETAG_SIZE		128
#define S3XML_CLASS_SIZE	64
#define S3XML_KEY_SIZE		(S3_MAX_KEY_BYTES + 1)
#define S3XML_TOKEN_SIZE	(XML_MAX_TEXT_BYTES + 1)

struct s3xml_bucket {
	struct slice	 name;
	struct slice	 creation_date;	/* as sent */
};

struct s3xml_object {
	struct slice	 key;		/* decoded; S3_MAX_KEY_BYTES */
	struct slice	 last_modified;
	struct slice	 etag;		/* as sent, quotes included */
	struct slice	 storage_class;
	uint64_t	 size;
};

/* Each returns nonzero to stop the parse with S3XML_EABORT; may be NULL. */
struct s3xml_handler {
	int	(*bucket)(void *arg, const struct s3xml_bucket *);
	int	(*object)(void *arg, const struct s3xml_object *);
	/* Each Prefix in CommonPrefixes. */
	int	(*prefix)(void *arg, struct slice prefix);
};

/* Bits of s3xml_listing.present. */
#define S3XML_L_TRUNCATED	0x001
#define S3XML_L_NEXT_TOKEN	0x002
#define S3XML_L_KEY_COUNT	0x004
#define S3XML_L_PREFIX		0x008
#define S3XML_L_DELIMITER	0x010
#define S3XML_L_MAX_KEYS	0x020
#define S3XML_L_START_AFTER	0x040
#define S3XML_L_TOKEN		0x080
#define S3XML_L_ENCODING	0x100

/* The top-level values of a ListBucketResult. */
struct s3xml_listing {
	unsigned	 present;	/* S3XML_L_* of the elements seen */
	int		 is_truncated;
	int		 url;		/* EncodingType was "url" */
	uint64_t	 key_count;
	uint64_t	 max_keys;
	char		 prefix[S3XML_KEY_SIZE];
	char		 delimiter[S3XML_KEY_SIZE];
	char		 start_after[S3XML_KEY_SIZE];
	/* ContinuationToken and NextContinuationToken. */
	char		 token[S3XML_TOKEN_SIZE];
	char		 next_token[S3XML_TOKEN_SIZE];
};

/* Bits of s3xml_error.present and .truncated. */
#define S3XML_E_CODE		0x001
#define S3XML_E_MESSAGE		0x002
#define S3XML_E_REQUEST_ID	0x004
#define S3XML_E_HOST_ID		0x008
#define S3XML_E_RESOURCE	0x010
#define S3XML_E_BUCKET		0x020	/* BucketName or Bucket */
#define S3XML_E_KEY		0x040
#define S3XML_E_REGION		0x080
#define S3XML_E_ENDPOINT	0x100

/* An Error document; long values are cut at a UTF-8 boundary, and marked. */
struct s3xml_error {
	unsigned	 present;	/* S3XML_E_* of the elements seen */
	unsigned	 truncated;	/* S3XML_E_* of the values cut */
	char		 code[64];
	char		 message[512];
	char		 request_id[128];
	char		 host_id[256];
	char		 resource[S3XML_KEY_SIZE + S3XML_NAME_SIZE + 1];
	char		 bucket_name[S3XML_NAME_SIZE];
	char		 key[S3XML_KEY_SIZE];
	char		 region[64];
	char		 endpoint[256];
};

struct s3xml_copy {
	char		 etag[S3XML_ETAG_SIZE];
	char		 last_modified[S3XML_DATE_SIZE];
};

/*
 * A parser.  doc, xerr and the result structs are for the caller to read;
 * the rest is private.
 */
struct s3xml {
	int			 doc;	/* S3XML_* of the root */
	int			 xerr;	/* XML_E* behind S3XML_EXML */
	struct s3xml_listing	 list;	/* doc S3XML_LIST */
	struct s3xml_copy	 copy;	/* doc S3XML_COPY */
	struct s3xml_error	 error;	/* doc S3XML_ERROR */

	const struct s3xml_handler *h;
	void			*arg;
	int			 expect;
	unsigned		 flags;
	int			 err;
	int			 in2, in3;	/* containers open */
	unsigned		 seen;		/* fields of the item */
	uint64_t		 size;
	size_t			 keylen, datelen, etaglen, classlen;
	char			 key[S3XML_KEY_SIZE];
	char			 date[S3XML_DATE_SIZE];
	char			 etag[S3XML_ETAG_SIZE];
	char			 sclass[S3XML_CLASS_SIZE];
	struct xml		 x;
};

/* Start parsing a document of kind expect (S3XML_BUCKETS, ...). */
void	s3xml_init(struct s3xml *, int expect, unsigned flags,
	    const struct s3xml_handler *, void *arg);

/* Parse n more bytes. */
int	s3xml_feed(struct s3xml *, const char *, size_t n);

/* The body is complete: 0 if a whole document came; doc says which. */
int	s3xml_finish(struct s3xml *);

/* A short English phrase for an S3XML_E* code. */
const char	*s3xml_strerror(int);

#endif
