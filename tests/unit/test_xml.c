/*
 * test_xml.c - the streaming scanner: a table of documents, each fed
 * whole, one byte at a time and split at every point into two chunks;
 * every way must give the same events, result and error offset.
 */
#include <stdint.h>
#include <string.h>

#include "xml.h"
#include "unit.h"

#define LOG_BYTES	16384

/* Events as text: "<name>" opens, "[text]</name>" closes a leaf. */
struct log {
	char		 buf[LOG_BYTES];
	size_t		 n;
	unsigned	 depth;
	int		 bad;		/* overflow, or depth astray */
	int		 stop_at;	/* abort on this event (from 1) */
	int		 events;
};

static void
log_add(struct log *lg, const char *s, size_t n)
{
	if (n > sizeof(lg->buf) - lg->n) {
		lg->bad = 1;
		return;
	}
	memcpy(lg->buf + lg->n, s, n);
	lg->n += n;
}

static int
log_event(void *arg, const struct xml_event *ev)
{
	struct log *lg = arg;

	if (ev->type == XML_OPEN) {
		if (ev->depth != ++lg->depth || ev->text.n != 0)
			lg->bad = 1;
		log_add(lg, "<", 1);
	} else {
		if (ev->depth != lg->depth--)
			lg->bad = 1;
		if (ev->leaf) {
			log_add(lg, "[", 1);
			log_add(lg, ev->text.p, ev->text.n);
			log_add(lg, "]", 1);
		} else if (ev->text.n != 0)
			lg->bad = 1;
		log_add(lg, "</", 2);
	}
	log_add(lg, ev->name.p, ev->name.n);
	log_add(lg, ">", 1);
	return ++lg->events == lg->stop_at;
}

/*
 * Scan doc: whole when step is 0 and cut is 0, one byte at a time when
 * step is 1, otherwise as [0, cut) and [cut, n).
 */
static int
scan(const char *doc, size_t n, int step, size_t cut, struct log *lg,
    uint64_t *off)
{
	struct xml x;
	size_t i;
	int rc = 0;

	memset(lg, 0, offsetof(struct log, stop_at));
	lg->events = 0;
	xml_init(&x, log_event, lg);
	if (step) {
		for (i = 0; i < n && rc == 0; i++)
			rc = xml_feed(&x, doc + i, 1);
	} else if ((rc = xml_feed(&x, doc, cut)) == 0)
		rc = xml_feed(&x, doc + cut, n - cut);
	if (rc == 0)
		rc = xml_finish(&x);
	/* Errors are sticky. */
	if (rc != 0 && (xml_feed(&x, "<", 1) != rc || xml_finish(&x) != rc))
		rc = 1;
	*off = xml_offset(&x);
	return rc;
}

static struct log lg_whole, lg_other;

/* Run one document every way; want_log NULL skips the event check. */
static void
check_doc(const char *label, const char *doc, size_t n, int want_rc,
    const char *want_log)
{
	uint64_t off, off2;
	size_t cut;
	int rc, rc2, same = 1;

	rc = scan(doc, n, 0, 0, &lg_whole, &off);
	CHECKF(rc == want_rc, label);
	if (rc != want_rc)
		fprintf(stderr, "  got %d (%s) at %llu, want %d\n", rc,
		    xml_strerror(rc), (unsigned long long)off, want_rc);
	CHECKF(!lg_whole.bad, label);
	if (want_log != NULL) {
		CHECKF(lg_whole.n == strlen(want_log) &&
		    memcmp(lg_whole.buf, want_log, lg_whole.n) == 0, label);
		if (lg_whole.n != strlen(want_log) ||
		    memcmp(lg_whole.buf, want_log, lg_whole.n) != 0)
			fprintf(stderr, "  got  %.*s\n  want %s\n",
			    (int)lg_whole.n, lg_whole.buf, want_log);
	}
	for (cut = 0; cut <= n + 1; cut++) {
		/* cut n + 1 stands for one byte at a time. */
		if (cut <= n)
			rc2 = scan(doc, n, 0, cut, &lg_other, &off2);
		else
			rc2 = scan(doc, n, 1, 0, &lg_other, &off2);
		if (rc2 != rc || off2 != off || lg_other.n != lg_whole.n ||
		    memcmp(lg_other.buf, lg_whole.buf, lg_whole.n) != 0) {
			if (same)
				fprintf(stderr, "  [%s] differs at cut %zu\n",
				    label, cut);
			same = 0;
		}
	}
	CHECKF(same, label);
}

static void
test_table(void)
{
	static const struct {
		const char	*label;
		const char	*doc;
		int		 rc;
		const char	*log;
	} t[] = {
		/* Well-formed documents. */
		{ "simple", "<a>hi</a>", 0, "<a>[hi]</a>" },
		{ "empty element", "<a/>", 0, "<a>[]</a>" },
		{ "empty with space", "<a />", 0, "<a>[]</a>" },
		{ "end tag space", "<a></a \n>", 0, "<a>[]</a>" },
		{ "prolog", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<!-- c -->\n<?pi x?>\n<a>\n  <b>1</b>\n  <c/>\n</a>\n"
		    "<!-- end -->\n<?pi?>\n", 0,
		    "<a><b>[1]</b><c>[]</c></a>" },
		{ "whitespace text", "<a>  </a>", 0, "<a>[  ]</a>" },
		{ "mixed content", "<a>x<b>y</b>z</a>", 0,
		    "<a><b>[y]</b></a>" },
		{ "namespaces", "<s3:a xmlns:s3=\"u\"><s3:b>v</s3:b></s3:a>",
		    0, "<s3:a><s3:b>[v]</s3:b></s3:a>" },
		{ "utf8 name and text", "<\xC3\xA9>\xE2\x82\xAC\xF0\x9F\x98\x80"
		    "</\xC3\xA9>", 0, "<\xC3\xA9>[\xE2\x82\xAC\xF0\x9F\x98\x80]"
		    "</\xC3\xA9>" },
		{ "bom", "\xEF\xBB\xBF<a/>", 0, "<a>[]</a>" },
		{ "bom cut", "\xEF\xBB<a/>", XML_ECHAR, "" },
		{ "not a bom", "\xEF\xBB\xBE<a/>", XML_ESYNTAX, "" },
		{ "line ends", "<a>x\r\ny\rz\r\r\nw</a>\r\n", 0,
		    "<a>[x\ny\nz\n\nw]</a>" },
		{ "cr by reference", "<a>&#13;&#xD;</a>", 0, "<a>[\r\r]</a>" },
		/* Entities and character references. */
		{ "entities", "<a>&lt;&gt;&amp;&quot;&apos;</a>", 0,
		    "<a>[<>&\"']</a>" },
		{ "char refs", "<a>&#65;&#x42;&#x00043;&#233;&#x20AC;"
		    "&#x1F600;&#x10FFFF;</a>", 0, "<a>[ABC\xC3\xA9\xE2\x82\xAC"
		    "\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF]</a>" },
		{ "control by ref", "<a>&#1;&#x1f;</a>", 0,
		    "<a>[\x01\x1F]</a>" },
		{ "ref nul", "<a>&#0;</a>", XML_ECHAR, "<a>" },
		{ "ref nul hex", "<a>&#x000;</a>", XML_ECHAR, "<a>" },
		{ "ref surrogate lo", "<a>&#xD800;</a>", XML_ECHAR, "<a>" },
		{ "ref surrogate hi", "<a>&#57343;</a>", XML_ECHAR, "<a>" },
		{ "ref fffe", "<a>&#xFFFE;</a>", XML_ECHAR, "<a>" },
		{ "ref past max", "<a>&#x110000;</a>", XML_ECHAR, "<a>" },
		{ "ref past max dec", "<a>&#1114112;</a>", XML_ECHAR, "<a>" },
		{ "ref huge", "<a>&#99999999999999999999999;</a>", XML_ECHAR,
		    "<a>" },
		{ "ref huge hex", "<a>&#xFFFFFFFFFFFFFFFFF41;</a>", XML_ECHAR,
		    "<a>" },
		{ "ref empty", "<a>&#;</a>", XML_EREF, "<a>" },
		{ "ref empty hex", "<a>&#x;</a>", XML_EREF, "<a>" },
		{ "ref upper X", "<a>&#X41;</a>", XML_EREF, "<a>" },
		{ "ref bad digit", "<a>&#12a;</a>", XML_EREF, "<a>" },
		{ "ref unknown", "<a>&foo;</a>", XML_EREF, "<a>" },
		{ "ref too long", "<a>&quote;</a>", XML_EREF, "<a>" },
		{ "ref unterminated", "<a>&amp</a>", XML_EREF, "<a>" },
		{ "ref space", "<a>& b</a>", XML_EREF, "<a>" },
		{ "bare amp", "<a>a&</a>", XML_EREF, "<a>" },
		/* CDATA. */
		{ "cdata", "<a><![CDATA[<x>&amp;]]]]></a>", 0,
		    "<a>[<x>&amp;]]]</a>" },
		{ "cdata mixed", "<a>x<![CDATA[y]]>z</a>", 0, "<a>[xyz]</a>" },
		{ "cdata bracket", "<a><![CDATA[a]b]]c]]></a>", 0,
		    "<a>[a]b]]c]</a>" },
		{ "cdata empty", "<a><![CDATA[]]></a>", 0, "<a>[]</a>" },
		{ "cdata lower", "<a><![cdata[x]]></a>", XML_ESYNTAX, "<a>" },
		{ "cdata outside", "<![CDATA[x]]><a/>", XML_ESYNTAX, "" },
		{ "cdata open", "<a><![CDATA[x]]</a>", XML_ETRUNC, "<a>" },
		{ "]]> in text", "<a>]]></a>", XML_ESYNTAX, "<a>" },
		{ "]] in text", "<a>]] ]>]</a>", 0, "<a>[]] ]>]]</a>" },
		/* Comments and processing instructions. */
		{ "comment empty", "<a><!----></a>", 0, "<a>[]</a>" },
		{ "comment dashes", "<a><!-- a - b --></a>", 0, "<a>[]</a>" },
		{ "comment --", "<a><!-- a -- b --></a>", XML_ESYNTAX, "<a>" },
		{ "comment --->", "<a><!-- a ---></a>", XML_ESYNTAX, "<a>" },
		{ "comment <!--->", "<a><!---></a>", XML_ETRUNC, "<a>" },
		{ "comment one dash", "<a><!- x --></a>", XML_ESYNTAX, "<a>" },
		{ "comment splits text", "<a>x<!-- y -->z</a>", 0,
		    "<a>[xz]</a>" },
		{ "pi empty target", "<?\?><a/>", XML_ESYNTAX, "" },
		{ "pi bad target", "<?1x?><a/>", XML_ESYNTAX, "" },
		{ "pi question", "<?x a?b?\?><a/>", 0, "<a>[]</a>" },
		/* Attributes: checked, then dropped. */
		{ "attributes", "<a xmlns=\"http://s3.amazonaws.com/doc/"
		    "2006-03-01/\" x='1' y = \"&amp;&#60;'\"><b c=\"d\"/></a>",
		    0, "<a><b>[]</b></a>" },
		{ "attr no space", "<a x=\"1\"y=\"2\"/>", XML_ESYNTAX, "" },
		{ "attr unquoted", "<a x=1/>", XML_ESYNTAX, "" },
		{ "attr lt", "<a x=\"<\"/>", XML_ESYNTAX, "" },
		{ "attr bad ref", "<a x=\"&bad;\"/>", XML_EREF, "" },
		{ "attr bad char ref", "<a x=\"&#xD800;\"/>", XML_ECHAR, "" },
		{ "attr no value", "<a x/>", XML_ESYNTAX, "" },
		{ "attr open", "<a x=\"1/>", XML_ETRUNC, "" },
		{ "attr mixed quotes", "<a x=\"1'/>", XML_ETRUNC, "" },
		{ "slash space", "<a/ >", XML_ESYNTAX, "" },
		/* Names. */
		{ "name digit", "<1a/>", XML_ESYNTAX, "" },
		{ "name space", "< a/>", XML_ESYNTAX, "" },
		{ "name chars", "<_a-b.c:d9/>", 0,
		    "<_a-b.c:d9>[]</_a-b.c:d9>" },
		/* Mismatched tags. */
		{ "mismatch", "<a></b>", XML_EMISMATCH, "<a>" },
		{ "mismatch nested", "<a><b></a></b>", XML_EMISMATCH,
		    "<a><b>" },
		{ "mismatch prefix", "<ab></a>", XML_EMISMATCH, "<ab>" },
		{ "mismatch longer", "<a></ab>", XML_EMISMATCH, "<a>" },
		{ "close first", "</a>", XML_EMISMATCH, "" },
		{ "close space", "<a></ a>", XML_ESYNTAX, "<a>" },
		/* DOCTYPE, in every place it could hide. */
		{ "doctype", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
		    XML_EDOCTYPE, "" },
		{ "doctype after decl", "<?xml version=\"1.0\"?>\n"
		    "<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
		    XML_EDOCTYPE, "" },
		{ "doctype inside", "<a><!DOCTYPE a></a>", XML_EDOCTYPE,
		    "<a>" },
		{ "entity decl", "<!ENTITY x \"y\"><a/>", XML_ESYNTAX, "" },
		/* Content outside the root. */
		{ "second root", "<a/><b/>", XML_EJUNK, "<a>[]</a>" },
		{ "text after", "<a/>x", XML_EJUNK, "<a>[]</a>" },
		{ "text before", "x<a/>", XML_EJUNK, "" },
		{ "ref after", "<a/>&amp;", XML_EJUNK, "<a>[]</a>" },
		{ "close after", "<a/></a>", XML_EMISMATCH, "<a>[]</a>" },
		/* Bytes XML does not allow. */
		{ "overlong", "<a>\xC0\xAF</a>", XML_ECHAR, "<a>" },
		{ "overlong 3", "<a>\xE0\x80\xAF</a>", XML_ECHAR, "<a>" },
		{ "surrogate", "<a>\xED\xA0\x80</a>", XML_ECHAR, "<a>" },
		{ "past max", "<a>\xF4\x90\x80\x80</a>", XML_ECHAR, "<a>" },
		{ "bad lead", "<a>\xFF</a>", XML_ECHAR, "<a>" },
		{ "lone continuation", "<a>\x80</a>", XML_ECHAR, "<a>" },
		{ "short sequence", "<a>\xC3</a>", XML_ECHAR, "<a>" },
		{ "raw fffe", "<a>\xEF\xBF\xBE</a>", XML_ECHAR, "<a>" },
		{ "raw control", "<a>\x01</a>", XML_ECHAR, "<a>" },
		{ "raw nul", "<a>\0</a>", XML_ECHAR, "<a>" },
		{ "tab ok", "<a>\t</a>", 0, "<a>[\t]</a>" },
		/* Truncated input. */
		{ "nothing", "", XML_ETRUNC, "" },
		{ "only space", " \n", XML_ETRUNC, "" },
		{ "only decl", "<?xml version=\"1.0\"?>", XML_ETRUNC, "" },
		{ "open", "<a>", XML_ETRUNC, "<a>" },
		{ "open tag", "<a", XML_ETRUNC, "" },
		{ "end tag", "<a></a", XML_ETRUNC, "<a>" },
		{ "ref", "<a>&amp", XML_ETRUNC, "<a>" },
		{ "comment after", "<a/><!--", XML_ETRUNC, "<a>[]</a>" },
		{ "pi after", "<a/><?x", XML_ETRUNC, "<a>[]</a>" },
		{ "lt after", "<a/><", XML_ETRUNC, "<a>[]</a>" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_doc(t[i].label, t[i].doc, strlen(t[i].doc) +
		    (strcmp(t[i].label, "raw nul") == 0), t[i].rc, t[i].log);
}

static char doc[XML_MAX_TEXT_BYTES * 2];
static char want[XML_MAX_TEXT_BYTES * 2];

static size_t
put(char *dst, size_t at, const char *s)
{
	memcpy(dst + at, s, strlen(s));
	return at + strlen(s);
}

/* Elements nested n deep: <e><e>...</e></e>. */
static void
check_depth(unsigned n, int want_rc)
{
	size_t d = 0, w = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		d = put(doc, d, "<e>");
		w = put(want, w, "<e>");
	}
	for (i = 0; i < n; i++) {
		d = put(doc, d, "</e>");
		w = put(want, w, i == 0 ? "[]</e>" : "</e>");
	}
	want[want_rc == 0 ? w : (size_t)(XML_MAX_DEPTH * 3)] = '\0';
	check_doc(want_rc == 0 ? "depth N" : "depth N+1", doc, d, want_rc,
	    want);
}

/* An element named by n 'n's, with an attribute named by m 'm's. */
static void
check_name(size_t n, size_t m, int want_rc)
{
	size_t d = 0, w = 0;

	doc[d++] = '<';
	memset(doc + d, 'n', n);
	d += n;
	if (m > 0) {
		doc[d++] = ' ';
		memset(doc + d, 'm', m);
		d += m;
		d = put(doc, d, "=\"v\"");
	}
	d = put(doc, d, "/>");
	if (want_rc == 0) {
		w = put(want, w, "<");
		memset(want + w, 'n', n);
		w += n;
		w = put(want, w, ">[]</");
		memset(want + w, 'n', n);
		w += n;
		w = put(want, w, ">");
	}
	want[w] = '\0';
	check_doc(want_rc == 0 ? "name N" : "name N+1", doc, d, want_rc,
	    want);
}

/* Text of n bytes, the last made by ref (NULL: a plain 'x'). */
static void
check_text(size_t n, const char *ref, int cdata, int want_rc)
{
	size_t d = 0, w = 0;

	d = put(doc, d, cdata ? "<a><![CDATA[" : "<a>");
	memset(doc + d, 'x', n - 1);
	d += n - 1;
	d = put(doc, d, ref != NULL ? ref : "x");
	d = put(doc, d, cdata ? "]]></a>" : "</a>");
	w = put(want, w, "<a>");
	if (want_rc == 0) {
		w = put(want, w, "[");
		memset(want + w, 'x', n - 1);
		w += n - 1;
		w = put(want, w, ref != NULL ? "&" : "x");
		w = put(want, w, "]</a>");
	}
	want[w] = '\0';
	check_doc(want_rc == 0 ? "text N" : "text N+1", doc, d, want_rc,
	    want);
}

static void
test_limits(void)
{
	check_depth(XML_MAX_DEPTH, 0);
	check_depth(XML_MAX_DEPTH + 1, XML_EDEPTH);
	check_name(XML_MAX_NAME_BYTES, 0, 0);
	check_name(XML_MAX_NAME_BYTES + 1, 0, XML_ENAME);
	check_name(1, XML_MAX_NAME_BYTES, 0);
	check_name(1, XML_MAX_NAME_BYTES + 1, XML_ENAME);
	check_text(XML_MAX_TEXT_BYTES, NULL, 0, 0);
	check_text(XML_MAX_TEXT_BYTES + 1, NULL, 0, XML_ETEXT);
	check_text(XML_MAX_TEXT_BYTES, "&amp;", 0, 0);
	check_text(XML_MAX_TEXT_BYTES + 1, "&amp;", 0, XML_ETEXT);
	check_text(XML_MAX_TEXT_BYTES, NULL, 1, 0);
	check_text(XML_MAX_TEXT_BYTES + 1, NULL, 1, XML_ETEXT);
}

/* The callback stops the scan; the error sticks and names XML_EABORT. */
static void
test_abort(void)
{
	static const char d[] = "<a><b>1</b><c>2</c></a>";
	struct log lg;
	struct xml x;

	memset(&lg, 0, sizeof(lg));
	lg.stop_at = 3;		/* <a>, <b>, [1]</b> */
	xml_init(&x, log_event, &lg);
	CHECK(xml_feed(&x, d, sizeof(d) - 1) == XML_EABORT);
	CHECK(lg.events == 3);
	CHECK(xml_offset(&x) == 10);	/* the '>' of </b> */
	CHECK(xml_feed(&x, "", 0) == XML_EABORT);
	CHECK(xml_finish(&x) == XML_EABORT);

	/* No callback: a well-formedness check only. */
	xml_init(&x, NULL, NULL);
	CHECK(xml_feed(&x, d, sizeof(d) - 1) == 0);
	CHECK(xml_finish(&x) == 0);
}

static void
test_strerror(void)
{
	int e;

	for (e = 0; e >= XML_ETRUNC - 1; e--)
		CHECK(xml_strerror(e) != NULL && xml_strerror(e)[0] != '\0');
	CHECK(strcmp(xml_strerror(XML_EDOCTYPE), "DOCTYPE not allowed") == 0);
}

int
main(void)
{
	test_table();
	test_limits();
	test_abort();
	test_strerror();
	return unit_done("test_xml");
}
