/*
 * tools_write.c - the write tools (put, delete, copy) and presigned URLs; see tools_impl.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "tools_impl.h"
#include "url.h"

void
tools_put_object(struct call *c)
{
	struct s3_put_opts o;
	struct s3_written wr;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = tools_arg(c, A_BUCKET), k = tools_arg(c, A_KEY);
	struct slice content = tools_arg(c, A_CONTENT);
	const char *body;
	size_t len;
	int b64 = (c->a.have & BIT(A_IS_BASE64)) && c->a.num[A_IS_BASE64];
	int rc;

	c->content_bytes = content.n;
	c->has_content = 1;
	body = content.p;
	len = content.n;
	/*
	 * Decoded where it lies (in the call's line, or in its unescaped
	 * copy), so a large put holds the line and nothing else: no copy
	 * without the white space, no buffer of decoded bytes.
	 */
	if (b64 && content.n > 0 &&
	    base64_decode_inplace(c->a.content, content.n, &len) != 0) {
		tools_error(c, "InvalidArgument", "content is not valid "
		    "base64 (standard alphabet A-Z a-z 0-9 + /, with = "
		    "padding)");
		return;
	}
	if (len > c->srv->cfg->max_put_size) {
		tools_error(c, "SizeLimit", "the content has %zu bytes, over "
		    "the limit of %llu bytes one call may write "
		    "(MCP_S3_MAX_PUT_SIZE); nothing was sent. Upload it with a "
		    "presigned PUT URL instead.", len,
		    (unsigned long long)c->srv->cfg->max_put_size);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.content_type = tools_arg(c, A_CONTENT_TYPE);
	if (o.content_type.n == 0)
		o.content_type = b64 ? SLICE_LIT("application/octet-stream") :
		    SLICE_LIT("text/plain; charset=utf-8");
	o.meta = c->a.meta;
	o.nmeta = c->a.nmeta;
	o.if_none_match = (c->a.have & BIT(A_IF_NONE_MATCH)) &&
	    c->a.num[A_IF_NONE_MATCH];
	rc = s3_put_object(c->client, b, k, body, len, &o, &wr, &err);
	if (rc != 0) {
		tools_s3_fail(c, rc, &err);
		return;
	}
	c->bytes = len;
	c->has_bytes = 1;
	tools_sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kuint(&sw, "size", len);
	if (wr.etag[0])
		jsonw_kstr(&sw, "etag", wr.etag);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Wrote ");
	tools_text_object(&c->text, b, k);
	buf_addf(&c->text, " (%zu bytes, ", len);
	tools_text_safe(&c->text, o.content_type.p, o.content_type.n);
	buf_addc(&c->text, ')');
	if (wr.etag[0]) {
		buf_adds(&c->text, ", ETag ");
		tools_text_etag(&c->text, wr.etag);
	}
	buf_addc(&c->text, '.');
	tools_write_result(c);
}

void
tools_delete_object(struct call *c)
{
	struct s3_written wr;
	struct s3_error err;
	struct jsonw sw;
	struct slice b = tools_arg(c, A_BUCKET), k = tools_arg(c, A_KEY);
	int rc;

	rc = s3_delete_object(c->client, b, k, tools_arg(c, A_VERSION_ID), &wr,
	    &err);
	if (rc != 0) {
		tools_s3_fail(c, rc, &err);
		return;
	}
	tools_sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kbool(&sw, "deleted", 1);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	if (wr.delete_marker)
		jsonw_kbool(&sw, "delete_marker", 1);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Deleted ");
	tools_text_object(&c->text, b, k);
	if (wr.version_id[0]) {
		buf_adds(&c->text, " (version ");
		tools_text_val(&c->text, wr.version_id);
		buf_addc(&c->text, ')');
	}
	buf_adds(&c->text, wr.delete_marker ? "; the bucket keeps versions, "
	    "so a delete marker now hides it." : ".");
	tools_write_result(c);
}

void
tools_copy_object(struct call *c)
{
	struct s3_put_opts o, *replace = NULL;
	struct s3_written wr;
	struct s3_error err;
	struct s3_meta m;
	struct jsonw sw;
	struct slice sb = tools_arg(c, A_SOURCE_BUCKET), sk = tools_arg(c, A_SOURCE_KEY);
	struct slice db = tools_arg(c, A_DEST_BUCKET), dk = tools_arg(c, A_DEST_KEY);
	int rc;

	memset(&m, 0, sizeof(m));
	buf_init(&m.user, S3_MAX_META_BYTES);
	memset(&o, 0, sizeof(o));
	if (c->a.have & (BIT(A_METADATA) | BIT(A_CONTENT_TYPE))) {
		replace = &o;
		o.meta = c->a.meta;
		o.nmeta = c->a.nmeta;
		o.content_type = tools_arg(c, A_CONTENT_TYPE);
		/* REPLACE drops the content type unless it is sent again. */
		if (o.content_type.n == 0) {
			rc = s3_head_object(c->client, sb, sk, &m, &err);
			if (rc != 0) {
				tools_s3_fail(c, rc, &err);
				goto out;
			}
			o.content_type = slice_cstr(m.content_type);
		}
	}
	rc = s3_copy_object(c->client, sb, sk, db, dk, replace, &wr, &err);
	if (rc != 0) {
		tools_s3_fail(c, rc, &err);
		goto out;
	}
	tools_sc_begin(c, &sw);
	jsonw_kstring(&sw, "source_bucket", sb.p, sb.n);
	jsonw_kstring(&sw, "source_key", sk.p, sk.n);
	jsonw_kstring(&sw, "dest_bucket", db.p, db.n);
	jsonw_kstring(&sw, "dest_key", dk.p, dk.n);
	if (wr.etag[0])
		jsonw_kstr(&sw, "etag", wr.etag);
	if (wr.last_modified[0])
		jsonw_kstr(&sw, "last_modified", wr.last_modified);
	if (wr.version_id[0])
		jsonw_kstr(&sw, "version_id", wr.version_id);
	jsonw_end_object(&sw);
	buf_adds(&c->text, "Copied ");
	tools_text_object(&c->text, sb, sk);
	buf_adds(&c->text, " to ");
	tools_text_object(&c->text, db, dk);
	buf_adds(&c->text, replace ? " with new metadata." : ".");
	tools_write_result(c);
out:
	s3_meta_free(&m);
}

void
tools_presign_url(struct call *c)
{
	struct s3_error err;
	struct jsonw sw;
	struct buf *url;
	struct slice b = tools_arg(c, A_BUCKET), k = tools_arg(c, A_KEY);
	const char *method = "GET";
	char when[21];
	uint32_t expires = 3600;
	time_t now;
	int rc;

	if ((c->a.have & BIT(A_METHOD)) && slice_ieq(tools_arg(c, A_METHOD), "PUT"))
		method = "PUT";
	if (c->a.have & BIT(A_EXPIRES_IN))
		expires = (uint32_t)c->a.num[A_EXPIRES_IN];
	if ((url = tools_buf(c, 0)) == NULL)
		return;
	now = time(NULL);
	rc = s3_presign(c->client, method, b, k, expires, now,
	    c->conn->presign_base, url, &err);
	if (rc != 0) {
		tools_s3_fail(c, rc, &err);
		return;
	}
	/* UTC, whatever TZ says: a URL expires at one instant. */
	time_iso8601(when, now + (time_t)expires);
	tools_sc_begin(c, &sw);
	jsonw_kstring(&sw, "bucket", b.p, b.n);
	jsonw_kstring(&sw, "key", k.p, k.n);
	jsonw_kstring(&sw, "url", url->p, url->n);
	jsonw_kstr(&sw, "method", method);
	jsonw_kuint(&sw, "expires_in_seconds", expires);
	jsonw_kstr(&sw, "expires_at", when);
	jsonw_end_object(&sw);
	buf_addf(&c->text, "%s URL for ", method);
	tools_text_object(&c->text, b, k);
	buf_addf(&c->text, ", valid until %s (%u s):\n", when,
	    (unsigned)expires);
	buf_add(&c->text, url->p, url->n);
	if (c->conn->session_token != NULL)
		buf_adds(&c->text, "\nIt was signed with temporary credentials "
		    "and stops working when they expire.");
	tools_write_result(c);
}

