/*
 * test_catalog.c - the tools as tools/list shows them (catalog.c) against
 * the table that runs them (tools_table, tools_argdefs): every Tool
 * object is valid JSON named as its row, read-only mode hides exactly the
 * write tools, and each input schema states what the argument table
 * enforces: its properties are the arguments the row takes, required the
 * ones it needs, each property's type is the argument's, and every bound
 * the schema states (minimum, maximum, minLength, maxLength, enum,
 * default) is the table's.  A schema and the table cannot drift apart
 * without this test failing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "json.h"
#include "tools_impl.h"
#include "unit.h"

#define MAXTOK	2048

static struct json_tok	 tok[MAXTOK];

/* The write tools, by name: what read-only mode must hide. */
static const char *const writers[] = {
	"s3_put_object", "s3_delete_object", "s3_copy_object"
};

static int
is_writer(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcmp(writers[i], name) == 0)
			return 1;
	return 0;
}

/* The argument named by key token k, or A_COUNT. */
static enum argid
arg_named(const struct json *j, int k)
{
	int	i;

	for (i = 0; i < A_COUNT; i++)
		if (json_streq(j, k, tools_argdefs[i].name))
			return (enum argid)i;
	return A_COUNT;
}

/* The integer member key of obj: 1 and *v, 0 when absent, -1 otherwise. */
static int
int_member(const struct json *j, int obj, const char *key, int64_t *v)
{
	int	t = json_find(j, obj, key);

	if (t < 0)
		return 0;
	return json_int64(j, t, v) == 0 ? 1 : -1;
}

/* 1 when value token t fits argument d: its type and its bounds. */
static int
fits(const struct json *j, int t, const struct argdef *d)
{
	struct buf	 b;
	int64_t		 v;
	int		 ok;

	switch (d->type) {
	case T_INTEGER:
		return json_int64(j, t, &v) == 0 && v >= d->min && v <= d->max;
	case T_BOOLEAN:
		return json_type(j, t) == JSON_TRUE ||
		    json_type(j, t) == JSON_FALSE;
	case T_STRING:
		buf_init(&b, 0);
		ok = json_decode(j, t, &b) == 0 && (int64_t)b.n >= d->min &&
		    (uint64_t)b.n <= (uint64_t)d->max;
		buf_free(&b);
		return ok;
	default:
		return 0;
	}
}

/* One property p (a schema object) against argument a. */
static void
check_property(const struct json *j, int p, enum argid a, const char *tool)
{
	const struct argdef	*d = &tools_argdefs[a];
	static const char *const types[] = {
		[T_STRING] = "string", [T_INTEGER] = "integer",
		[T_BOOLEAN] = "boolean", [T_STRINGMAP] = "object"
	};
	char		 label[128];
	int64_t		 v;
	int		 t, e, r, patterned;

	snprintf(label, sizeof(label), "%s.%s", tool, d->name);
	CHECKF(json_type(j, p) == JSON_OBJECT, label);
	t = json_find(j, p, "type");
	CHECKF(t >= 0 && json_streq(j, t, types[d->type]), label);
	patterned = json_find(j, p, "pattern") >= 0 ||
	    json_find(j, p, "enum") >= 0;

	switch (d->type) {
	case T_INTEGER:
		/* A lower bound is always stated; an upper one when any. */
		CHECKF(int_member(j, p, "minimum", &v) == 1 && v == d->min,
		    label);
		r = int_member(j, p, "maximum", &v);
		if (d->max == INT64_MAX)
			CHECKF(r == 0, label);
		else
			CHECKF(r == 1 && v == d->max, label);
		CHECKF(json_find(j, p, "minLength") < 0 &&
		    json_find(j, p, "maxLength") < 0, label);
		break;
	case T_STRING:
		r = int_member(j, p, "minLength", &v);
		if (r != 0)
			CHECKF(r == 1 && v == d->min, label);
		else
			CHECKF(d->min == 0 || patterned, label);
		r = int_member(j, p, "maxLength", &v);
		if (r != 0)
			CHECKF(r == 1 && v == d->max, label);
		else
			CHECKF(d->max == INT64_MAX || patterned, label);
		CHECKF(json_find(j, p, "minimum") < 0 &&
		    json_find(j, p, "maximum") < 0, label);
		break;
	case T_STRINGMAP:
		/* An object of strings. */
		t = json_find(j, p, "additionalProperties");
		CHECKF(json_type(j, t) == JSON_OBJECT, label);
		t = json_find(j, t, "type");
		CHECKF(t >= 0 && json_streq(j, t, "string"), label);
		break;
	default:
		break;
	}
	/* Every value an enum or a default names is one the table takes. */
	if ((t = json_find(j, p, "enum")) >= 0) {
		CHECKF(json_type(j, t) == JSON_ARRAY && json_size(j, t) > 0,
		    label);
		for (e = json_child(j, t); e >= 0; e = json_next(j, e))
			CHECKF(fits(j, e, d), label);
	}
	if ((t = json_find(j, p, "default")) >= 0)
		CHECKF(fits(j, t, d), label);
}

/* The input schema of tool id (its Tool object parsed in j). */
static void
check_input_schema(const struct json *j, enum catalog_tool id)
{
	const struct tool_def	*row = &tools_table[id];
	const char		*tool = catalog[id].name;
	unsigned		 props = 0, req = 0;
	enum argid		 a;
	int			 s, p, k, t;

	s = json_find(j, 0, "inputSchema");
	CHECKF(json_type(j, s) == JSON_OBJECT, tool);
	t = json_find(j, s, "type");
	CHECKF(t >= 0 && json_streq(j, t, "object"), tool);
	t = json_find(j, s, "additionalProperties");
	CHECKF(json_type(j, t) == JSON_FALSE, tool);

	p = json_find(j, s, "properties");
	CHECKF(json_type(j, p) == JSON_OBJECT, tool);
	for (k = json_child(j, p); k >= 0; k = json_next(j, k)) {
		a = arg_named(j, k);
		CHECKF(a != A_COUNT && (row->takes & BIT(a)), tool);
		if (a == A_COUNT)
			continue;
		props |= BIT(a);
		check_property(j, k + 1, a, tool);
	}
	/* No argument taken that the schema does not show. */
	CHECKF(props == row->takes, tool);

	t = json_find(j, s, "required");
	if (t >= 0) {
		CHECKF(json_type(j, t) == JSON_ARRAY && json_size(j, t) > 0,
		    tool);
		for (k = json_child(j, t); k >= 0; k = json_next(j, k)) {
			a = arg_named(j, k);
			CHECKF(a != A_COUNT && (props & BIT(a)), tool);
			if (a != A_COUNT)
				req |= BIT(a);
		}
	}
	CHECKF(req == row->needs, tool);
}

/* 1 when the Tool object j says readOnlyHint is v. */
static int
read_only_hint(const struct json *j, int v)
{
	int	 a = json_find(j, 0, "annotations"), t;

	t = json_find(j, a, "readOnlyHint");
	return json_type(j, t) == (v ? JSON_TRUE : JSON_FALSE);
}

static int
parse_tool(struct json *j, const char *text, const char *name)
{
	int	 t;

	if (json_parse(j, text, strlen(text), tok, MAXTOK) < 0 ||
	    json_type(j, 0) != JSON_OBJECT)
		return -1;
	t = json_find(j, 0, "name");
	return t >= 0 && json_streq(j, t, name) ? 0 : -1;
}

static void
test_entries(void)
{
	struct json	 j;
	size_t		 i;
	int		 writes;

	for (i = 0; i < TOOL_COUNT; i++) {
		const struct catalog_entry *e = &catalog[i];

		CHECKF(e->id == (enum catalog_tool)i, e->name);
		CHECKF(catalog_find(e->name, strlen(e->name)) == e, e->name);
		CHECKF(tools_table[i].run != NULL, e->name);
		writes = (tools_table[i].flags & (TOOL_WRITES |
		    TOOL_PUT_WRITES)) != 0;
		CHECKF(parse_tool(&j, e->json, e->name) == 0, e->name);
		CHECKF(json_type(&j, json_find(&j, 0, "outputSchema")) ==
		    JSON_OBJECT, e->name);
		CHECKF(read_only_hint(&j, !writes), e->name);
		check_input_schema(&j, e->id);
		if (e->json_ro == NULL)
			continue;
		/* The read-only text: the same tool, said to be read-only. */
		CHECKF(parse_tool(&j, e->json_ro, e->name) == 0, e->name);
		CHECKF(read_only_hint(&j, 1), e->name);
		check_input_schema(&j, e->id);
	}
	CHECK(catalog_find("s3_get", 6) == NULL);
	CHECK(catalog_find("s3_get_objectX", 14) == NULL);
	CHECK(catalog_find("", 0) == NULL);
	/* The order is txn2/mcp-s3's. */
	CHECK(strcmp(catalog[0].name, "s3_list_buckets") == 0);
	CHECK(strcmp(catalog[TOOL_COUNT - 1].name, "s3_list_connections") == 0);
}

static void
test_listed(void)
{
	struct config	 cfg;
	size_t		 i, shown;
	const char	*t;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < TOOL_COUNT; i++)
		CHECKF(tools_listed(&catalog[i], &cfg) == catalog[i].json,
		    catalog[i].name);
	cfg.readonly = 1;
	for (i = shown = 0; i < TOOL_COUNT; i++) {
		t = tools_listed(&catalog[i], &cfg);
		CHECKF((t == NULL) == is_writer(catalog[i].name),
		    catalog[i].name);
		CHECKF((t == NULL) == ((tools_table[i].flags & TOOL_WRITES) !=
		    0), catalog[i].name);
		if (t == NULL)
			continue;
		shown++;
		CHECKF(t == (catalog[i].json_ro != NULL ? catalog[i].json_ro :
		    catalog[i].json), catalog[i].name);
	}
	CHECK(shown == TOOL_COUNT - sizeof(writers) / sizeof(writers[0]));
}

int
main(void)
{
	test_entries();
	test_listed();
	return unit_done("test_catalog");
}
