/*
 * test_creds.c - the credential chain against fake endpoints started
 * here: an IMDSv2, a container endpoint and an STS on 127.0.0.1 (forked,
 * ephemeral ports, stopped by PID), profile files and credential_process
 * scripts in a temporary HOME, and an injected clock for expiry and
 * refresh.  Every error text is checked for the secrets in play.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "loopback.h"
#include "profile.h"
#include "sigv4.h"
#include "unit.h"
#include "url.h"
#include "util.h"

#define SOURCE_AK	"AKIDSOURCE"
#define SOURCE_SK	"sourceSecretKey0123456789"
#define ENV_SK		"envSecretKey0123456789"
#define CONN_SK		"connSecretKey0123456789"
#define WI_TOKEN	"eyJwebIdentityToken"
#define CT_TOKEN	"containerAuthToken42"

/* 2030-01-01T00:00:00Z, the injected "now". */
#define T0_MS		(1893456000LL * 1000)
#define EXPIRATION	"2030-01-01T00:10:00Z"
#define MIN_MS		(60LL * 1000)

static char	 dir[64];
static char	 logpath[128];

/* --- environment ----------------------------------------------------- */

struct kv {
	const char	*name;
	char		 value[512];
};
static struct kv	 envtab[32];
static size_t		 nenv;

static const char *
env_get(const char *name, void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < nenv; i++)
		if (strcmp(envtab[i].name, name) == 0)
			return envtab[i].value;
	return NULL;
}

static void
env_clear(void)
{
	nenv = 0;
	/* Every test starts with a HOME of its own and IMDS off. */
	envtab[nenv].name = "HOME";
	snprintf(envtab[nenv++].value, sizeof(envtab[0].value), "%s", dir);
	envtab[nenv].name = "AWS_EC2_METADATA_DISABLED";
	snprintf(envtab[nenv++].value, sizeof(envtab[0].value), "true");
}

static void
env_set(const char *name, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	for (i = 0; i < nenv; i++)
		if (strcmp(envtab[i].name, name) == 0)
			break;
	if (i == nenv) {
		if (nenv == sizeof(envtab) / sizeof(envtab[0]))
			return;
		nenv++;
	}
	envtab[i].name = name;
	va_start(ap, fmt);
	vsnprintf(envtab[i].value, sizeof(envtab[i].value), fmt, ap);
	va_end(ap);
}

static void
env_unset(const char *name)
{
	size_t	i;

	for (i = 0; i < nenv; i++)
		if (strcmp(envtab[i].name, name) == 0) {
			envtab[i] = envtab[--nenv];
			return;
		}
}

static void
write_file(const char *name, const char *text, int mode)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, (mode_t)mode);
}

static void
remove_file(const char *name)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* --- the log the fake servers append to ------------------------------- */

static void
log_line(const char *fmt, ...)
{
	char	line[512];
	va_list	ap;
	int	fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if ((fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600)) >= 0) {
		(void)write(fd, line, (size_t)n);
		close(fd);
	}
}

/* How many lines of the log hold s. */
static int
log_count(const char *s)
{
	char	line[512];
	FILE	*f;
	int	n = 0;

	if ((f = fopen(logpath, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

/* --- fake servers -------------------------------------------------------- */

static void
respond(int fd, int status, const char *body)
{
	char	head[256];
	int	n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: "
	    "%zu\r\n\r\n", status, strlen(body));
	(void)write(fd, head, (size_t)n);
	(void)write(fd, body, strlen(body));
}

static int	served;		/* requests answered, in the server process */

static void
cred_json(char *out, size_t cap, const char *prefix, const char *tokname)
{
	snprintf(out, cap, "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\","
	    "\"AccessKeyId\":\"ASIA%s%d\",\"SecretAccessKey\":\"%sSecret%d\","
	    "\"%s\":\"%sToken%d\",\"Expiration\":\"%s\"}", prefix, served,
	    prefix, served, tokname, prefix, served, EXPIRATION);
}

static void
imds(int fd, const struct lb_req *r)
{
	const char	*tok = lb_header(r, "X-aws-ec2-metadata-token");
	char		 body[1024];

	if (strcmp(r->method, "PUT") == 0 &&
	    strcmp(r->target, "/latest/api/token") == 0) {
		if (lb_header(r, "X-aws-ec2-metadata-token-ttl-seconds") == NULL)
			respond(fd, 400, "");
		else
			respond(fd, 200, "IMDSTOKEN");
		return;
	}
	if (tok == NULL || strcmp(tok, "IMDSTOKEN") != 0) {
		log_line("imds unauthorized %s", r->target);
		respond(fd, 401, "");
		return;
	}
	if (strcmp(r->target, "/latest/meta-data/iam/security-credentials/") ==
	    0)
		respond(fd, 200, "test-role\n");
	else if (strcmp(r->target,
	    "/latest/meta-data/iam/security-credentials/test-role") == 0) {
		served++;
		log_line("imds creds %d", served);
		cred_json(body, sizeof(body), "IMDS", "Token");
		respond(fd, 200, body);
	} else
		respond(fd, 404, "");
}

static const char	*container_token = CT_TOKEN;

static void
container(int fd, const struct lb_req *r)
{
	const char	*auth = lb_header(r, "Authorization");
	char		 body[1024];

	if (auth == NULL || strcmp(auth, container_token) != 0) {
		log_line("container denied");
		respond(fd, 403, "{\"message\":\"bad token\"}");
		return;
	}
	served++;
	log_line("container creds %d %s", served, r->target);
	cred_json(body, sizeof(body), "CT", "Token");
	respond(fd, 200, body);
}

/* The value of name in a form body, decoded, into out. */
static int
form_value(const struct lb_req *r, const char *name, char *out, size_t cap)
{
	struct buf	 b;
	const char	*p = r->body, *end = r->body + r->nbody, *amp, *eq;
	size_t		 nl = strlen(name);

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL && (size_t)(eq - p) == nl &&
		    memcmp(p, name, nl) == 0) {
			buf_init(&b, 0);
			if (url_decode(&b, eq + 1, (size_t)(amp - eq - 1), 0) !=
			    0 || b.n >= cap) {
				buf_free(&b);
				return 0;
			}
			memcpy(out, b.p != NULL ? b.p : "", b.n);
			out[b.n] = '\0';
			buf_free(&b);
			return 1;
		}
		p = amp + 1;
	}
	return 0;
}

/* The secret of an access key the fake STS knows. */
static int
secret_of(const char *ak, char *sk, size_t cap)
{
	if (strcmp(ak, SOURCE_AK) == 0)
		snprintf(sk, cap, "%s", SOURCE_SK);
	else if (strncmp(ak, "ASIASTS", 7) == 0)
		snprintf(sk, cap, "STSSecret%s", ak + 7);
	else
		return 0;
	return 1;
}

/* Checks the SigV4 Authorization of r with our own signer. */
static int
verify_sigv4(const struct lb_req *r, char *ak, size_t akcap)
{
	struct sigv4_creds	 sc;
	struct sigv4_request	 sr;
	struct slice_pair	 sh;
	struct buf		 auth;
	const char		*a = lb_header(r, "Authorization");
	const char		*date = lb_header(r, "X-Amz-Date");
	const char		*p;
	char			 sk[128], iso[32], hash[65], amz[17];
	unsigned char		 h[32];
	br_sha256_context	 ctx;
	time_t			 when;
	size_t			 n;
	int			 ok;

	if (a == NULL || date == NULL || strlen(date) != 16 ||
	    strncmp(a, "AWS4-HMAC-SHA256 Credential=", 28) != 0)
		return 0;
	p = a + 28;
	n = strcspn(p, "/");
	if (n >= akcap)
		return 0;
	memcpy(ak, p, n);
	ak[n] = '\0';
	/* The scope must be DATE/us-west-2/sts/aws4_request. */
	if (strncmp(p + n + 1, date, 8) != 0 ||
	    strncmp(p + n + 9, "/us-west-2/sts/aws4_request,", 28) != 0)
		return 0;
	if (!secret_of(ak, sk, sizeof(sk)))
		return 0;
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", date,
	    date + 4, date + 6, date + 9, date + 11, date + 13);
	if (time_parse(iso, strlen(iso), &when) != 0)
		return 0;
	br_sha256_init(&ctx);
	br_sha256_update(&ctx, r->body, r->nbody);
	br_sha256_out(&ctx, h);
	hex_encode(hash, h, sizeof(h));
	sc.access_key = ak;
	sc.secret = sk;
	sc.token = lb_header(r, "X-Amz-Security-Token");
	sh.name = SLICE_LIT("content-type");
	sh.value = slice_cstr(lb_header(r, "Content-Type"));
	memset(&sr, 0, sizeof(sr));
	sr.method = r->method;
	sr.host = slice_cstr(lb_header(r, "Host"));
	sr.uri = slice_cstr(r->target);
	sr.query = SLICE_LIT("");
	sr.headers = &sh;
	sr.nheaders = 1;
	sr.payload_hash = hash;
	sr.region = "us-west-2";
	sr.service = "sts";
	sr.when = when;
	sr.flags = SIGV4_F_NO_CONTENT_SHA256;
	buf_init(&auth, 0);
	ok = sigv4_sign(NULL, &sc, &sr, &auth, amz) == 0 &&
	    strcmp(amz, date) == 0 && strcmp(auth.p, a) == 0;
	buf_free(&auth);
	return ok;
}

static void
sts_creds(int fd, const char *action)
{
	char	body[2048];

	served++;
	snprintf(body, sizeof(body), "<%sResponse xmlns=\"https://sts."
	    "amazonaws.com/doc/2011-06-15/\"><%sResult><Credentials>"
	    "<AccessKeyId>ASIASTS%d</AccessKeyId>"
	    "<SecretAccessKey>STSSecret%d</SecretAccessKey>"
	    "<SessionToken>STSToken%d</SessionToken>"
	    "<Expiration>%s</Expiration></Credentials>"
	    "<AssumedRoleUser><Arn>x</Arn></AssumedRoleUser></%sResult>"
	    "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
	    "</%sResponse>", action, action, served, served, served,
	    EXPIRATION, action, action);
	respond(fd, 200, body);
}

static void
sts_error(int fd, const char *code, const char *message)
{
	char	body[1024];

	snprintf(body, sizeof(body), "<ErrorResponse><Error><Type>Sender"
	    "</Type><Code>%s</Code><Message>%s</Message></Error>"
	    "<RequestId>1</RequestId></ErrorResponse>", code, message);
	respond(fd, 403, body);
}

static void
sts(int fd, const struct lb_req *r)
{
	char	action[64], role[256], token[256], session[128], ak[64];

	if (strcmp(r->method, "POST") != 0 ||
	    !form_value(r, "Action", action, sizeof(action)) ||
	    !form_value(r, "RoleArn", role, sizeof(role)) ||
	    !form_value(r, "RoleSessionName", session, sizeof(session))) {
		respond(fd, 400, "");
		return;
	}
	if (strcmp(action, "AssumeRoleWithWebIdentity") == 0) {
		if (lb_header(r, "Authorization") != NULL ||
		    !form_value(r, "WebIdentityToken", token, sizeof(token)) ||
		    strcmp(token, WI_TOKEN) != 0) {
			sts_error(fd, "InvalidIdentityToken", "bad token");
			return;
		}
		log_line("sts web-identity %s %s", role, session);
		sts_creds(fd, action);
		return;
	}
	if (strcmp(action, "AssumeRole") != 0) {
		respond(fd, 400, "");
		return;
	}
	if (!verify_sigv4(r, ak, sizeof(ak))) {
		log_line("sts bad signature");
		sts_error(fd, "SignatureDoesNotMatch", "no");
		return;
	}
	if (strstr(role, "deny") != NULL) {
		sts_error(fd, "AccessDenied", "User is not authorized to "
		    "perform sts:AssumeRole");
		return;
	}
	if (strstr(role, "echo") != NULL) {
		/* A server that echoes the secret must not reach the user. */
		sts_error(fd, "AccessDenied", SOURCE_SK);
		return;
	}
	log_line("sts assume-role %s by %s", role, ak);
	sts_creds(fd, action);
}

/* The handler of one fake endpoint, for its server process. */
struct endpoint {
	void	(*handler)(int, const struct lb_req *);
};

static void
serve_conn(int c, unsigned conn, void *arg)
{
	static struct lb_req	 r;
	const struct endpoint	*e = arg;

	(void)conn;
	while (lb_read_request(c, &r))
		e->handler(c, &r);
	lb_req_free(&r);
}

static struct lb
server_start(void (*handler)(int, const struct lb_req *))
{
	struct endpoint	 e;
	struct lb	 s;

	/* The server process runs inside lb_start: e stays alive there. */
	e.handler = handler;
	memset(&s, 0, sizeof(s));
	(void)lb_start(&s, serve_conn, &e);
	return s;
}

/* --- helpers ------------------------------------------------------------ */

static const char *const secrets[] = {
	SOURCE_SK, ENV_SK, CONN_SK, WI_TOKEN, CT_TOKEN, "procSecret",
	"procToken", "IMDSSecret", "CTSecret", "STSSecret", "IMDSTOKEN", NULL
};

static int
no_secret(const char *msg)
{
	size_t	i;

	for (i = 0; secrets[i] != NULL; i++)
		if (strstr(msg, secrets[i]) != NULL)
			return 0;
	return 1;
}

/* The chain of the last get_once() without keep: cr points into it. */
static struct creds_chain	*last;

/*
 * Builds a chain from the current environment and gets credentials once.
 * Returns the creds_get result (or the build's), keeping the chain in
 * *keep when keep is not NULL (else until the next call).
 */
static int
get_once(const struct creds_options *o, struct creds *cr,
    struct creds_error *err, struct creds_chain **keep, int64_t now)
{
	struct creds_chain	*ch;
	int			 rc;

	creds_chain_free(last);
	last = NULL;
	memset(err, 0, sizeof(*err));
	if ((rc = creds_chain_new(&ch, env_get, NULL, o, err)) != 0) {
		CHECKF(no_secret(err->message), err->message);
		return rc;
	}
	rc = creds_get(ch, cr, now, err);
	if (rc != 0)
		CHECKF(no_secret(err->message), err->message);
	if (keep != NULL)
		*keep = ch;
	else
		last = ch;
	return rc;
}

/* --- tests -------------------------------------------------------------- */

static void
test_static(void)
{
	struct creds_options	 o;
	struct creds_chain	*ch;
	struct creds_error	 err;
	struct creds		 cr;

	env_clear();
	memset(&o, 0, sizeof(o));
	o.access_key = "AKIDCONN";
	o.secret_key = CONN_SK;
	o.session_token = "conntok";
	env_set("AWS_ACCESS_KEY_ID", "AKIDENV");
	env_set("AWS_SECRET_ACCESS_KEY", ENV_SK);
	/* The connection's keys come first. */
	CHECK(get_once(&o, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDCONN") == 0);
	CHECK(strcmp(cr.secret_key, CONN_SK) == 0);
	CHECK(strcmp(cr.session_token, "conntok") == 0);
	CHECK(strcmp(cr.source, "static") == 0);
	CHECK(cr.expires_ms == 0);
	CHECK(strcmp(creds_source(ch), "static") == 0);
	/* Static keys never expire: the same ones years later. */
	CHECK(creds_get(ch, &cr, T0_MS + 1000 * MIN_MS * 60, &err) == 0);
	CHECK(cr.generation == 1);
	creds_chain_free(ch);

	/* Then the environment's. */
	env_set("AWS_SESSION_TOKEN", "envtok");
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDENV") == 0);
	CHECK(strcmp(cr.session_token, "envtok") == 0);
	creds_chain_free(ch);

	/* Half a pair fails at build, naming the variable. */
	env_unset("AWS_SECRET_ACCESS_KEY");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "AWS_ACCESS_KEY_ID is set without "
	    "AWS_SECRET_ACCESS_KEY") != NULL);
	o.secret_key = NULL;
	env_clear();
	CHECK(get_once(&o, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);

	/* Unresolved templates count as unset. */
	env_set("AWS_ACCESS_KEY_ID", "${user_config.key}");
	env_set("AWS_SECRET_ACCESS_KEY", "${user_config.secret}");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_ENONE);

	/* A bad switch fails closed. */
	env_clear();
	env_set("AWS_EC2_METADATA_DISABLED", "yes");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "AWS_EC2_METADATA_DISABLED") != NULL);
	env_clear();
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/x");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "AWS_ROLE_ARN") != NULL);
}

static void
test_nothing(void)
{
	struct creds_error	 err;
	struct creds		 cr;
	char			 want[512];

	env_clear();
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_ENONE);
	snprintf(want, sizeof(want), "no credentials: environment "
	    "(AWS_ACCESS_KEY_ID unset), profile default (no %s/.aws/"
	    "credentials or %s/.aws/config), web identity "
	    "(AWS_WEB_IDENTITY_TOKEN_FILE unset), container "
	    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI unset), "
	    "IMDS (disabled by AWS_EC2_METADATA_DISABLED)", dir, dir);
	CHECKF(strcmp(err.message, want) == 0, err.message);
	CHECK(cr.access_key == NULL);
	CHECK(strcmp(creds_strerror(CREDS_ENONE), "no credentials") == 0);

	/* The default profile exists but holds only a region. */
	write_file(".aws/config", "[default]\nregion = eu-north-1\n", 0600);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_ENONE);
	CHECK(strstr(err.message, "profile default (no credentials in it)") !=
	    NULL);
	remove_file(".aws/config");
}

static void
test_profiles(void)
{
	struct creds_options	 o;
	struct creds_chain	*ch;
	struct creds_error	 err;
	struct creds		 cr;

	env_clear();
	write_file(".aws/credentials", "# keys\n[default]\n"
	    "aws_access_key_id = AKIDDEFAULT\n"
	    "aws_secret_access_key = " SOURCE_SK "\n\n"
	    "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=devSk\n"
	    "aws_session_token = devTok\n", 0600);
	write_file(".aws/config", "[default]\nregion = eu-north-1\n"
	    "aws_access_key_id = AKIDCONFIG\n"
	    "[profile dev]\nregion = ap-south-1\ns3 =\n"
	    "  addressing_style = path\n"
	    "[profile half]\naws_access_key_id = X\n", 0600);
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDDEFAULT") == 0);
	CHECK(strcmp(cr.source, "profile:default") == 0);
	CHECK(cr.session_token == NULL);
	CHECK(creds_profile_region(ch) != NULL &&
	    strcmp(creds_profile_region(ch), "eu-north-1") == 0);
	creds_chain_free(ch);

	env_set("AWS_PROFILE", "dev");
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDDEV") == 0);
	CHECK(strcmp(cr.session_token, "devTok") == 0);
	CHECK(strcmp(cr.source, "profile:dev") == 0);
	CHECK(strcmp(creds_profile_region(ch), "ap-south-1") == 0);
	creds_chain_free(ch);

	/* Environment keys come before AWS_PROFILE ... */
	env_set("AWS_ACCESS_KEY_ID", "AKIDENV");
	env_set("AWS_SECRET_ACCESS_KEY", ENV_SK);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDENV") == 0);
	/* ... but after a profile the connection names. */
	memset(&o, 0, sizeof(o));
	o.profile = "dev";
	CHECK(get_once(&o, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDDEV") == 0);
	env_unset("AWS_ACCESS_KEY_ID");
	env_unset("AWS_SECRET_ACCESS_KEY");

	/* A named profile that is missing or half is an error. */
	env_set("AWS_PROFILE", "nope");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "profile nope: not found") != NULL);
	env_set("AWS_PROFILE", "half");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "must both be set") != NULL);

	/* Files named by the variables, with ~/ expanded. */
	env_unset("AWS_PROFILE");
	write_file("other-creds", "[default]\naws_access_key_id=AKIDOTHER\n"
	    "aws_secret_access_key=o\n", 0600);
	env_set("AWS_SHARED_CREDENTIALS_FILE", "~/other-creds");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDOTHER") == 0);
	env_unset("AWS_SHARED_CREDENTIALS_FILE");

	/* A broken file stops the start, with its line. */
	write_file(".aws/config", "[default]\nregion\n", 0600);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "config line 2") != NULL);
	remove_file(".aws/config");
	remove_file(".aws/credentials");
}

static void
test_process(void)
{
	struct creds_chain	*ch;
	struct creds_error	 err;
	struct creds		 cr;
	char			 cfg[1024];

	env_clear();
	write_file("proc.sh", "#!/bin/sh\ncat <<EOF\n{\"Version\": 1, "
	    "\"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
	    "\"procSecret\", \"SessionToken\": \"procToken\", "
	    "\"Expiration\": \"" EXPIRATION "\"}\nEOF\n", 0700);
	write_file("fail.sh", "#!/bin/sh\necho '{\"SecretAccessKey\":"
	    "\"procSecret\"}'\necho 'token expired, run login' >&2\n"
	    "echo 'second line' >&2\nexit 3\n", 0700);
	write_file("v2.sh", "#!/bin/sh\necho '{\"Version\": 2, "
	    "\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"procSecret\"}'\n",
	    0700);
	write_file("static.sh", "#!/bin/sh\necho '{\"Version\": 1, "
	    "\"AccessKeyId\": \"AKIDPROC2\", \"SecretAccessKey\": "
	    "\"procSecret\"}'\n", 0700);
	write_file("big.sh", "#!/bin/sh\nhead -c 70000 /dev/zero | tr '\\0' "
	    "a\n", 0700);
	snprintf(cfg, sizeof(cfg), "[default]\ncredential_process = %s/"
	    "proc.sh\n[profile fail]\ncredential_process = %s/fail.sh\n"
	    "[profile v2]\ncredential_process = %s/v2.sh\n"
	    "[profile static]\ncredential_process = %s/static.sh --x\n"
	    "[profile big]\ncredential_process = %s/big.sh\n"
	    "[profile missing]\ncredential_process = %s/none.sh\n",
	    dir, dir, dir, dir, dir, dir);
	write_file(".aws/config", cfg, 0600);

	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDPROC") == 0);
	CHECK(strcmp(cr.secret_key, "procSecret") == 0);
	CHECK(strcmp(cr.session_token, "procToken") == 0);
	CHECK(strcmp(cr.source, "process") == 0);
	CHECK(cr.expires_ms == T0_MS + 10 * MIN_MS);
	creds_chain_free(ch);

	env_set("AWS_PROFILE", "fail");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EPROCESS);
	CHECKF(strcmp(err.message, "credential_process exited with status "
	    "3: token expired, run login") == 0, err.message);
	env_set("AWS_PROFILE", "v2");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EPROCESS);
	CHECK(strstr(err.message, "Version is not 1") != NULL);
	env_set("AWS_PROFILE", "static");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDPROC2") == 0 && cr.expires_ms == 0 &&
	    cr.session_token == NULL);
	env_set("AWS_PROFILE", "big");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EPROCESS);
	CHECK(strstr(err.message, "passed 65536 bytes") != NULL);
	env_set("AWS_PROFILE", "missing");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EPROCESS);
	CHECK(strstr(err.message, "status 127") != NULL);
	remove_file(".aws/config");
}

static void
test_assume_role(void)
{
	struct creds_chain	*ch;
	struct creds_error	 err;
	struct creds		 cr;
	struct lb		 s;
	unsigned		 gen;

	env_clear();
	unlink(logpath);
	s = server_start(sts);
	CHECK(s.pid > 0);
	env_set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%u/", s.port);
	env_set("AWS_REGION", "us-west-2");
	write_file(".aws/credentials", "[base]\naws_access_key_id = "
	    SOURCE_AK "\naws_secret_access_key = " SOURCE_SK "\n", 0600);
	write_file(".aws/config",
	    "[profile one]\nrole_arn = arn:aws:iam::1:role/one\n"
	    "source_profile = base\n"
	    "[profile two]\nrole_arn = arn:aws:iam::1:role/two\n"
	    "source_profile = one\nrole_session_name = sess2\n"
	    "[profile deny]\nrole_arn = arn:aws:iam::1:role/deny\n"
	    "source_profile = base\n"
	    "[profile echo]\nrole_arn = arn:aws:iam::1:role/echo\n"
	    "source_profile = base\n"
	    "[profile loopa]\nrole_arn = arn:a\nsource_profile = loopb\n"
	    "[profile loopb]\nrole_arn = arn:b\nsource_profile = loopa\n"
	    "[profile d1]\nrole_arn = arn:1\nsource_profile = d2\n"
	    "[profile d2]\nrole_arn = arn:2\nsource_profile = d3\n"
	    "[profile d3]\nrole_arn = arn:3\nsource_profile = d4\n"
	    "[profile d4]\nrole_arn = arn:4\nsource_profile = d5\n"
	    "[profile d5]\nrole_arn = arn:5\nsource_profile = base\n"
	    "[profile self]\nrole_arn = arn:aws:iam::1:role/self\n"
	    "source_profile = self\naws_access_key_id = " SOURCE_AK "\n"
	    "aws_secret_access_key = " SOURCE_SK "\n"
	    "[profile nosrc]\nrole_arn = arn:x\n"
	    "[profile credsrc]\nrole_arn = arn:x\n"
	    "credential_source = Ec2InstanceMetadata\n", 0600);

	env_set("AWS_PROFILE", "one");
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "ASIASTS1") == 0);
	CHECK(strcmp(cr.secret_key, "STSSecret1") == 0);
	CHECK(strcmp(cr.session_token, "STSToken1") == 0);
	CHECK(strcmp(cr.source, "assume-role:arn:aws:iam::1:role/one") == 0);
	CHECK(cr.expires_ms == T0_MS + 10 * MIN_MS);
	CHECK(log_count("sts assume-role arn:aws:iam::1:role/one by "
	    SOURCE_AK) == 1);
	gen = cr.generation;
	/* Cached four minutes on; refreshed within five of the end. */
	CHECK(creds_get(ch, &cr, T0_MS + 4 * MIN_MS, &err) == 0);
	CHECK(strcmp(cr.access_key, "ASIASTS1") == 0 && cr.generation == gen);
	CHECK(creds_get(ch, &cr, T0_MS + 6 * MIN_MS, &err) == 0);
	CHECK(strcmp(cr.access_key, "ASIASTS2") == 0 && cr.generation != gen);
	CHECK(log_count("sts assume-role") == 2);
	creds_chain_free(ch);

	/* Two hops: the second signed with the first's temporary keys. */
	env_set("AWS_PROFILE", "two");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "assume-role:arn:aws:iam::1:role/two") == 0);
	CHECK(log_count("sts assume-role arn:aws:iam::1:role/two sess2 ") ==
	    0);
	CHECK(log_count("sts assume-role arn:aws:iam::1:role/two by "
	    "ASIASTS3") == 1);
	CHECK(log_count("sts bad signature") == 0);

	env_set("AWS_PROFILE", "self");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "assume-role:arn:aws:iam::1:role/self") == 0);

	env_set("AWS_PROFILE", "deny");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EDENIED);
	CHECKF(strstr(err.message, "STS answered 403 AccessDenied: User is "
	    "not authorized") != NULL, err.message);
	env_set("AWS_PROFILE", "echo");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EDENIED);
	CHECKF(strstr(err.message, "withheld") != NULL, err.message);
	env_set("AWS_PROFILE", "loopa");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "makes a loop") != NULL);
	env_set("AWS_PROFILE", "d1");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "longer than 4") != NULL);
	env_set("AWS_PROFILE", "nosrc");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "needs source_profile") != NULL);
	env_set("AWS_PROFILE", "credsrc");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "credential_source") != NULL);

	/* A wrong signature is refused by the fake STS. */
	write_file(".aws/credentials", "[base]\naws_access_key_id = "
	    SOURCE_AK "\naws_secret_access_key = wrongSecret\n", 0600);
	env_set("AWS_PROFILE", "one");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EDENIED);
	CHECK(strstr(err.message, "SignatureDoesNotMatch") != NULL);
	CHECK(log_count("sts bad signature") == 1);

	/* Web identity, from the environment and from a profile. */
	env_unset("AWS_PROFILE");
	remove_file(".aws/credentials");
	remove_file(".aws/config");
	write_file("wi-token", WI_TOKEN "\n", 0600);
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "%s/wi-token", dir);
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/wi");
	env_set("AWS_ROLE_SESSION_NAME", "podsess");
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.source, "web-identity:arn:aws:iam::1:role/wi") == 0);
	CHECK(strncmp(cr.access_key, "ASIASTS", 7) == 0);
	CHECK(log_count("sts web-identity arn:aws:iam::1:role/wi podsess") ==
	    1);
	/* The token file is read again at each refresh: it rotates. */
	write_file("wi-token", "rotatedBadToken", 0600);
	CHECK(creds_get(ch, &cr, T0_MS + 11 * MIN_MS, &err) == CREDS_EDENIED);
	CHECK(strstr(err.message, "InvalidIdentityToken") != NULL);
	creds_chain_free(ch);
	remove_file("wi-token");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "does not exist") != NULL);
	env_unset("AWS_WEB_IDENTITY_TOKEN_FILE");
	env_unset("AWS_ROLE_ARN");
	write_file("wi-token", WI_TOKEN, 0600);
	{
		char cfg[512];

		snprintf(cfg, sizeof(cfg), "[default]\nrole_arn = arn:aws:iam"
		    "::1:role/pwi\nweb_identity_token_file = %s/wi-token\n",
		    dir);
		write_file(".aws/config", cfg, 0600);
	}
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "web-identity:arn:aws:iam::1:role/pwi") == 0);
	remove_file(".aws/config");
	remove_file("wi-token");

	/* STS down: a network error, not a skip. */
	lb_stop(&s);
	write_file(".aws/credentials", "[base]\naws_access_key_id = "
	    SOURCE_AK "\naws_secret_access_key = " SOURCE_SK "\n", 0600);
	write_file(".aws/config", "[default]\nrole_arn = arn:r\n"
	    "source_profile = base\n", 0600);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_ENETWORK);
	CHECK(strstr(err.message, "assume role arn:r") != NULL);
	remove_file(".aws/config");
	remove_file(".aws/credentials");
}

static void
test_container(void)
{
	struct creds_error	 err;
	struct creds		 cr;
	struct lb		 s;

	env_clear();
	unlink(logpath);
	s = server_start(container);
	CHECK(s.pid > 0);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "http://127.0.0.1:%u/v2/creds?id=1", s.port);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", CT_TOKEN);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "container") == 0);
	CHECK(strcmp(cr.access_key, "ASIACT1") == 0);
	CHECK(strcmp(cr.session_token, "CTToken1") == 0);
	CHECK(cr.expires_ms == T0_MS + 10 * MIN_MS);
	CHECK(log_count("container creds 1 /v2/creds?id=1") == 1);

	/* The token file wins over the variable. */
	write_file("ct-token", CT_TOKEN "\n", 0600);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong");
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "%s/ct-token", dir);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	env_unset("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EDENIED);
	CHECK(strstr(err.message, "status 403") != NULL);
	CHECK(log_count("container denied") == 1);

	/* Only loopback and the ECS/EKS addresses over plain http. */
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/x");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "loopback") != NULL);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/x");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "http://169.254.170.23:99999/x");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	/* https to any host builds, and then needs a CA bundle. */
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example/");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	CHECK(strstr(err.message, "CA bundle") != NULL);
	env_unset("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "no-slash");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
	lb_stop(&s);
	remove_file("ct-token");
}

static void
test_imds(void)
{
	struct creds_chain	*ch;
	struct creds_error	 err;
	struct creds		 cr;
	struct lb		 s;
	uint16_t		 dead;

	env_clear();
	unlink(logpath);
	s = server_start(imds);
	CHECK(s.pid > 0);
	env_unset("AWS_EC2_METADATA_DISABLED");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:%u",
	    s.port);
	CHECK(get_once(NULL, &cr, &err, &ch, T0_MS) == 0);
	CHECK(strcmp(cr.source, "imds") == 0);
	CHECK(strcmp(cr.access_key, "ASIAIMDS1") == 0);
	CHECK(strcmp(cr.secret_key, "IMDSSecret1") == 0);
	CHECK(strcmp(cr.session_token, "IMDSToken1") == 0);
	CHECK(log_count("imds unauthorized") == 0);
	CHECK(creds_get(ch, &cr, T0_MS + 5 * MIN_MS - 1, &err) == 0);
	CHECK(strcmp(cr.access_key, "ASIAIMDS1") == 0);
	CHECK(log_count("imds creds") == 1);
	CHECK(creds_get(ch, &cr, T0_MS + 5 * MIN_MS, &err) == 0);
	CHECK(strcmp(cr.access_key, "ASIAIMDS2") == 0);
	CHECK(log_count("imds creds") == 2);

	/* IMDS gone: valid keys are kept until they expire... */
	lb_stop(&s);
	CHECK(creds_get(ch, &cr, T0_MS + 7 * MIN_MS, &err) == 0);
	CHECK(strcmp(cr.access_key, "ASIAIMDS2") == 0);
	/* ...without retrying at every call... */
	CHECK(creds_get(ch, &cr, T0_MS + 7 * MIN_MS + 5000, &err) == 0);
	/* ...and then the error lists what was tried. */
	CHECK(creds_get(ch, &cr, T0_MS + 10 * MIN_MS, &err) == CREDS_ENONE);
	CHECK(cr.access_key == NULL);
	CHECKF(strstr(err.message, "IMDS (127.0.0.1:") != NULL, err.message);
	CHECK(no_secret(err.message));
	CHECK(strcmp(creds_source(ch), "") == 0);
	creds_chain_free(ch);

	/* A port where nothing listens. */
	dead = lb_dead_port();
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:%u/",
	    dead);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_ENONE);
	CHECK(strstr(err.message, "refused") != NULL);
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "127.0.0.1");
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == CREDS_EINVAL);
}

/* Every source configured at once: each is chosen only above the rest. */
static void
test_order(void)
{
	struct creds_options	 o;
	struct creds_error	 err;
	struct creds		 cr;
	struct lb		 si, sc, ss;

	env_clear();
	si = server_start(imds);
	sc = server_start(container);
	ss = server_start(sts);
	env_unset("AWS_EC2_METADATA_DISABLED");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:%u",
	    si.port);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "imds") == 0);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:%u/",
	    sc.port);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", CT_TOKEN);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "container") == 0);
	write_file("wi-token", WI_TOKEN, 0600);
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "%s/wi-token", dir);
	env_set("AWS_ROLE_ARN", "arn:wi");
	env_set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%u", ss.port);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "web-identity:arn:wi") == 0);
	write_file(".aws/credentials", "[default]\naws_access_key_id=AKIDP\n"
	    "aws_secret_access_key=p\n", 0600);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.source, "profile:default") == 0);
	env_set("AWS_ACCESS_KEY_ID", "AKIDENV");
	env_set("AWS_SECRET_ACCESS_KEY", ENV_SK);
	CHECK(get_once(NULL, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDENV") == 0);
	memset(&o, 0, sizeof(o));
	o.access_key = "AKIDCONN";
	o.secret_key = CONN_SK;
	CHECK(get_once(&o, &cr, &err, NULL, T0_MS) == 0);
	CHECK(strcmp(cr.access_key, "AKIDCONN") == 0);
	lb_stop(&si);
	lb_stop(&sc);
	lb_stop(&ss);
	remove_file("wi-token");
	remove_file(".aws/credentials");
}

/* Where credentials will come from, before any is fetched, per settings. */
static void
test_configured(void)
{
	static const struct {
		const char	*env[4];	/* "NAME=value" */
		const char	*conn_ak;
		const char	*conn_profile;
		const char	*want;
	} t[] = {
		{ { NULL }, NULL, NULL, "none" },
		{ { "AWS_EC2_METADATA_DISABLED=false" }, NULL, NULL, "imds" },
		{ { "AWS_ACCESS_KEY_ID=A", "AWS_SECRET_ACCESS_KEY=" ENV_SK },
		    NULL, NULL, "static" },
		{ { "AWS_ACCESS_KEY_ID=A", "AWS_SECRET_ACCESS_KEY=" ENV_SK },
		    NULL, "p1", "profile:p1" },
		{ { "AWS_PROFILE=dev" }, "AK", "p1", "static" },
		{ { "AWS_PROFILE=dev" }, NULL, NULL, "profile:dev" },
		{ { "AWS_WEB_IDENTITY_TOKEN_FILE=/x", "AWS_ROLE_ARN=arn:r" },
		    NULL, NULL, "web-identity:arn:r" },
		{ { "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/c",
		    "AWS_WEB_IDENTITY_TOKEN_FILE=/x", "AWS_ROLE_ARN=arn:r" },
		    NULL, NULL, "web-identity:arn:r" },
		{ { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/c" }, NULL,
		    NULL, "container" },
	};
	struct creds_options	 o;
	struct creds_chain	*ch;
	struct creds_error	 err;
	const char		*eq;
	size_t			 i, k;

	/* env_set keeps the name pointer: names live in a static array. */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		static char	names[4][64];

		env_clear();
		for (k = 0; k < 4 && t[i].env[k] != NULL; k++) {
			eq = strchr(t[i].env[k], '=');
			snprintf(names[k], sizeof(names[k]), "%.*s",
			    (int)(eq - t[i].env[k]), t[i].env[k]);
			env_set(names[k], "%s", eq + 1);
		}
		memset(&o, 0, sizeof(o));
		if (t[i].conn_ak != NULL) {
			o.access_key = t[i].conn_ak;
			o.secret_key = CONN_SK;
		}
		o.profile = t[i].conn_profile;
		CHECKF(creds_chain_new(&ch, env_get, NULL, &o, &err) == 0,
		    t[i].want);
		if (ch == NULL)
			continue;
		CHECKF(strcmp(creds_configured(ch), t[i].want) == 0,
		    creds_configured(ch));
		/* Nothing fetched yet: no actual source. */
		CHECKF(creds_source(ch)[0] == '\0', t[i].want);
		creds_chain_free(ch);
	}
}

/* 1 if r lists path (with later as given). */
static int
reach_has_file(const struct creds_reach *r, const char *path, int later)
{
	size_t	i;

	for (i = 0; i < r->nfiles; i++)
		if (strcmp(r->file[i], path) == 0)
			return r->later[i] == later;
	return 0;
}

static int
reach_has_host(const struct creds_reach *r, const char *host, unsigned port)
{
	size_t	i;

	for (i = 0; i < r->nhosts; i++)
		if (strcmp(r->host[i], host) == 0 && r->port[i] == port)
			return 1;
	return 0;
}

/* A chain of the environment as it is now and its reach (rc want). */
static struct creds_chain *
reach_now(struct creds_reach *r, int want)
{
	struct creds_chain	*ch = NULL;

	memset(r, 0, sizeof(*r));
	CHECK(creds_chain_new(&ch, env_get, NULL, NULL, NULL) == 0);
	if (ch != NULL)
		CHECK(creds_chain_reach(ch, r) == want);
	return ch;
}

/* creds_chain_reach: what the sandbox's plan is built from. */
static void
test_reach(void)
{
	struct creds_chain	*ch;
	struct creds_reach	 r;
	char			 cpath[256], fpath[256], big[2048];
	size_t			 i;

	snprintf(cpath, sizeof(cpath), "%s/.aws/credentials", dir);
	snprintf(fpath, sizeof(fpath), "%s/.aws/config", dir);

	/* Defaults: both shared files (may appear later), STS, IMDS. */
	env_clear();
	env_unset("AWS_EC2_METADATA_DISABLED");
	env_set("AWS_REGION", "eu-west-3");
	ch = reach_now(&r, 0);
	CHECK(r.nfiles == 2 && reach_has_file(&r, cpath, 1) &&
	    reach_has_file(&r, fpath, 1));
	CHECK(r.nhosts == 2 && reach_has_host(&r,
	    "sts.eu-west-3.amazonaws.com", 443) &&
	    reach_has_host(&r, "169.254.169.254", 80));
	CHECK(r.process == 0);
	creds_reach_free(&r);
	CHECK(r.nfiles == 0 && r.nhosts == 0);
	creds_chain_free(ch);

	/*
	 * Unset the way config.c says (empty, "${...}"): the defaults
	 * again.  IMDS disabled: not reached.  The container's token file
	 * only with a container endpoint, the relative URI before the full.
	 */
	env_clear();
	env_set("AWS_SHARED_CREDENTIALS_FILE", "");
	env_set("AWS_CONFIG_FILE", "${user_config.aws_config}");
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/ct/token");
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "${user_config.wi}");
	ch = reach_now(&r, 0);
	CHECK(r.nfiles == 2 && reach_has_file(&r, cpath, 1) &&
	    reach_has_file(&r, fpath, 1));
	CHECK(r.nhosts == 1 && reach_has_host(&r,
	    "sts.us-east-1.amazonaws.com", 443));
	creds_reach_free(&r);
	creds_chain_free(ch);
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c");
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:7/c");
	env_set("AWS_ENDPOINT_URL_STS", "http://[::1]:8123/sts");
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/wi/token");
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/r");
	env_set("AWS_CONFIG_FILE", "~/other-config");
	ch = reach_now(&r, 0);
	snprintf(fpath, sizeof(fpath), "%s/other-config", dir);
	CHECK(r.nfiles == 4 && reach_has_file(&r, fpath, 1) &&
	    reach_has_file(&r, "/ct/token", 0) &&
	    reach_has_file(&r, "/wi/token", 0));
	CHECK(r.nhosts == 2 && reach_has_host(&r, "::1", 8123) &&
	    reach_has_host(&r, "169.254.170.2", 80));
	creds_reach_free(&r);
	creds_chain_free(ch);

	/*
	 * Every profile's token file counts, each once; credential_process
	 * in any profile sets process, a file too large to read too.
	 */
	env_clear();
	write_file(".aws/config", "[profile a]\nrole_arn = arn:r\n"
	    "web_identity_token_file = /tok/a\n[profile b]\n"
	    "web_identity_token_file = /tok/a\n", 0600);
	write_file(".aws/credentials", "[c]\nWeb_Identity_Token_File=/tok/c\n",
	    0600);
	ch = reach_now(&r, 0);
	CHECK(r.nfiles == 4 && reach_has_file(&r, "/tok/a", 0) &&
	    reach_has_file(&r, "/tok/c", 0) && r.process == 0);
	creds_reach_free(&r);
	write_file(".aws/credentials", "[c]\ncredential_process = /bin/true\n",
	    0600);
	CHECK(creds_chain_reach(ch, &r) == 0 && r.process == 1);
	creds_reach_free(&r);
	remove_file(".aws/credentials");
	for (i = 0; i + 1 < sizeof(big); i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[i] = '\0';
	write_file(".aws/credentials", "", 0600);
	snprintf(cpath, sizeof(cpath), "%s/.aws/credentials", dir);
	{
		FILE	*f = fopen(cpath, "w");

		for (i = 0; f != NULL && i < PROFILE_MAX_FILE_BYTES /
		    (sizeof(big) - 1) + 1; i++)
			fputs(big, f);
		if (f != NULL)
			fclose(f);
	}
	CHECK(creds_chain_reach(ch, &r) == 0 && r.process == 1);
	CHECK(reach_has_file(&r, cpath, 1));
	creds_reach_free(&r);
	creds_chain_free(ch);

	/* More token files than the list holds: refused, the list empty. */
	{
		static char	text[CREDS_REACH_FILES * 64];
		size_t		n = 0;

		for (i = 0; i < CREDS_REACH_FILES; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "[p%zu]\nweb_identity_token_file = /t/%zu\n", i, i);
		write_file(".aws/credentials", text, 0600);
	}
	ch = reach_now(&r, CREDS_EINVAL);
	CHECK(r.nfiles == 0 && r.nhosts == 0);
	creds_chain_free(ch);
	remove_file(".aws/credentials");
	remove_file(".aws/config");
}

int
main(void)
{
	char	path[128];

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_creds.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/.aws", dir);
	mkdir(path, 0700);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);

	test_static();
	test_nothing();
	test_profiles();
	test_process();
	test_assume_role();
	test_container();
	test_imds();
	test_order();
	test_configured();
	test_reach();

	creds_chain_free(last);
	/* The temporary HOME goes; every test removed its own files. */
	unlink(logpath);
	remove_file("proc.sh");
	remove_file("fail.sh");
	remove_file("v2.sh");
	remove_file("static.sh");
	remove_file("big.sh");
	remove_file("other-creds");
	rmdir(path);
	rmdir(dir);
	return unit_done("test_creds");
}
