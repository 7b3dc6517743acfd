/*
 * xml.c - a byte-at-a-time XML scanner: one state per position in the
 * grammar, a UTF-8 check in front of it, no allocation, no recursion.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xml.h"

enum {
	S_START,	/* first byte: maybe a byte order mark */
	S_CONTENT,	/* text, whitespace, or '<' */
	S_LT,		/* after '<' */
	S_BANG,		/* after "<!" */
	S_LIT,		/* matching x->lit, then x->next */
	S_COMMENT,	/* x->pos counts trailing dashes */
	S_CDATA,	/* x->pos counts trailing ']' */
	S_PI_TARGET,	/* x->pos counts name bytes */
	S_PI_BODY,	/* x->pos is 1 after a '?' */
	S_OPEN_NAME,
	S_TAG,		/* in a start tag, between attributes */
	S_ATTR_NAME,	/* x->pos counts name bytes */
	S_ATTR_EQ,
	S_ATTR_QUOTE,
	S_ATTR_VALUE,
	S_EMPTY,	/* after '/' in a start tag */
	S_CLOSE_NAME,	/* x->pos indexes the open element's name */
	S_CLOSE_SPACE,
	S_REF,		/* after '&' */
	S_ENTITY,	/* x->pos counts x->ent bytes */
	S_CHARREF,	/* after "&#" */
	S_CHARREF_DIGITS /* x->pos counts digits */
};

#define F_ROOTDONE	0x01u	/* the root element has closed */
#define F_KIDS		0x02u	/* the current element has a child */
#define F_CR		0x04u	/* the last byte was a CR */
#define F_NEEDWS	0x08u	/* space must come before an attribute */
#define F_BRACKET1	0x10u	/* text ends in "]" */
#define F_BRACKET2	0x20u	/* text ends in "]]" */

static int
is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Bytes >= 0x80 are accepted in names: the UTF-8 check has vetted them. */
static int
is_name_start(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || c == ':' || c >= 0x80;
}

static int
is_name_char(unsigned c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' ||
	    c == '.';
}

static int
is_letter(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
digit_value(unsigned c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (base == 16 && c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (base == 16 && c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* see xml.h */
void
xml_init(struct xml *x, xml_callback cb, void *arg)
{
	/* The name stack and text buffer are written before they are read. */
	memset(x, 0, offsetof(struct xml, namelen));
	x->cb = cb;
	x->arg = arg;
	x->textlen = 0;
	x->st = S_START;
	x->lo = 0x80;
	x->hi = 0xBF;
}

/*
 * Check one byte of the UTF-8 stream, and that each character it completes
 * is one XML allows (CR has already become LF).
 */
static int
utf8_step(struct xml *x, unsigned c)
{
	if (x->need == 0) {
		if (c < 0x80)
			return c < 0x20 && c != '\t' && c != '\n' ?
			    XML_ECHAR : 0;
		x->lo = 0x80;
		x->hi = 0xBF;
		if (c < 0xC2)
			return XML_ECHAR;
		else if (c < 0xE0) {
			x->need = 1;
			x->ucp = c & 0x1F;
		} else if (c < 0xF0) {
			/* Overlong forms and surrogates fail on byte two. */
			x->need = 2;
			x->ucp = c & 0x0F;
			if (c == 0xE0)
				x->lo = 0xA0;
			if (c == 0xED)
				x->hi = 0x9F;
		} else if (c < 0xF5) {
			/* So do overlong forms and values past U+10FFFF. */
			x->need = 3;
			x->ucp = c & 0x07;
			if (c == 0xF0)
				x->lo = 0x90;
			if (c == 0xF4)
				x->hi = 0x8F;
		} else
			return XML_ECHAR;
		return 0;
	}
	if (c < x->lo || c > x->hi)
		return XML_ECHAR;
	x->lo = 0x80;
	x->hi = 0xBF;
	x->ucp = x->ucp << 6 | (c & 0x3F);
	if (--x->need == 0 && (x->ucp == 0xFFFE || x->ucp == 0xFFFF))
		return XML_ECHAR;
	return 0;
}

/* Text is kept only while the element has had no child element. */
static int
text_add(struct xml *x, const char *s, size_t n)
{
	if (x->flags & F_KIDS)
		return 0;
	if (n > XML_MAX_TEXT_BYTES - x->textlen)
		return XML_ETEXT;
	memcpy(x->text + x->textlen, s, n);
	x->textlen += n;
	return 0;
}

static int
emit(struct xml *x, int type)
{
	struct xml_event ev;

	ev.type = type;
	ev.depth = x->depth;
	ev.name.p = x->names[x->depth - 1];
	ev.name.n = x->namelen[x->depth - 1];
	ev.leaf = (x->flags & F_KIDS) == 0;
	ev.text.p = x->text;
	ev.text.n = type == XML_CLOSE && ev.leaf ? x->textlen : 0;
	if (x->cb != NULL && x->cb(x->arg, &ev) != 0)
		return XML_EABORT;
	return 0;
}

/* The start tag whose name is in names[depth] is complete. */
static int
open_element(struct xml *x)
{
	x->depth++;
	x->flags &= ~F_KIDS;
	x->textlen = 0;
	x->st = S_CONTENT;
	return emit(x, XML_OPEN);
}

static int
close_element(struct xml *x)
{
	int rc;

	if ((rc = emit(x, XML_CLOSE)) != 0)
		return rc;
	x->depth--;
	/* The parent now has a child, so its text is no longer wanted. */
	x->flags |= F_KIDS;
	x->textlen = 0;
	if (x->depth == 0)
		x->flags |= F_ROOTDONE;
	x->st = S_CONTENT;
	return 0;
}

static void
expect(struct xml *x, const char *lit, int next)
{
	x->lit = lit;
	x->pos = 0;
	x->next = next;
	x->st = S_LIT;
}

/* A reference decoded to s: text in content, nothing in an attribute. */
static int
ref_done(struct xml *x, const char *s, size_t n)
{
	x->st = x->ret;
	if (x->ret == S_CONTENT)
		return text_add(x, s, n);
	return 0;
}

static int
entity_done(struct xml *x)
{
	static const struct {
		const char	*name;
		char		 c;
	} ents[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	size_t i;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (strlen(ents[i].name) == x->pos &&
		    memcmp(ents[i].name, x->ent, x->pos) == 0)
			return ref_done(x, &ents[i].c, 1);
	return XML_EREF;
}

static int
charref_done(struct xml *x)
{
	uint32_t cp = x->cp;
	char u[4];
	size_t n;

	if (x->pos == 0)
		return XML_EREF;
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
	    cp == 0xFFFF || cp > 0x10FFFF)
		return XML_ECHAR;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return ref_done(x, u, n);
}

static int
charref_digit(struct xml *x, unsigned c)
{
	int d;

	if (c == ';')
		return charref_done(x);
	if ((d = digit_value(c, x->base)) < 0)
		return XML_EREF;
	/* Saturate: leading zeros are legal, so digits cannot be capped. */
	x->cp = x->cp * x->base + (uint32_t)d;
	if (x->cp > 0x10FFFF)
		x->cp = 0x110000;
	x->pos++;
	return 0;
}

static int
content(struct xml *x, unsigned c)
{
	char b;

	/* "]]>" may not appear in text: it would close no CDATA section. */
	if (c == '>' && (x->flags & F_BRACKET2))
		return XML_ESYNTAX;
	if (c == ']')
		x->flags |= x->flags & F_BRACKET1 ? F_BRACKET2 : F_BRACKET1;
	else
		x->flags &= ~(F_BRACKET1 | F_BRACKET2);
	if (c == '<') {
		x->st = S_LT;
		return 0;
	}
	if (x->depth == 0)
		return is_space(c) ? 0 : XML_EJUNK;
	if (c == '&') {
		x->ret = S_CONTENT;
		x->st = S_REF;
		return 0;
	}
	b = (char)c;
	return text_add(x, &b, 1);
}

static int
cdata(struct xml *x, unsigned c)
{
	char b;
	int rc;

	if (c == ']') {
		if (x->pos == 2)
			return text_add(x, "]", 1);
		x->pos++;
		return 0;
	}
	if (c == '>' && x->pos == 2) {
		x->st = S_CONTENT;
		return 0;
	}
	if ((rc = text_add(x, "]]", x->pos)) != 0)
		return rc;
	x->pos = 0;
	b = (char)c;
	return text_add(x, &b, 1);
}

static int
lt(struct xml *x, unsigned c)
{
	if (c == '/') {
		if (x->depth == 0)
			return XML_EMISMATCH;
		x->pos = 0;
		x->st = S_CLOSE_NAME;
	} else if (c == '?') {
		x->pos = 0;
		x->st = S_PI_TARGET;
	} else if (c == '!')
		x->st = S_BANG;
	else if (is_name_start(c)) {
		if (x->depth == 0 && (x->flags & F_ROOTDONE))
			return XML_EJUNK;
		if (x->depth == XML_MAX_DEPTH)
			return XML_EDEPTH;
		x->names[x->depth][0] = (char)c;
		x->namelen[x->depth] = 1;
		x->st = S_OPEN_NAME;
	} else
		return XML_ESYNTAX;
	return 0;
}

/* In a start tag: '>' opens the element, '/' begins an empty one. */
static int
tag_end(struct xml *x, unsigned c)
{
	if (c == '>')
		return open_element(x);
	if (c == '/') {
		x->st = S_EMPTY;
		return 0;
	}
	return XML_ESYNTAX;
}

static int
close_name(struct xml *x, unsigned c)
{
	const char *name = x->names[x->depth - 1];
	unsigned len = x->namelen[x->depth - 1];

	if (x->pos == 0 ? is_name_start(c) : is_name_char(c)) {
		if (x->pos >= len || name[x->pos] != (char)c)
			return XML_EMISMATCH;
		x->pos++;
		return 0;
	}
	if (x->pos == 0)
		return XML_ESYNTAX;
	if (x->pos != len)
		return XML_EMISMATCH;
	if (c == '>')
		return close_element(x);
	if (!is_space(c))
		return XML_ESYNTAX;
	x->st = S_CLOSE_SPACE;
	return 0;
}

static int
step(struct xml *x, unsigned c)
{
	int rc;

	switch (x->st) {
	case S_START:
		if (c == 0xEF) {
			expect(x, "\xBB\xBF", S_CONTENT);
			return 0;
		}
		x->st = S_CONTENT;
		return content(x, c);
	case S_CONTENT:
		return content(x, c);
	case S_LT:
		return lt(x, c);
	case S_BANG:
		if (c == '-')
			expect(x, "-", S_COMMENT);
		else if (c == '[' && x->depth > 0)
			expect(x, "CDATA[", S_CDATA);
		else if (c == 'D')
			return XML_EDOCTYPE;
		else
			return XML_ESYNTAX;
		return 0;
	case S_LIT:
		if (c != (unsigned char)x->lit[x->pos])
			return XML_ESYNTAX;
		if (x->lit[++x->pos] == '\0') {
			x->st = x->next;
			x->pos = 0;
		}
		return 0;
	case S_COMMENT:
		/* "--" may appear in a comment only as part of "-->". */
		if (x->pos >= 2) {
			if (c != '>')
				return XML_ESYNTAX;
			x->st = S_CONTENT;
		} else if (c == '-')
			x->pos++;
		else
			x->pos = 0;
		return 0;
	case S_CDATA:
		return cdata(x, c);
	case S_PI_TARGET:
		if (x->pos == 0 ? is_name_start(c) : is_name_char(c)) {
			if (++x->pos > XML_MAX_NAME_BYTES)
				return XML_ENAME;
			return 0;
		}
		if (x->pos == 0 || (!is_space(c) && c != '?'))
			return XML_ESYNTAX;
		x->pos = c == '?';
		x->st = S_PI_BODY;
		return 0;
	case S_PI_BODY:
		if (x->pos && c == '>')
			x->st = S_CONTENT;
		x->pos = c == '?';
		return 0;
	case S_OPEN_NAME:
		if (is_name_char(c)) {
			if (x->namelen[x->depth] == XML_MAX_NAME_BYTES)
				return XML_ENAME;
			x->names[x->depth][x->namelen[x->depth]++] = (char)c;
			return 0;
		}
		if (is_space(c)) {
			x->flags &= ~F_NEEDWS;
			x->st = S_TAG;
			return 0;
		}
		return tag_end(x, c);
	case S_TAG:
		if (is_space(c))
			x->flags &= ~F_NEEDWS;
		else if (is_name_start(c) && !(x->flags & F_NEEDWS)) {
			x->pos = 1;
			x->st = S_ATTR_NAME;
		} else
			return tag_end(x, c);
		return 0;
	case S_ATTR_NAME:
		if (is_name_char(c)) {
			if (++x->pos > XML_MAX_NAME_BYTES)
				return XML_ENAME;
		} else if (is_space(c))
			x->st = S_ATTR_EQ;
		else if (c == '=')
			x->st = S_ATTR_QUOTE;
		else
			return XML_ESYNTAX;
		return 0;
	case S_ATTR_EQ:
		if (c == '=')
			x->st = S_ATTR_QUOTE;
		else if (!is_space(c))
			return XML_ESYNTAX;
		return 0;
	case S_ATTR_QUOTE:
		if (c == '"' || c == '\'') {
			x->quote = c;
			x->st = S_ATTR_VALUE;
		} else if (!is_space(c))
			return XML_ESYNTAX;
		return 0;
	case S_ATTR_VALUE:
		if (c == x->quote) {
			x->flags |= F_NEEDWS;
			x->st = S_TAG;
		} else if (c == '<')
			return XML_ESYNTAX;
		else if (c == '&') {
			x->ret = S_ATTR_VALUE;
			x->st = S_REF;
		}
		return 0;
	case S_EMPTY:
		if (c != '>')
			return XML_ESYNTAX;
		if ((rc = open_element(x)) != 0)
			return rc;
		return close_element(x);
	case S_CLOSE_NAME:
		return close_name(x, c);
	case S_CLOSE_SPACE:
		if (c == '>')
			return close_element(x);
		return is_space(c) ? 0 : XML_ESYNTAX;
	case S_REF:
		if (c == '#')
			x->st = S_CHARREF;
		else if (is_letter(c)) {
			x->ent[0] = (char)c;
			x->pos = 1;
			x->st = S_ENTITY;
		} else
			return XML_EREF;
		return 0;
	case S_ENTITY:
		if (c == ';')
			return entity_done(x);
		if (x->pos == sizeof(x->ent) || !is_letter(c))
			return XML_EREF;
		x->ent[x->pos++] = (char)c;
		return 0;
	case S_CHARREF:
		x->cp = 0;
		x->pos = 0;
		x->base = 10;
		x->st = S_CHARREF_DIGITS;
		if (c == 'x') {
			x->base = 16;
			return 0;
		}
		return charref_digit(x, c);
	case S_CHARREF_DIGITS:
		return charref_digit(x, c);
	}
	return XML_ESYNTAX;
}

/* ASCII text that step() would only append: no markup, no CR. */
static int
is_plain(unsigned c)
{
	return (c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != ']' &&
	    c != '>') || c == '\t' || c == '\n';
}

static int
is_ascii_name_char(unsigned c)
{
	return c < 0x80 && is_name_char(c);
}

/*
 * The fast path: how many of the n bytes at s the scanner takes in one
 * step, doing what step() would do byte by byte; 0 sends the next byte
 * the slow way.  It takes only ASCII between markup, in text and names,
 * with no UTF-8 sequence or CR pending, and stops short of a limit or a
 * mismatch, so that an error is found by step() at the very byte (and
 * offset) it always was.
 */
static size_t
run(struct xml *x, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = 0, room;
	unsigned d;

	if (x->need != 0 || (x->flags & F_CR))
		return 0;
	switch (x->st) {
	case S_CONTENT:
		if (x->depth == 0)
			return 0;
		room = x->flags & F_KIDS ? n : XML_MAX_TEXT_BYTES - x->textlen;
		while (k < n && k < room && is_plain(u[k]))
			k++;
		if (k == 0 || text_add(x, s, k) != 0)
			return 0;
		x->flags &= ~(F_BRACKET1 | F_BRACKET2);
		return k;
	case S_OPEN_NAME:
		d = x->depth;
		room = XML_MAX_NAME_BYTES - x->namelen[d];
		while (k < n && k < room && is_ascii_name_char(u[k]))
			k++;
		memcpy(x->names[d] + x->namelen[d], s, k);
		x->namelen[d] += k;
		return k;
	case S_CLOSE_NAME:
		if (x->pos == 0)
			return 0;
		d = x->depth - 1;
		room = x->namelen[d] - x->pos;
		while (k < n && k < room && is_ascii_name_char(u[k]) &&
		    x->names[d][x->pos + k] == s[k])
			k++;
		x->pos += k;
		return k;
	}
	return 0;
}

/* see xml.h */
int
xml_feed(struct xml *x, const char *s, size_t n)
{
	unsigned c;
	size_t i, k;
	int rc;

	for (i = 0; i < n && x->err == 0; i++) {
		if ((k = run(x, s + i, n - i)) > 0) {
			x->off += k;
			i += k - 1;
			continue;
		}
		c = (unsigned char)s[i];
		/* CR LF and a lone CR both become LF before parsing. */
		if (c == '\n' && (x->flags & F_CR)) {
			x->flags &= ~F_CR;
			x->off++;
			continue;
		}
		if (c == '\r') {
			x->flags |= F_CR;
			c = '\n';
		} else
			x->flags &= ~F_CR;
		if ((rc = utf8_step(x, c)) != 0 || (rc = step(x, c)) != 0) {
			x->err = rc;
			break;
		}
		x->off++;
	}
	return x->err;
}

/* see xml.h */
int
xml_finish(struct xml *x)
{
	if (x->err == 0 && (!(x->flags & F_ROOTDONE) ||
	    x->st != S_CONTENT || x->need != 0))
		x->err = XML_ETRUNC;
	return x->err;
}

/* see xml.h */
uint64_t
xml_offset(const struct xml *x)
{
	return x->off;
}

/* see xml.h */
const char *
xml_strerror(int e)
{
	switch (e) {
	case 0:
		return "no error";
	case XML_EABORT:
		return "stopped by the caller";
	case XML_ESYNTAX:
		return "malformed XML";
	case XML_ECHAR:
		return "invalid UTF-8 or a character XML forbids";
	case XML_EREF:
		return "malformed or unknown entity reference";
	case XML_EDEPTH:
		return "elements nested too deeply";
	case XML_ENAME:
		return "name too long";
	case XML_ETEXT:
		return "element text too long";
	case XML_EMISMATCH:
		return "end tag does not match start tag";
	case XML_EJUNK:
		return "content outside the root element";
	case XML_EDOCTYPE:
		return "DOCTYPE not allowed";
	case XML_ETRUNC:
		return "document truncated";
	}
	return "unknown XML error";
}
