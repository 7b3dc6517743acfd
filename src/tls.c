/*
 * tls.c - BearSSL TLS client over net.h sockets; trust anchors from a PEM
 * bundle.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearssl.h"
#include "limits.h"
#include "net.h"
#include "tls.h"
#include "util.h"

#ifdef MCP_S3_EMBED_ROOTS
/* build/TARGET/roots.c, made by scripts/roots.sh from the Mozilla set. */
extern const br_x509_trust_anchor	 tls_roots[];
extern const size_t			 tls_roots_count;
#endif

/*
 * ta is what the X.509 engine gets: own (heap copies, freed with the
 * set) or the embedded roots (read-only data, never freed).
 */
struct tls_anchors {
	const br_x509_trust_anchor	*ta;
	br_x509_trust_anchor		*own;
	size_t				 n;
	char				*path;
};

/* Where PEM and X.509 decoder output goes; callbacks cannot fail. */
struct sink {
	struct buf	 b;
	int		 err;
};

static void
sink_add(void *ctx, const void *p, size_t n)
{
	struct sink	*s = ctx;

	if (s->err == 0 && buf_add(&s->b, p, n) != 0)
		s->err = 1;
}

static void *
dup_bytes(const void *p, size_t n)
{
	void	*q;

	if ((q = malloc(n > 0 ? n : 1)) != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

static void
anchor_free(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else
		free(ta->pkey.key.ec.q);
}

/* 1 when an anchor with this DN and key is already in the set. */
static int
anchor_known(const struct tls_anchors *a, const br_x509_trust_anchor *t)
{
	const br_x509_trust_anchor	*o;
	size_t				 i;

	for (i = 0; i < a->n; i++) {
		o = &a->own[i];
		if (o->dn.len != t->dn.len || o->pkey.key_type !=
		    t->pkey.key_type || memcmp(o->dn.data, t->dn.data,
		    t->dn.len) != 0)
			continue;
		if (t->pkey.key_type == BR_KEYTYPE_RSA) {
			if (o->pkey.key.rsa.nlen == t->pkey.key.rsa.nlen &&
			    memcmp(o->pkey.key.rsa.n, t->pkey.key.rsa.n,
			    t->pkey.key.rsa.nlen) == 0)
				return 1;
		} else if (o->pkey.key.ec.qlen == t->pkey.key.ec.qlen &&
		    memcmp(o->pkey.key.ec.q, t->pkey.key.ec.q,
		    t->pkey.key.ec.qlen) == 0)
			return 1;
	}
	return 0;
}

/*
 * One DER certificate becomes one anchor: its subject DN and public key,
 * copied to the heap since the decoder's copies die with it.  Returns 0,
 * 1 for a certificate BearSSL cannot use or one already loaded (skipped),
 * TLS_EBUNDLE past TLS_MAX_ANCHORS, or TLS_ENOMEM.
 */
static int
add_anchor(struct tls_anchors *a, const unsigned char *der, size_t n)
{
	br_x509_decoder_context	 dc;
	br_x509_trust_anchor	*ta;
	br_x509_pkey		*pk;
	struct sink		 dn;
	int			 ok;

	buf_init(&dn.b, 0);
	dn.err = 0;
	br_x509_decoder_init(&dc, sink_add, &dn);
	br_x509_decoder_push(&dc, der, n);
	if ((pk = br_x509_decoder_get_pkey(&dc)) == NULL || dn.err) {
		ok = dn.err ? TLS_ENOMEM : 1;
		buf_free(&dn.b);
		return ok;
	}
	if (a->n == TLS_MAX_ANCHORS) {
		buf_free(&dn.b);
		return TLS_EBUNDLE;
	}
	ta = &a->own[a->n];
	memset(ta, 0, sizeof(*ta));
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	ta->dn.len = dn.b.n;
	ta->dn.data = dup_bytes(dn.b.p, dn.b.n);
	buf_free(&dn.b);
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ok = ta->pkey.key.rsa.n != NULL && ta->pkey.key.rsa.e != NULL;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ok = ta->pkey.key.ec.q != NULL;
	}
	if (!ok || ta->dn.data == NULL) {
		anchor_free(ta);
		return TLS_ENOMEM;
	}
	if (anchor_known(a, ta)) {
		anchor_free(ta);
		return 1;
	}
	a->n++;
	return 0;
}

/* The whole file into b (initialised here), at most TLS_MAX_BUNDLE_BYTES. */
static int
read_file(const char *path, struct buf *b)
{
	switch (util_read_file(path, TLS_MAX_BUNDLE_BYTES, 0, b, NULL)) {
	case 0:
		return 0;
	case UTIL_EFTYPE:
		return TLS_EISDIR;
	case UTIL_ELIMIT:
		return TLS_EBUNDLE;
	case UTIL_ENOMEM:
		return TLS_ENOMEM;
	default:
		return TLS_ENOBUNDLE;
	}
}

/*
 * Adds the certificates of one PEM text; *found counts those seen
 * (usable or not), so that a caller can tell "no certificate" apart.
 */
static int
decode_bundle(struct tls_anchors *a, const struct buf *pem, size_t *found)
{
	br_pem_decoder_context	 pc;
	struct sink		 der;
	size_t			 off = 0;
	int			 is_cert = 0, r = 0;

	buf_init(&der.b, TLS_MAX_BUNDLE_BYTES);
	der.err = 0;
	br_pem_decoder_init(&pc);
	/* The decoder needs a newline after the last END line. */
	while (r == 0 && off <= pem->n) {
		if (off < pem->n)
			off += br_pem_decoder_push(&pc, pem->p + off,
			    pem->n - off);
		else
			off += br_pem_decoder_push(&pc, "\n", 1);
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			is_cert = strcmp(br_pem_decoder_name(&pc),
			    "CERTIFICATE") == 0;
			buf_reset(&der.b);
			br_pem_decoder_setdest(&pc, is_cert ? sink_add : NULL,
			    &der);
			break;
		case BR_PEM_END_OBJ:
			if (!is_cert)
				break;
			(*found)++;
			if (der.err)
				r = TLS_ENOMEM;
			else if ((r = add_anchor(a, (unsigned char *)der.b.p,
			    der.b.n)) == 1)
				r = 0;
			is_cert = 0;
			break;
		case BR_PEM_ERROR:
			r = TLS_EBUNDLE;
			break;
		}
	}
	buf_free(&der.b);
	return r;
}

static int
anchors_new(struct tls_anchors **out)
{
	struct tls_anchors	*a;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return TLS_ENOMEM;
	if ((a->own = calloc(TLS_MAX_ANCHORS, sizeof(*a->own))) == NULL) {
		free(a);
		return TLS_ENOMEM;
	}
	a->ta = a->own;
	*out = a;
	return 0;
}

/*
 * Adds "what path" to the description of where the anchors came from
 * (tls_anchors_path()): "FILE and SSL_CERT_DIR DIR" for several sources.
 */
static int
set_source(struct tls_anchors *a, const char *what, const char *path)
{
	struct buf	 b;
	int		 r = 0;

	buf_init(&b, 0);
	if (a->path != NULL)
		r = buf_adds(&b, a->path) || buf_adds(&b, " and ");
	if (r == 0 && what != NULL)
		r = buf_adds(&b, what);
	if (r != 0 || buf_adds(&b, path) != 0 || buf_addc(&b, '\0') != 0) {
		buf_free(&b);
		return TLS_ENOMEM;
	}
	free(a->path);
	a->path = dup_bytes(b.p, b.n);
	buf_free(&b);
	return a->path != NULL ? 0 : TLS_ENOMEM;
}

/* Adds one PEM file; a file without any certificate is TLS_EBUNDLE. */
static int
add_file(struct tls_anchors *a, const char *path)
{
	struct buf	 pem;
	size_t		 found = 0, before = a->n;
	int		 r;

	if ((r = read_file(path, &pem)) == 0)
		r = decode_bundle(a, &pem, &found);
	buf_free(&pem);
	if (r == 0 && (found == 0 || (a->n == before && before == 0)))
		r = TLS_EBUNDLE;
	return r;
}

/* *.pem, *.crt, or OpenSSL's hashed name: 8 hex digits, '.', digits. */
static int
dir_name_ok(const char *n)
{
	size_t	 len = strlen(n), i;

	if (len > 4 && (strcmp(n + len - 4, ".pem") == 0 ||
	    strcmp(n + len - 4, ".crt") == 0))
		return 1;
	if (len < 10 || n[8] != '.')
		return 0;
	for (i = 0; i < 8; i++)
		if (hex_digit((unsigned char)n[i]) < 0)
			return 0;
	for (i = 9; i < len; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

/*
 * Adds the certificates of one directory's files (see tls.h).  Files
 * that hold no certificate (keys, CRLs) are skipped; a directory that
 * yields none at all is TLS_EBUNDLE.
 */
static int
add_dir(struct tls_anchors *a, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	struct buf	 path, pem;
	size_t		 files = 0, found = 0;
	int		 r = 0;

	if ((d = opendir(dir)) == NULL)
		return TLS_ENOBUNDLE;
	buf_init(&path, 4096);
	buf_init(&pem, TLS_MAX_BUNDLE_BYTES);
	while (r == 0 && (e = readdir(d)) != NULL) {
		if (!dir_name_ok(e->d_name))
			continue;
		buf_reset(&path);
		if (buf_adds(&path, dir) != 0 || buf_addc(&path, '/') != 0 ||
		    buf_adds(&path, e->d_name) != 0 ||
		    buf_addc(&path, '\0') != 0)
			continue;	/* a name too long to open */
		if (stat(path.p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (++files > TLS_MAX_DIR_FILES) {
			r = TLS_EDIRLIMIT;
			break;
		}
		buf_free(&pem);
		if ((r = read_file(path.p, &pem)) == TLS_ENOBUNDLE)
			r = 0;	/* vanished or unreadable: as OpenSSL does */
		else if (r == 0)
			r = decode_bundle(a, &pem, &found);
		if (r == TLS_EBUNDLE && a->n < TLS_MAX_ANCHORS)
			r = 0;	/* one malformed file spoils nothing */
	}
	closedir(d);
	buf_free(&path);
	buf_free(&pem);
	if (r == 0 && found == 0)
		r = TLS_EBUNDLE;
	return r;
}

static int
use_embedded(struct tls_anchors *a)
{
#ifdef MCP_S3_EMBED_ROOTS
	if (tls_roots_count > 0) {
		a->ta = tls_roots;
		a->n = tls_roots_count;
		return set_source(a, NULL, "embedded Mozilla roots");
	}
#endif
	(void)a;
	return TLS_ENOSYSTEM;
}

static int
use_system(struct tls_anchors *a)
{
	static const char	*const system[] = TLS_SYSTEM_BUNDLES;
	size_t			 i;
	int			 r;

	for (i = 0; system[i] != NULL; i++) {
		if ((r = add_file(a, system[i])) == TLS_ENOBUNDLE)
			continue;
		return r != 0 ? r : set_source(a, NULL, system[i]);
	}
	return TLS_ENOSYSTEM;
}

/* see tls.h */
size_t
tls_embedded_roots(void)
{
#ifdef MCP_S3_EMBED_ROOTS
	return tls_roots_count;
#else
	return 0;
#endif
}

/* see tls.h */
int
tls_anchors_load(struct tls_anchors **out, const char *path)
{
	struct tls_anchors	*a;
	int			 r;

	*out = NULL;
	if ((r = anchors_new(&a)) != 0)
		return r;
	if (path != NULL && path[0] != '\0') {
		if ((r = add_file(a, path)) == 0)
			r = set_source(a, NULL, path);
	} else if ((r = use_embedded(a)) == TLS_ENOSYSTEM)
		r = use_system(a);
	if (r != 0) {
		tls_anchors_free(a);
		return r;
	}
	*out = a;
	return 0;
}

static int
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* see tls.h */
int
tls_anchors_from_env(struct tls_anchors **out, const struct tls_trust_env *env,
    const char **var, const char **value)
{
	static char		 one[4096];
	struct tls_anchors	*a;
	const char		*p, *q = "";
	size_t			 n, dirs = 0;
	int			 r = 0;

	*out = NULL;
	*var = NULL;
	*value = NULL;
	if (set(env->aws_ca_bundle)) {
		if ((r = tls_anchors_load(out, env->aws_ca_bundle)) != 0) {
			*var = "AWS_CA_BUNDLE";
			*value = env->aws_ca_bundle;
		}
		return r;
	}
	if (!set(env->ssl_cert_file) && !set(env->ssl_cert_dir))
		return tls_anchors_load(out, NULL);
	if ((r = anchors_new(&a)) != 0)
		return r;
	if (set(env->ssl_cert_file)) {
		*var = "SSL_CERT_FILE";
		*value = env->ssl_cert_file;
		if ((r = add_file(a, env->ssl_cert_file)) == 0)
			r = set_source(a, NULL, env->ssl_cert_file);
	}
	/* OpenSSL's list form: dir:dir:...; empty entries are skipped. */
	for (p = set(env->ssl_cert_dir) ? env->ssl_cert_dir : ""; r == 0 &&
	    *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		if ((q = strchr(p, ':')) == NULL)
			q = p + strlen(p);
		if ((n = (size_t)(q - p)) == 0)
			continue;
		*var = "SSL_CERT_DIR";
		*value = env->ssl_cert_dir;
		if (n >= sizeof(one) || ++dirs > TLS_MAX_CERT_DIRS) {
			r = n >= sizeof(one) ? TLS_ENOBUNDLE : TLS_EDIRLIMIT;
			break;
		}
		memcpy(one, p, n);
		one[n] = '\0';
		*value = one;
		if ((r = add_dir(a, one)) == 0)
			r = set_source(a, "SSL_CERT_DIR ", one);
	}
	if (r != 0) {
		tls_anchors_free(a);
		return r;
	}
	*var = NULL;
	*value = NULL;
	*out = a;
	return 0;
}

/* see tls.h */
size_t
tls_anchors_count(const struct tls_anchors *a)
{
	return a != NULL ? a->n : 0;
}

/* see tls.h */
const char *
tls_anchors_path(const struct tls_anchors *a)
{
	return a != NULL ? a->path : NULL;
}

/* see tls.h */
void
tls_anchors_free(struct tls_anchors *a)
{
	size_t	 i;

	if (a == NULL)
		return;
	if (a->ta == a->own)
		for (i = 0; i < a->n; i++)
			anchor_free(&a->own[i]);
	free(a->own);
	free(a->path);
	free(a);
}

/* BearSSL counts days from 0000-01-01; 1970-01-01 is day 719528. */
#define DAYS_TO_EPOCH	719528

/* The server certificate's dates as a Unix time; 0 when unknown. */
static int64_t
cert_time(uint32_t days, uint32_t secs)
{
	if (days < DAYS_TO_EPOCH)
		return 0;
	return (int64_t)(days - DAYS_TO_EPOCH) * 86400 + (int64_t)secs;
}

/*
 * The X.509 watch: every call goes to the minimal engine; the first
 * certificate of the chain (the server's own) is also decoded for its
 * dates, which the minimal engine does not keep.
 */
static void
xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls_x509_watch	*w = (struct tls_x509_watch *)(void *)ctx;

	w->ncerts = 0;
	w->have_dates = 0;
	w->dns[0] = w->cn[0] = '\0';
	w->inner->vtable->start_chain(&w->inner->vtable, server_name);
}

static void
xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_x509_watch	*w = (struct tls_x509_watch *)(void *)ctx;

	if (w->ncerts == 0)
		br_x509_decoder_init(&w->dc, NULL, NULL);
	w->inner->vtable->start_cert(&w->inner->vtable, length);
}

static void
xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_x509_watch	*w = (struct tls_x509_watch *)(void *)ctx;

	if (w->ncerts == 0)
		br_x509_decoder_push(&w->dc, buf, len);
	w->inner->vtable->append(&w->inner->vtable, buf, len);
}

static void
xw_end_cert(const br_x509_class **ctx)
{
	struct tls_x509_watch	*w = (struct tls_x509_watch *)(void *)ctx;

	if (w->ncerts++ == 0 &&
	    (w->have_dates = br_x509_decoder_last_error(&w->dc) == 0)) {
		w->not_before = cert_time(w->dc.notbefore_days,
		    w->dc.notbefore_seconds);
		w->not_after = cert_time(w->dc.notafter_days,
		    w->dc.notafter_seconds);
	}
	w->inner->vtable->end_cert(&w->inner->vtable);
}

static unsigned
xw_end_chain(const br_x509_class **ctx)
{
	struct tls_x509_watch	*w = (struct tls_x509_watch *)(void *)ctx;

	return w->inner->vtable->end_chain(&w->inner->vtable);
}

static const br_x509_pkey *
xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct tls_x509_watch *w =
	    (const struct tls_x509_watch *)(const void *)ctx;

	return w->inner->vtable->get_pkey(
	    (const br_x509_class *const *)&w->inner->vtable, usages);
}

static const br_x509_class xw_vtable = {
	sizeof(struct tls_x509_watch),
	xw_start_chain,
	xw_start_cert,
	xw_append,
	xw_end_cert,
	xw_end_chain,
	xw_get_pkey
};

/*
 * see tls.h
 *
 * A BearSSL profile with just what S3 endpoints need, instead of
 * br_ssl_client_init_full (which would link every algorithm through its
 * vtables): TLS 1.2 only, since 1.0 and 1.1 are deprecated (RFC 8996);
 * ECDHE key exchange (forward secrecy) with AEAD records, AES-GCM or
 * ChaCha20-Poly1305; server certificates with RSA or ECDSA keys (P-256,
 * P-384, P-521) signed with SHA-256, SHA-384 or SHA-512.  Left out: RSA
 * key exchange, CBC, CCM and 3DES suites, MD5, SHA-1 and SHA-224.
 */
void
tls_init(struct tls_conn *t, const struct tls_anchors *a)
{
	static const uint16_t	 suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	};
	static const unsigned char	 san_dns[] = { 0, 2 };
	static const unsigned char	 at_cn[] = { 3, 0x55, 0x04, 0x03 };
	static const struct {
		int			 id;
		const br_hash_class	*impl;
	} hashes[] = {
		{ br_sha256_ID, &br_sha256_vtable },
		{ br_sha384_ID, &br_sha384_vtable },
		{ br_sha512_ID, &br_sha512_vtable }
	};
	br_ssl_engine_context	*eng = &t->cc.eng;
	br_x509_minimal_context	*xc = &t->xc;
	size_t			 i;

	memset(t, 0, offsetof(struct tls_conn, iobuf));
	br_ssl_client_zero(&t->cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof(suites) / sizeof(suites[0]));

	/* Certificate chain checks; DNs are compared by SHA-256. */
	br_x509_minimal_init(xc, &br_sha256_vtable, a != NULL ? a->ta : NULL,
	    a != NULL ? a->n : 0);
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		br_x509_minimal_set_hash(xc, hashes[i].id, hashes[i].impl);
		br_ssl_engine_set_hash(eng, hashes[i].id, hashes[i].impl);
	}
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());

	/* The names a certificate is for, to say so when it is wrong. */
	t->xw.names[0].oid = san_dns;
	t->xw.names[0].buf = t->xw.dns;
	t->xw.names[0].len = sizeof(t->xw.dns);
	t->xw.names[1].oid = at_cn;
	t->xw.names[1].buf = t->xw.cn;
	t->xw.names[1].len = sizeof(t->xw.cn);
	br_x509_minimal_set_name_elements(xc, t->xw.names, 2);
	t->xw.vtable = &xw_vtable;
	t->xw.inner = xc;
	br_ssl_engine_set_x509(eng, &t->xw.vtable);

	/* Handshake: ECDHE, the server's signature, the TLS 1.2 PRFs. */
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);

	/* Records. */
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);

	br_ssl_engine_set_buffer(eng, t->iobuf, sizeof(t->iobuf), 1);
	t->fd = -1;
}

/* The wait allowed for one socket operation right now. */
static int64_t
wait_ms(const struct tls_conn *t)
{
	int64_t	 left;

	if (t->deadline == 0)
		return t->idle_ms;
	left = t->deadline - time_now_ms();
	return left > 0 ? left : -1;
}

/*
 * BearSSL says "expired" for both ends of the validity window; the
 * server certificate's own dates tell which.  An intermediate that is
 * out of date leaves the server's dates fine: that stays "expired".
 */
static int
expiry(const struct tls_conn *t)
{
	if (t->xw.have_dates && (int64_t)time(NULL) < t->xw.not_before)
		return TLS_ENOTYET;
	return TLS_EEXPIRED;
}

static int
map_engine_error(const struct tls_conn *t)
{
	int	 e = br_ssl_engine_last_error(&t->cc.eng);

	switch (e) {
	case BR_ERR_OK:
		return TLS_ECLOSED;
	case BR_ERR_X509_NOT_TRUSTED:
		return TLS_EUNTRUSTED;
	case BR_ERR_X509_BAD_SERVER_NAME:
		return TLS_EHOSTNAME;
	case BR_ERR_X509_EXPIRED:
		return expiry(t);
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
	case BR_ERR_RECV_FATAL_ALERT + BR_ALERT_PROTOCOL_VERSION:
		return TLS_EVERSION;
	case BR_ERR_IO:
		if (t->net_err != 0)
			return t->net_err;
		return t->eof ? TLS_ECLOSED : NET_EIO;
	}
	if (e >= BR_ERR_X509_OK && e < BR_ERR_X509_OK + 32)
		return TLS_ECERT;
	return t->established ? TLS_EPROTO : TLS_EHANDSHAKE;
}

/*
 * Runs the engine until its state has one of the bits in want, moving
 * records to and from the socket.  Pending records always go out first,
 * so a request is on the wire before we wait for the answer.  Returns 0,
 * 1 when the peer closed cleanly, or a negative error.
 */
static int
pump(struct tls_conn *t, unsigned want)
{
	br_ssl_engine_context	*eng = &t->cc.eng;
	unsigned char		*p;
	unsigned		 st;
	size_t			 len;
	int64_t			 ms;
	int			 r;

	if (t->fd < 0)
		return TLS_ECLOSED;
	for (;;) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			if (br_ssl_engine_last_error(eng) == BR_ERR_OK &&
			    t->established && !t->eof)
				return 1;
			return map_engine_error(t);
		}
		if ((ms = wait_ms(t)) < 0) {
			t->net_err = NET_ETIMEOUT;
			return NET_ETIMEOUT;
		}
		if (st & BR_SSL_SENDREC) {
			p = br_ssl_engine_sendrec_buf(eng, &len);
			if ((r = net_write(t->fd, p, len, ms, t->watch)) != 0) {
				t->net_err = r;
				return r;
			}
			br_ssl_engine_sendrec_ack(eng, len);
			continue;
		}
		if (st & want)
			return 0;
		if (st & BR_SSL_RECVREC) {
			p = br_ssl_engine_recvrec_buf(eng, &len);
			r = net_read(t->fd, p, len, ms, t->watch);
			if (r < 0) {
				t->net_err = r;
				return r;
			}
			if (r == 0) {
				/* EOF without close_notify may be a truncation. */
				t->eof = 1;
				return TLS_ECLOSED;
			}
			br_ssl_engine_recvrec_ack(eng, (size_t)r);
			continue;
		}
		/*
		 * Reading while application data waits to go out: with one
		 * shared buffer, that data must leave to make room.
		 */
		br_ssl_engine_flush(eng, 0);
	}
}

static const char *
alert_name(int a)
{
	switch (a) {
	case BR_ALERT_HANDSHAKE_FAILURE:
		return "handshake_failure: no common cipher suite or curve";
	case BR_ALERT_BAD_CERTIFICATE:
		return "bad_certificate";
	case BR_ALERT_UNKNOWN_CA:
		return "unknown_ca";
	case BR_ALERT_ACCESS_DENIED:
		return "access_denied";
	case BR_ALERT_PROTOCOL_VERSION:
		return "protocol_version";
	case BR_ALERT_INTERNAL_ERROR:
		return "internal_error";
	case 112:	/* unrecognized_name, RFC 6066 */
		return "unrecognized_name: the server knows no such host";
	default:
		return "see RFC 5246";
	}
}

/*
 * Keeps a sentence about failure r of a handshake to host.  The name in
 * the certificate is the server's text: only printable ASCII of it is
 * repeated, the rest becomes '?'.
 */
static void
remember(struct tls_conn *t, int r, const char *host)
{
	const char			*name;
	char				 when[21], safe[128];
	size_t				 i;
	int				 e;

	t->err = r;
	name = t->xw.names[0].status == 1 ? t->xw.dns :
	    t->xw.names[1].status == 1 ? t->xw.cn : NULL;
	if (name != NULL) {
		for (i = 0; i < sizeof(safe) - 1 && name[i] != '\0'; i++)
			safe[i] = name[i] > 0x20 && name[i] < 0x7f ?
			    name[i] : '?';
		safe[i] = '\0';
		name = safe;
	}
	e = br_ssl_engine_last_error(&t->cc.eng);
	switch (r) {
	case TLS_EUNTRUSTED:
		snprintf(t->reason, sizeof(t->reason), "certificate signed by "
		    "an unknown authority (no trusted CA issued the "
		    "certificate of %s)", host);
		break;
	case TLS_EHOSTNAME:
		if (name != NULL)
			snprintf(t->reason, sizeof(t->reason), "certificate "
			    "is for host %s, not %s", name, host);
		else
			snprintf(t->reason, sizeof(t->reason), "certificate "
			    "does not match host name %s", host);
		break;
	case TLS_EEXPIRED:
		if (t->xw.have_dates && (int64_t)time(NULL) > t->xw.not_after) {
			time_iso8601(when, (time_t)t->xw.not_after);
			snprintf(t->reason, sizeof(t->reason), "certificate "
			    "of %s expired at %s", host, when);
		} else
			snprintf(t->reason, sizeof(t->reason), "a certificate "
			    "in the chain of %s expired or is not yet valid",
			    host);
		break;
	case TLS_ENOTYET:
		time_iso8601(when, (time_t)t->xw.not_before);
		snprintf(t->reason, sizeof(t->reason), "certificate of %s is "
		    "not yet valid: not before %s (check the clock)", host,
		    when);
		break;
	case TLS_EHANDSHAKE:
		if (e >= BR_ERR_RECV_FATAL_ALERT &&
		    e < BR_ERR_RECV_FATAL_ALERT + 256)
			snprintf(t->reason, sizeof(t->reason), "TLS handshake "
			    "failed: %s sent alert %d (%s)", host,
			    e - BR_ERR_RECV_FATAL_ALERT,
			    alert_name(e - BR_ERR_RECV_FATAL_ALERT));
		else
			snprintf(t->reason, sizeof(t->reason), "TLS handshake "
			    "with %s failed (BearSSL error %d)", host, e);
		break;
	case TLS_ECERT:
		snprintf(t->reason, sizeof(t->reason), "certificate of %s "
		    "malformed or unusable (BearSSL X.509 error %d)", host, e);
		break;
	default:
		snprintf(t->reason, sizeof(t->reason), "%s", tls_strerror(r));
		break;
	}
}

/* see tls.h */
const char *
tls_describe(const struct tls_conn *t, int e)
{
	return e != 0 && e == t->err ? t->reason : tls_strerror(e);
}

/* see tls.h */
int
tls_connect(struct tls_conn *t, int fd, const char *host, int64_t timeout_ms,
    const struct net_watch *w)
{
	int	 resume, r;

	t->err = 0;	/* no stale sentence for an early failure */
	tls_close(t);
	if (host == NULL || strlen(host) >= sizeof(t->session_host)) {
		net_close(fd);
		return TLS_EHANDSHAKE;
	}
	t->fd = fd;
	t->net_err = 0;
	t->eof = 0;
	t->established = 0;
	t->deadline = timeout_ms > 0 ? time_now_ms() + timeout_ms : 0;
	t->idle_ms = 0;
	t->watch = w;
	resume = t->have_session && strcmp(t->session_host, host) == 0;
	if (resume)
		br_ssl_engine_set_session_parameters(&t->cc.eng, &t->session);
	if (!br_ssl_client_reset(&t->cc, host, resume)) {
		tls_close(t);
		return TLS_EHANDSHAKE;
	}
	r = pump(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
	t->deadline = 0;
	if (r != 0) {
		if (r == 1)
			r = TLS_ECLOSED;
		remember(t, r, host);
		tls_close(t);
		return r;
	}
	t->established = 1;
	br_ssl_engine_get_session_parameters(&t->cc.eng, &t->session);
	t->have_session = 1;
	memcpy(t->session_host, host, strlen(host) + 1);
	return 0;
}

/* see tls.h */
int
tls_read(struct tls_conn *t, void *p, size_t n, int64_t timeout_ms,
    const struct net_watch *w)
{
	unsigned char	*q;
	size_t		 len;
	int		 r;

	t->idle_ms = timeout_ms;
	t->watch = w;
	if ((r = pump(t, BR_SSL_RECVAPP)) != 0)
		return r == 1 ? 0 : r;
	q = br_ssl_engine_recvapp_buf(&t->cc.eng, &len);
	if (len > n)
		len = n;
	if (len > INT32_MAX)
		len = INT32_MAX;
	memcpy(p, q, len);
	br_ssl_engine_recvapp_ack(&t->cc.eng, len);
	return (int)len;
}

/* see tls.h */
int
tls_write(struct tls_conn *t, const void *p, size_t n, int64_t timeout_ms,
    const struct net_watch *w)
{
	const unsigned char	*s = p;
	unsigned char		*q;
	size_t			 len;
	int			 r;

	t->idle_ms = timeout_ms;
	t->watch = w;
	while (n > 0) {
		if ((r = pump(t, BR_SSL_SENDAPP)) != 0)
			return r == 1 ? TLS_ECLOSED : r;
		q = br_ssl_engine_sendapp_buf(&t->cc.eng, &len);
		if (len > n)
			len = n;
		memcpy(q, s, len);
		br_ssl_engine_sendapp_ack(&t->cc.eng, len);
		s += len;
		n -= len;
	}
	return 0;
}

/* see tls.h */
int
tls_flush(struct tls_conn *t, int64_t timeout_ms, const struct net_watch *w)
{
	int	 r;

	t->idle_ms = timeout_ms;
	t->watch = w;
	if (t->fd < 0)
		return TLS_ECLOSED;
	br_ssl_engine_flush(&t->cc.eng, 0);
	if ((r = pump(t, BR_SSL_SENDAPP)) != 0)
		return r == 1 ? TLS_ECLOSED : r;
	return 0;
}

/* see tls.h */
int
tls_fd(const struct tls_conn *t)
{
	return t->fd;
}

/* see tls.h */
void
tls_close(struct tls_conn *t)
{
	net_close(t->fd);
	t->fd = -1;
}

/* see tls.h */
const char *
tls_strerror(int e)
{
	switch (e) {
	case TLS_ENOBUNDLE:
		return "no such file or directory, or not readable";
	case TLS_EBUNDLE:
		return "no usable PEM certificate in it (or too large: at most "
		    "4 MiB a file, 1024 certificates)";
	case TLS_ENOSYSTEM:
		return "no CA bundle found in the usual places "
		    "(/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/"
		    "ca-bundle.crt, /etc/ssl/cert.pem...) and none built in; "
		    "set AWS_CA_BUNDLE, SSL_CERT_FILE or SSL_CERT_DIR";
	case TLS_EISDIR:
		return "a directory, not a PEM file (SSL_CERT_DIR takes "
		    "directories)";
	case TLS_EDIRLIMIT:
		return "too many files (at most 2048 certificate files in "
		    "each of at most 8 directories)";
	case TLS_ENOMEM:
		return "out of memory";
	case TLS_EUNTRUSTED:
		return "certificate signed by an unknown authority";
	case TLS_EHOSTNAME:
		return "certificate does not match the host name";
	case TLS_EEXPIRED:
		return "certificate expired";
	case TLS_ENOTYET:
		return "certificate not yet valid";
	case TLS_ECERT:
		return "server certificate malformed or unusable";
	case TLS_EVERSION:
		return "no common TLS version (BearSSL speaks TLS 1.2; "
		    "the server may require TLS 1.3)";
	case TLS_EHANDSHAKE:
		return "TLS handshake failed";
	case TLS_ECLOSED:
		return "connection closed without TLS close_notify";
	case TLS_EPROTO:
		return "TLS protocol error";
	default:
		return net_strerror(e);
	}
}
