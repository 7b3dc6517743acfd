/*
 * tls.c - BearSSL TLS client over net.h sockets; trust anchors from a PEM
 * bundle.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearssl.h"
#include "limits.h"
#include "net.h"
#include "tls.h"
#include "util.h"

struct tls_anchors {
	br_x509_trust_anchor	*ta;
	size_t			 n;
	char			*path;
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

/*
 * One DER certificate becomes one anchor: its subject DN and public key,
 * copied to the heap since the decoder's copies die with it.  Returns 0,
 * 1 for a certificate BearSSL cannot use (skipped), or TLS_ENOMEM.
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
	ta = &a->ta[a->n];
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
	a->n++;
	return 0;
}

/* The whole file into b, at most TLS_MAX_BUNDLE_BYTES. */
static int
read_file(const char *path, struct buf *b)
{
	FILE	*f;
	char	 tmp[4096];
	size_t	 n;
	int	 r = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return TLS_ENOBUNDLE;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if ((r = buf_add(b, tmp, n)) != 0) {
			r = r == UTIL_ELIMIT ? TLS_EBUNDLE : TLS_ENOMEM;
			break;
		}
	}
	if (r == 0 && ferror(f))
		r = TLS_ENOBUNDLE;
	fclose(f);
	return r;
}

static int
decode_bundle(struct tls_anchors *a, const struct buf *pem)
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
			if (der.err)
				r = TLS_ENOMEM;
			else if (a->n == TLS_MAX_ANCHORS)
				r = TLS_EBUNDLE;
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
	if (r == 0 && a->n == 0)
		r = TLS_EBUNDLE;
	return r;
}

/* see tls.h */
int
tls_anchors_load(struct tls_anchors **out, const char *path)
{
	static const char	*const system[] = TLS_SYSTEM_BUNDLES;
	struct tls_anchors	*a;
	struct buf		 pem;
	size_t			 i;
	int			 r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return TLS_ENOMEM;
	if ((a->ta = calloc(TLS_MAX_ANCHORS, sizeof(*a->ta))) == NULL) {
		free(a);
		return TLS_ENOMEM;
	}
	buf_init(&pem, TLS_MAX_BUNDLE_BYTES);
	r = TLS_ENOBUNDLE;
	if (path != NULL && path[0] != '\0')
		r = read_file(path, &pem);
	else {
		for (i = 0; system[i] != NULL && r == TLS_ENOBUNDLE; i++) {
			buf_reset(&pem);
			if ((r = read_file(system[i], &pem)) == 0)
				path = system[i];
		}
	}
	if (r == 0 && (a->path = dup_bytes(path, strlen(path) + 1)) == NULL)
		r = TLS_ENOMEM;
	if (r == 0)
		r = decode_bundle(a, &pem);
	buf_free(&pem);
	if (r != 0) {
		tls_anchors_free(a);
		return r;
	}
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
	for (i = 0; i < a->n; i++)
		anchor_free(&a->ta[i]);
	free(a->ta);
	free(a->path);
	free(a);
}

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
	br_ssl_engine_set_x509(eng, &xc->vtable);

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
		return TLS_EEXPIRED;
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

/* see tls.h */
int
tls_connect(struct tls_conn *t, int fd, const char *host, int64_t timeout_ms,
    const struct net_watch *w)
{
	int	 resume, r;

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
		return "no readable CA bundle (set AWS_CA_BUNDLE or SSL_CERT_FILE)";
	case TLS_EBUNDLE:
		return "CA bundle too large, malformed or without certificates";
	case TLS_ENOMEM:
		return "out of memory";
	case TLS_EUNTRUSTED:
		return "server certificate not issued by a trusted CA";
	case TLS_EHOSTNAME:
		return "server certificate does not match the host name";
	case TLS_EEXPIRED:
		return "server certificate expired or not yet valid";
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
