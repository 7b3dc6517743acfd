/*
 * xml.h - a streaming XML scanner for the documents S3 sends.
 *
 * Bytes are fed as they arrive, split anywhere (one byte at a time is
 * fine); the scanner keeps all of its state in a caller-owned struct xml
 * and never allocates.  For each element it runs the caller's callback
 * twice: XML_OPEN once the start tag is complete, XML_CLOSE at the end
 * tag (or right after an empty-element tag), with the element's decoded
 * text when it had no child elements.  The event sequence depends only
 * on the bytes, never on how they were split.
 *
 * What it accepts: UTF-8 (an optional byte order mark first), the XML
 * declaration and other processing instructions, comments, attributes
 * (checked for form, then dropped; duplicates are not detected), CDATA
 * sections (as text), the five predefined entities and character
 * references.  Line ends are normalised to "\n" as XML requires.  A
 * DOCTYPE is always rejected, so no entity is ever defined or expanded.
 * Character references may name any Unicode scalar value but U+0000,
 * U+FFFE and U+FFFF: the C0 controls are allowed by reference, as in XML
 * 1.1, because RGW writes keys holding them as "&#x01;".  Text outside
 * the root must be whitespace; text mixed with child elements is checked
 * and dropped (XML_MAX_TEXT_BYTES still bounds what comes before the first
 * child).  Namespace prefixes are kept in names as written.
 *
 * Memory: the name and text slices of an event point into the struct xml
 * and are valid only during the callback.
 * Errors: xml_feed and xml_finish return 0 or a negative XML_E* code.
 * The first error is sticky: every later call returns it again.
 */
#ifndef MCP_S3_XML_H
#define MCP_S3_XML_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "util.h"

#define XML_EABORT	-1	/* the callback returned nonzero */
#define XML_ESYNTAX	-2	/* not well-formed */
#define XML_ECHAR	-3	/* bad UTF-8, or a character XML forbids */
#define XML_EREF	-4	/* malformed or unknown entity reference */
#define XML_EDEPTH	-5	/* nested deeper than XML_MAX_DEPTH */
#define XML_ENAME	-6	/* a name longer than XML_MAX_NAME_BYTES */
#define XML_ETEXT	-7	/* text longer than XML_MAX_TEXT_BYTES */
#define XML_EMISMATCH	-8	/* an end tag that does not match */
#define XML_EJUNK	-9	/* text or an element after the root */
#define XML_EDOCTYPE	-10	/* a DOCTYPE declaration */
#define XML_ETRUNC	-11	/* input ended before the root closed */

#define XML_OPEN	1
#define XML_CLOSE	2

struct xml_event {
	int		 type;	/* XML_OPEN or XML_CLOSE */
	unsigned	 depth;	/* the root element is 1 */
	struct slice	 name;	/* as written, prefix included */
	struct slice	 text;	/* XML_CLOSE: decoded text, if leaf */
	int		 leaf;	/* XML_CLOSE: 1 if no child elements */
};

/* Return nonzero to stop the scan; xml_feed then returns XML_EABORT. */
typedef int	(*xml_callback)(void *arg, const struct xml_event *);

/* A scanner.  Fields are private. */
struct xml {
	xml_callback	 cb;
	void		*arg;
	uint64_t	 off;	/* bytes before the current one */
	int		 err;
	int		 st;	/* state */
	int		 ret;	/* state to go back to after a reference */
	int		 next;	/* state after a literal */
	const char	*lit;	/* literal being matched */
	unsigned	 pos;	/* index into lit or a name, or a count */
	unsigned	 depth;
	unsigned	 quote;	/* that closes an attribute value */
	unsigned	 base;	/* of a character reference */
	unsigned	 flags;
	uint32_t	 cp;	/* value of a character reference */
	uint32_t	 ucp;	/* UTF-8 sequence being checked */
	unsigned char	 need;	/* UTF-8 continuation bytes to come */
	unsigned char	 lo;	/* range of the next one */
	unsigned char	 hi;
	unsigned char	 namelen[XML_MAX_DEPTH];
	char		 names[XML_MAX_DEPTH][XML_MAX_NAME_BYTES];
	char		 ent[4];	/* entity name being read */
	size_t		 textlen;
	char		 text[XML_MAX_TEXT_BYTES];
};

/* Start a scan; cb may be NULL to check well-formedness only. */
void	xml_init(struct xml *, xml_callback cb, void *arg);

/* Scan n more bytes of the document. */
int	xml_feed(struct xml *, const char *, size_t n);

/* The input is complete: XML_ETRUNC unless the root element closed. */
int	xml_finish(struct xml *);

/* Offset of the byte that caused the error, or bytes consumed so far. */
uint64_t	xml_offset(const struct xml *);

/* A short English phrase for an XML_E* code. */
const char	*xml_strerror(int);

#endif
