/*
 * aws.c - AWS plumbing done once in the core: the credential chain and its
 * cache, region and endpoint resolution, S3 GetObject as a pull stream,
 * and the Lambda Runtime API init-error report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws.h"
#include "log.h"

/* SHA-256 of the empty body: S3 wants it, curl 7.88 does not add it. */
#define EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define REFRESH_BEFORE_MS	(5 * 60 * 1000)	/* refresh this early */
#define HANDOUT_BEFORE_MS	(15 * 1000)	/* see creds_usable() */
#define HTTP_BODY_MAX		(64 * 1024)	/* credential replies */
#define TOKEN_FILE_MAX		(64 * 1024)
#define CRED_TIMEOUT_MS		5000
#define IMDS_TIMEOUT_MS		2000		/* off EC2 this must fail fast */
#define IMDS_CONNECT_MS		1000
#define CONNECT_TIMEOUT_MS	10000
#define LAMBDA_TIMEOUT_MS	10000
#define S3_HEADERS_TIMEOUT_MS	60000		/* open(), when no timeout_ms */
#define ECS_HOST		"http://169.254.170.2"
#define IMDS_HOST		"http://169.254.169.254"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static void errf(char *err, size_t errlen, const char *fmt, ...)
    CE_PRINTF(3, 4);

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* An environment variable, NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : NULL;
}

static int
env_true(const char *name)
{
	const char *v = env(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
copy_str(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		return -ERANGE;
	memcpy(buf, s, n + 1);
	return 0;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/*
 * Percent-encode every byte but the unreserved ones (and '/' when
 * keep_slash: an S3 key is encoded once, slashes kept).  malloc'd.
 */
static char *
pct_encode(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *p;

	out = p = malloc(3 * strlen(s) + 1);
	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	*p = '\0';
	return out;
}

/* Overwrite then free a string that held a secret. */
static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* A token file, whitespace trimmed; NULL with the reason in err. */
static char *
read_token_file(const char *path, const char *what, char *err, size_t errlen)
{
	char *buf = NULL, *t;
	size_t n;
	FILE *fp;

	fp = fopen(path, "r");
	if (fp == NULL) {
		errf(err, errlen, "cannot read %s %s: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	buf = malloc(TOKEN_FILE_MAX + 1);
	if (buf == NULL) {
		errf(err, errlen, "out of memory");
		goto fail;
	}
	n = fread(buf, 1, TOKEN_FILE_MAX + 1, fp);
	if (ferror(fp) || n > TOKEN_FILE_MAX) {
		errf(err, errlen, "cannot read %s %s: %s", what, path,
		    ferror(fp) ? "read error" : "file is too large");
		goto fail;
	}
	buf[n] = '\0';
	t = trim(buf);
	if (t != buf)
		memmove(buf, t, strlen(t) + 1);
	fclose(fp);
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, TOKEN_FILE_MAX + 1);
		free(buf);
	}
	fclose(fp);
	return NULL;
}

/*
 * The text of the first <tag>...</tag> at or after xml, entities decoded.
 * Enough for the fixed shapes of STS replies and S3 errors.
 */
static int
xml_text(const char *xml, const char *tag, char *out, size_t outlen)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	char open[64], close[64];
	const char *p, *end;
	size_t i, n = 0;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (xml == NULL || (p = strstr(xml, open)) == NULL)
		return -ENOENT;
	p += strlen(open);
	if ((end = strstr(p, close)) == NULL)
		return -ENOENT;
	while (p < end) {
		char c = *p++;

		for (i = 0; c == '&' && i < sizeof(ents) / sizeof(ents[0]);
		    i++) {
			size_t el = strlen(ents[i].ent);

			if (strncmp(p - 1, ents[i].ent, el) == 0) {
				c = ents[i].c;
				p += el - 1;
				break;
			}
		}
		if (n + 1 >= outlen)
			return -ERANGE;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* "2024-05-01T12:00:00Z" (fraction and offset optional) to epoch ms. */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0, scale = 100;
	int sign, hh, mm, used = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
	    used == 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + used;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	t = timegm(&tm);
	if (*p == 'Z' && p[1] == '\0')
		return (int64_t)t * 1000 + ms;
	if ((*p != '+' && *p != '-') ||
	    (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 &&
	    sscanf(p + 1, "%2d%2d", &hh, &mm) != 2))
		return -1;
	sign = *p == '-' ? -1 : 1;
	return ((int64_t)t - sign * (hh * 3600 + mm * 60)) * 1000 + ms;
}

/* ------------------------------------------------------------------ */
/* HTTP for credential services and the Runtime API                    */
/* ------------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void
curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int
curl_ready(char *err, size_t errlen)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_result == CURLE_OK)
		return 0;
	errf(err, errlen, "libcurl initialisation failed: %s",
	    curl_easy_strerror(curl_init_result));
	return -EIO;
}

/* What every handle gets: no signals, http(s) only, no redirects. */
static void
easy_defaults(CURL *h, char *errbuf, long timeout_ms, long connect_ms)
{
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
}

struct http_call {
	const char		*method;	/* GET, PUT or POST */
	const char		*url;
	struct curl_slist	*headers;
	const char		*body;		/* NULL: none */
	long			 timeout_ms;
	long			 connect_ms;
	int			 direct;	/* never through a proxy */
};

struct http_reply {
	long		 status;
	char		*body;		/* NUL-terminated; may hold secrets */
	size_t		 len;
};

static void
http_reply_free(struct http_reply *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	r->body = NULL;
	r->len = 0;
}

/* One fixed buffer, so no realloc leaves copies of a secret behind. */
static size_t
http_collect(char *ptr, size_t size, size_t n, void *arg)
{
	struct http_reply *r = arg;
	size_t bytes = size * n;

	if (bytes > HTTP_BODY_MAX - r->len)
		return 0;
	memcpy(r->body + r->len, ptr, bytes);
	r->len += bytes;
	r->body[r->len] = '\0';
	return bytes;
}

/* Perform one small request; the reply's body is collected whole. */
static int
http_do(const struct http_call *c, struct http_reply *r, char *err,
    size_t errlen)
{
	char cerr[CURL_ERROR_SIZE];
	CURLcode cc;
	CURL *h = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = curl_ready(err, errlen)) < 0)
		return rc;
	r->body = malloc(HTTP_BODY_MAX + 1);
	h = curl_easy_init();
	if (r->body == NULL || h == NULL) {
		errf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	r->body[0] = '\0';
	easy_defaults(h, cerr, c->timeout_ms, c->connect_ms);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	if (c->headers != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	if (c->direct)
		curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (strcmp(c->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body ? c->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
		    (long)(c->body ? strlen(c->body) : 0));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		errf(err, errlen, "%s %s: %s", c->method, c->url,
		    cerr[0] ? cerr : curl_easy_strerror(cc));
		rc = cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
		goto fail;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	return 0;
fail:
	if (h != NULL)
		curl_easy_cleanup(h);
	http_reply_free(r);
	return rc;
}

/* Append "name: value"; the list is freed (and wiped) by the caller. */
static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *l;
	size_t len = strlen(name) + strlen(value) + 3;
	char *line;

	line = malloc(len);
	if (line == NULL)
		return -ENOMEM;
	snprintf(line, len, "%s: %s", name, value);
	l = curl_slist_append(*list, line);
	free_secret(line);
	if (l == NULL)
		return -ENOMEM;
	*list = l;
	return 0;
}

static void
free_headers(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* ------------------------------------------------------------------ */
/* Credential sources                                                  */
/* ------------------------------------------------------------------ */

/*
 * Each source returns 0 with *c filled, -ENOENT when it is not configured
 * (the chain moves on), or another negative errno when it is configured
 * but failed (the chain stops: falling through to another identity would
 * hide the mistake).  The reason goes to err, never a secret.
 */

static int
creds_set(struct ce_aws_credentials *c, const char *id, const char *secret,
    const char *token, int64_t expires_ms, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->expires_ms = expires_ms;
	if (copy_str(c->access_key_id, sizeof(c->access_key_id), id) < 0 ||
	    copy_str(c->secret_access_key, sizeof(c->secret_access_key),
	    secret) < 0 ||
	    copy_str(c->session_token, sizeof(c->session_token),
	    token ? token : "") < 0) {
		explicit_bzero(c, sizeof(*c));
		errf(err, errlen, "a credential is longer than cloudengine "
		    "accepts");
		return -ERANGE;
	}
	return 0;
}

static int
src_environment(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	const char *id = env("AWS_ACCESS_KEY_ID");
	const char *secret = env("AWS_SECRET_ACCESS_KEY");

	if (id == NULL && secret == NULL) {
		errf(err, errlen, "AWS_ACCESS_KEY_ID is not set");
		return -ENOENT;
	}
	if (id == NULL || secret == NULL) {
		errf(err, errlen, "%s is set but %s is not",
		    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -EINVAL;
	}
	return creds_set(c, id, secret, env("AWS_SESSION_TOKEN"), 0, err,
	    errlen);
}

/* {"AccessKeyId","SecretAccessKey","Token","Expiration"}: ECS and IMDS. */
static int
json_creds(const char *body, struct ce_aws_credentials *c, char *err,
    size_t errlen)
{
	struct json_object *o, *v;
	const char *f[4] = { NULL, NULL, NULL, NULL };
	static const char *const names[4] = {
		"AccessKeyId", "SecretAccessKey", "Token", "Expiration"
	};
	int64_t expires = 0;
	int i, rc = -EINVAL;

	o = json_tokener_parse(body);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		errf(err, errlen, "the reply is not a JSON object");
		goto out;
	}
	if (json_object_object_get_ex(o, "Code", &v) &&
	    strcmp(json_object_get_string(v), "Success") != 0) {
		errf(err, errlen, "the reply has Code '%.64s'",
		    json_object_get_string(v));
		goto out;
	}
	for (i = 0; i < 4; i++)
		if (json_object_object_get_ex(o, names[i], &v) &&
		    json_object_is_type(v, json_type_string))
			f[i] = json_object_get_string(v);
	if (f[0] == NULL || f[1] == NULL) {
		errf(err, errlen, "the reply has no AccessKeyId or "
		    "SecretAccessKey");
		goto out;
	}
	if (f[3] != NULL && (expires = parse_time(f[3])) < 0) {
		errf(err, errlen, "the reply's Expiration '%.40s' is not an "
		    "ISO 8601 time", f[3]);
		goto out;
	}
	rc = creds_set(c, f[0], f[1], f[2], expires, err, errlen);
out:
	json_object_put(o);
	return rc;
}

/* The Authorization value for container credentials, or NULL if none. */
static int
container_auth(char **auth, char *err, size_t errlen)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");

	*auth = NULL;
	if (file != NULL) {
		/* Re-read each time: EKS rotates the file. */
		*auth = read_token_file(file,
		    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err, errlen);
		if (*auth == NULL)
			return -EINVAL;
	} else if (tok != NULL && (*auth = strdup(tok)) == NULL) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (*auth != NULL && strpbrk(*auth, "\r\n") != NULL) {
		errf(err, errlen, "the container authorization token holds "
		    "a line break");
		free_secret(*auth);
		*auth = NULL;
		return -EINVAL;
	}
	return 0;
}

/*
 * Plain http is only allowed to the link-local task endpoints and to
 * loopback, as the SDKs do: anything else would send the token in clear.
 */
static int
container_url_ok(const char *url)
{
	static const char *const hosts[] = {
		"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
		"localhost", "[::1]", NULL
	};
	struct in_addr a;
	char *scheme = NULL, *host = NULL;
	CURLU *u = curl_url();
	int ok = 0;
	size_t i;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") == 0) {
		ok = 1;
		goto out;
	}
	if (strcmp(scheme, "http") != 0)
		goto out;
	for (i = 0; hosts[i] != NULL; i++)
		if (strcmp(host, hosts[i]) == 0)
			ok = 1;
	if (inet_pton(AF_INET, host, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127)
		ok = 1;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

static int
src_container(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct http_call call = { .method = "GET", .direct = 1,
	    .timeout_ms = CRED_TIMEOUT_MS, .connect_ms = IMDS_CONNECT_MS };
	struct http_reply r = { 0 };
	char why[384], *url = NULL, *auth = NULL;
	size_t len;
	int rc;

	if (rel == NULL && full == NULL) {
		errf(err, errlen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is "
		    "not set");
		return -ENOENT;
	}
	len = strlen(ECS_HOST) + strlen(rel ? rel : full) + 2;
	if ((url = malloc(len)) == NULL) {
		rc = -ENOMEM;
		errf(err, errlen, "out of memory");
		goto out;
	}
	if (rel != NULL)
		snprintf(url, len, "%s%s%s", ECS_HOST, *rel == '/' ? "" : "/",
		    rel);
	else
		snprintf(url, len, "%s", full);
	if (rel == NULL && !container_url_ok(full)) {
		errf(err, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s' "
		    "must be https, or http to a loopback or ECS/EKS address",
		    full);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = container_auth(&auth, err, errlen)) < 0)
		goto out;
	if (auth != NULL &&
	    (rc = add_header(&call.headers, "Authorization", auth)) < 0) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	call.url = url;
	if ((rc = http_do(&call, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 200) {
		errf(err, errlen, "GET %s: HTTP %ld", url, r.status);
		rc = -EIO;
		goto out;
	}
	if ((rc = json_creds(r.body, c, why, sizeof(why))) < 0)
		errf(err, errlen, "GET %s: %s", url, why);
out:
	http_reply_free(&r);
	free_headers(call.headers);
	free_secret(auth);
	free(url);
	return rc;
}

/* Where the shared credentials file is, malloc'd. */
static char *
shared_file_path(void)
{
	const char *p = env("AWS_SHARED_CREDENTIALS_FILE"), *home;
	size_t len;
	char *s;

	if (p != NULL)
		return strdup(p);
	if ((home = env("HOME")) == NULL)
		return NULL;
	len = strlen(home) + sizeof("/.aws/credentials");
	if ((s = malloc(len)) != NULL)
		snprintf(s, len, "%s/.aws/credentials", home);
	return s;
}

struct ini_profile {
	const char	*want;		/* the profile asked for */
	int		 found;
	char		*id, *secret, *token;	/* malloc'd, wiped on free */
};

static int
ini_take(char **slot, const char *value)
{
	free_secret(*slot);
	*slot = strdup(value);
	return *slot != NULL ? 0 : -ENOMEM;
}

/* One line of the credentials file; -EINVAL on a malformed line. */
static int
ini_line(struct ini_profile *pr, char *line, int *in_profile)
{
	char *s = trim(line), *eq, *key, *value;

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (end == NULL || trim(end + 1)[0] != '\0')
			return -EINVAL;
		*end = '\0';
		s = trim(s + 1);
		if (strncmp(s, "profile ", 8) == 0)
			s = trim(s + 8);
		*in_profile = strcmp(s, pr->want) == 0;
		pr->found |= *in_profile;
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return -EINVAL;
	/* Indented lines are sub-keys of a nested setting: not ours. */
	if (!*in_profile || line[0] == ' ' || line[0] == '\t')
		return 0;
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (strcasecmp(key, "aws_access_key_id") == 0)
		return ini_take(&pr->id, value);
	if (strcasecmp(key, "aws_secret_access_key") == 0)
		return ini_take(&pr->secret, value);
	if (strcasecmp(key, "aws_session_token") == 0 ||
	    (strcasecmp(key, "aws_security_token") == 0 && pr->token == NULL))
		return ini_take(&pr->token, value);
	return 0;
}

/* Read the profile's keys from fp; the reason in err. */
static int
ini_read(FILE *fp, const char *path, struct ini_profile *pr, char *err,
    size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int in_profile = 0, rc = 0;

	while (rc == 0 && getline(&line, &cap, fp) >= 0) {
		lineno++;
		rc = ini_line(pr, line, &in_profile);
		if (rc == -EINVAL)
			errf(err, errlen, "%s:%u: expected '[profile]', "
			    "'key = value' or a comment", path, lineno);
		else if (rc < 0)
			errf(err, errlen, "out of memory");
		explicit_bzero(line, cap);
	}
	if (rc == 0 && ferror(fp)) {
		errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		rc = -EIO;
	}
	free(line);
	return rc;
}

static int
src_shared_file(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	const char *named = env("AWS_PROFILE");
	struct ini_profile pr = { .want = named ? named : "default" };
	char *path;
	FILE *fp = NULL;
	int rc;

	if ((path = shared_file_path()) == NULL) {
		errf(err, errlen, "HOME is not set");
		return -ENOENT;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		rc = (errno == ENOENT && named == NULL) ? -ENOENT : -EINVAL;
		errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = ini_read(fp, path, &pr, err, errlen)) < 0)
		goto out;
	if (!pr.found) {
		rc = named == NULL ? -ENOENT : -EINVAL;
		errf(err, errlen, "profile '%s' is not in %s", pr.want, path);
		goto out;
	}
	if (pr.id == NULL || pr.secret == NULL) {
		errf(err, errlen, "profile '%s' in %s has no "
		    "aws_access_key_id and aws_secret_access_key (role and SSO "
		    "profiles are not supported)", pr.want, path);
		rc = -EINVAL;
		goto out;
	}
	rc = creds_set(c, pr.id, pr.secret, pr.token, 0, err, errlen);
out:
	if (fp != NULL)
		fclose(fp);
	free_secret(pr.id);
	free_secret(pr.secret);
	free_secret(pr.token);
	free(path);
	return rc;
}

static int endpoint_resolve(const char *service, const char *override,
    const char *region, char *buf, size_t len, int *custom);

/* application/x-www-form-urlencoded body for AssumeRoleWithWebIdentity. */
static char *
sts_body(const char *role, const char *session, const char *token)
{
	char *r = pct_encode(role, 0), *s = pct_encode(session, 0);
	char *t = pct_encode(token, 0), *body = NULL;
	size_t len;

	if (r != NULL && s != NULL && t != NULL) {
		len = strlen(r) + strlen(s) + strlen(t) + 128;
		if ((body = malloc(len)) != NULL)
			snprintf(body, len, "Action=AssumeRoleWithWebIdentity"
			    "&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s"
			    "&WebIdentityToken=%s", r, s, t);
	}
	free(r);
	free(s);
	free_secret(t);
	return body;
}

/* The <Credentials> of an AssumeRoleWithWebIdentity reply. */
static int
sts_creds(const char *xml, struct ce_aws_credentials *c, char *err,
    size_t errlen)
{
	char *id, *secret, *token, when[64];
	const char *p = xml ? strstr(xml, "<Credentials>") : NULL;
	int64_t expires;
	int rc = -EINVAL;

	id = calloc(1, sizeof(c->access_key_id));
	secret = calloc(1, sizeof(c->secret_access_key));
	token = calloc(1, sizeof(c->session_token));
	if (id == NULL || secret == NULL || token == NULL) {
		errf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	if (p == NULL ||
	    xml_text(p, "AccessKeyId", id, sizeof(c->access_key_id)) < 0 ||
	    xml_text(p, "SecretAccessKey", secret,
	    sizeof(c->secret_access_key)) < 0 ||
	    xml_text(p, "SessionToken", token, sizeof(c->session_token)) < 0 ||
	    xml_text(p, "Expiration", when, sizeof(when)) < 0 ||
	    (expires = parse_time(when)) < 0) {
		errf(err, errlen, "the STS reply has no complete "
		    "<Credentials>");
		goto out;
	}
	rc = creds_set(c, id, secret, token, expires, err, errlen);
out:
	free_secret(id);
	free_secret(secret);
	free_secret(token);
	return rc;
}

/* "HTTP 403 AccessDenied: message" from an AWS XML error document. */
static void
aws_error_text(long status, const char *xml, char *buf, size_t len)
{
	char code[128], msg[256];

	if (xml_text(xml, "Code", code, sizeof(code)) < 0)
		code[0] = '\0';
	if (xml_text(xml, "Message", msg, sizeof(msg)) < 0)
		msg[0] = '\0';
	snprintf(buf, len, "HTTP %ld%s%s%s%s", status, code[0] ? " " : "",
	    code, msg[0] ? ": " : "", msg);
}

static int
src_web_identity(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = env("AWS_ROLE_ARN");
	const char *session = env("AWS_ROLE_SESSION_NAME");
	struct http_call call = { .method = "POST",
	    .timeout_ms = CRED_TIMEOUT_MS, .connect_ms = CONNECT_TIMEOUT_MS };
	struct http_reply r = { 0 };
	char region[64], url[512], sname[64], why[384], *token = NULL;
	int custom, rc;

	if (file == NULL || role == NULL) {
		errf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE or AWS_ROLE_ARN "
		    "is not set");
		return -ENOENT;
	}
	if (session == NULL) {
		snprintf(sname, sizeof(sname), "cloudengine-%lld",
		    (long long)now_ms());
		session = sname;
	}
	if ((rc = ce_aws_region(region, sizeof(region))) < 0 ||
	    (rc = endpoint_resolve("sts", NULL, region, url, sizeof(url) - 1,
	    &custom)) < 0) {
		errf(err, errlen, "cannot resolve the STS endpoint");
		return rc;
	}
	strcat(url, "/");
	token = read_token_file(file, "AWS_WEB_IDENTITY_TOKEN_FILE", err,
	    errlen);
	if (token == NULL)
		return -EINVAL;
	call.url = url;
	call.body = sts_body(role, session, token);
	if (call.body == NULL ||
	    add_header(&call.headers, "Content-Type",
	    "application/x-www-form-urlencoded") < 0) {
		errf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = http_do(&call, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 200) {
		aws_error_text(r.status, r.body, why, sizeof(why));
		errf(err, errlen, "STS AssumeRoleWithWebIdentity for %s: %s",
		    role, why);
		rc = -EIO;
		goto out;
	}
	if ((rc = sts_creds(r.body, c, why, sizeof(why))) < 0)
		errf(err, errlen, "STS AssumeRoleWithWebIdentity: %s", why);
out:
	http_reply_free(&r);
	free_headers(call.headers);
	free_secret((char *)call.body);
	free_secret(token);
	return rc;
}

/* One IMDS request with the session token (NULL for the token PUT). */
static int
imds_get(const char *base, const char *method, const char *path,
    const char *token, struct http_reply *r, char *err, size_t errlen)
{
	struct http_call call = { .method = method, .direct = 1,
	    .timeout_ms = IMDS_TIMEOUT_MS, .connect_ms = IMDS_CONNECT_MS };
	char url[512];
	int rc;

	snprintf(url, sizeof(url), "%s%s", base, path);
	call.url = url;
	rc = token == NULL ?
	    add_header(&call.headers, "X-aws-ec2-metadata-token-ttl-seconds",
	    "21600") :
	    add_header(&call.headers, "X-aws-ec2-metadata-token", token);
	if (rc == 0)
		rc = http_do(&call, r, err, errlen);
	free_headers(call.headers);
	if (rc == 0 && r->status != 200) {
		errf(err, errlen, "%s %s: HTTP %ld", method, url, r->status);
		http_reply_free(r);
		rc = r->status == 404 ? -ENOENT : -EIO;
	}
	return rc;
}

static int
src_imds(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	static const char creds_path[] = "/latest/meta-data/iam/"
	    "security-credentials/";
	const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct http_reply r = { 0 };
	char base[256], role[256], path[512], why[384], *token = NULL;
	size_t n;
	int rc;

	if (env_true("AWS_EC2_METADATA_DISABLED")) {
		errf(err, errlen, "disabled by AWS_EC2_METADATA_DISABLED");
		return -ENOENT;
	}
	if (copy_str(base, sizeof(base), ep ? ep : IMDS_HOST) < 0) {
		errf(err, errlen, "AWS_EC2_METADATA_SERVICE_ENDPOINT is too "
		    "long");
		return -EINVAL;
	}
	for (n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	/* Not reachable is the normal case off EC2: not configured. */
	if (imds_get(base, "PUT", "/latest/api/token", NULL, &r, err,
	    errlen) < 0)
		return -ENOENT;
	token = strdup(trim(r.body));
	http_reply_free(&r);
	if (token == NULL) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = imds_get(base, "GET", creds_path, token, &r, err,
	    errlen)) < 0)
		goto out;
	n = strcspn(trim(r.body), "\r\n");
	if (n == 0 || n >= sizeof(role)) {
		errf(err, errlen, "no instance profile role in %s", creds_path);
		rc = -ENOENT;
		goto out;
	}
	memcpy(role, trim(r.body), n);
	role[n] = '\0';
	http_reply_free(&r);
	snprintf(path, sizeof(path), "%s%s", creds_path, role);
	if ((rc = imds_get(base, "GET", path, token, &r, err, errlen)) < 0)
		goto out;
	if ((rc = json_creds(r.body, c, why, sizeof(why))) < 0)
		errf(err, errlen, "GET %s%s: %s", base, path, why);
out:
	http_reply_free(&r);
	free_secret(token);
	return rc;
}

static const struct {
	const char	*name;
	int		(*fetch)(struct ce_aws_credentials *c, char *err,
			    size_t errlen);
} sources[] = {
	{ "environment", src_environment },
	{ "web identity", src_web_identity },
	{ "container credentials", src_container },
	{ "shared credentials file", src_shared_file },
	{ "EC2 instance metadata", src_imds },
};

static int
chain(struct ce_aws_credentials *c, char *err, size_t errlen)
{
	char why[512], tried[1536] = "";
	size_t i, used;
	int rc;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		why[0] = '\0';
		rc = sources[i].fetch(c, why, sizeof(why));
		if (rc == 0) {
			ce_log(CE_LOG_DEBUG, "aws", "credentials from the %s",
			    sources[i].name);
			return 0;
		}
		if (rc != -ENOENT) {
			errf(err, errlen, "AWS credentials (%s): %s",
			    sources[i].name, why);
			return -ENOENT;
		}
		used = strlen(tried);
		snprintf(tried + used, sizeof(tried) - used, "%s%s: %s",
		    used ? "; " : "", sources[i].name, why);
	}
	errf(err, errlen, "no AWS credentials found (%s)", tried);
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* The cache                                                           */
/* ------------------------------------------------------------------ */

static struct {
	pthread_mutex_t			lock;
	pthread_cond_t			cond;
	int				valid;
	int				refreshing;
	uint64_t			fetches;	/* successful */
	struct ce_aws_credentials	creds;
} cache = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0,
    { 0 } };

static int
creds_fresh(const struct ce_aws_credentials *c, int64_t now)
{
	return c->expires_ms == 0 || now < c->expires_ms - REFRESH_BEFORE_MS;
}

/*
 * Whether cached credentials may still sign a request while a refresh
 * runs, or after one failed.  A request reaches AWS some time after it is
 * signed (up to a connect timeout, 10 s at most here), and AWS refuses
 * one whose key expired meanwhile: so not in their last 15 seconds.
 */
static int
creds_usable(const struct ce_aws_credentials *c, int64_t now)
{
	return c->expires_ms == 0 || now < c->expires_ms - HANDOUT_BEFORE_MS;
}

/* Whether a caller may take the cache as it is, at time now; seen is the
 * number of fetches when the caller came in. */
static int
cache_takes(uint64_t seen, int64_t now)
{
	const struct ce_aws_credentials *c = &cache.creds;

	if (!cache.valid)
		return 0;
	/* Just fetched for us: the newest there is, whatever is left. */
	if (cache.fetches != seen && (c->expires_ms == 0 ||
	    now < c->expires_ms))
		return 1;
	return creds_fresh(c, now) ||
	    (cache.refreshing && creds_usable(c, now));
}

/*
 * One thread refreshes at a time, outside the lock; meanwhile the others
 * keep using the current credentials while they are usable, or wait for
 * the refresh and take what it fetched.
 */
int
ce_aws_credentials(struct ce_aws_credentials *out, char *err, size_t errlen)
{
	struct ce_aws_credentials fresh;
	int64_t now = now_ms();
	uint64_t seen;
	int rc;

	pthread_mutex_lock(&cache.lock);
	seen = cache.fetches;
	for (;;) {
		if (cache_takes(seen, now)) {
			*out = cache.creds;
			pthread_mutex_unlock(&cache.lock);
			return 0;
		}
		if (!cache.refreshing)
			break;
		pthread_cond_wait(&cache.cond, &cache.lock);
		now = now_ms();
	}
	cache.refreshing = 1;
	pthread_mutex_unlock(&cache.lock);

	rc = chain(&fresh, err, errlen);

	pthread_mutex_lock(&cache.lock);
	cache.refreshing = 0;
	pthread_cond_broadcast(&cache.cond);
	if (rc == 0) {
		cache.creds = fresh;
		cache.valid = 1;
		cache.fetches++;
	} else if (cache.valid && creds_usable(&cache.creds, now_ms())) {
		ce_log(CE_LOG_WARNING, "aws", "refreshing AWS credentials "
		    "failed, using the current ones until shortly before "
		    "they expire: %s",
		    err ? err : "");
		rc = 0;
	}
	if (rc == 0)
		*out = cache.creds;
	pthread_mutex_unlock(&cache.lock);
	explicit_bzero(&fresh, sizeof(fresh));
	return rc;
}

void
ce_aws_credentials_reset(void)
{
	pthread_mutex_lock(&cache.lock);
	explicit_bzero(&cache.creds, sizeof(cache.creds));
	cache.valid = 0;
	pthread_mutex_unlock(&cache.lock);
}

/* ------------------------------------------------------------------ */
/* Region and endpoints                                                */
/* ------------------------------------------------------------------ */

static int
label_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 63)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return 0;
	return 1;
}

int
ce_aws_region(char *buf, size_t len)
{
	const char *r = env("AWS_REGION");

	if (r == NULL)
		r = env("AWS_DEFAULT_REGION");
	if (r == NULL)
		r = "us-east-1";
	if (!label_ok(r)) {
		ce_log(CE_LOG_ERROR, "aws", "invalid AWS region '%.64s': "
		    "expected [a-z0-9-]+ (from AWS_REGION or "
		    "AWS_DEFAULT_REGION)", r);
		return -EINVAL;
	}
	return copy_str(buf, len, r);
}

/* The configured endpoint for service, or NULL: the SDKs' variables. */
static const char *
endpoint_from_env(const char *service)
{
	char name[96];
	size_t i, n;

	if (env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
		return NULL;
	n = (size_t)snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s",
	    service);
	for (i = strlen("AWS_ENDPOINT_URL_"); i < n && i < sizeof(name); i++)
		name[i] = name[i] == '-' ? '_' :
		    (name[i] >= 'a' && name[i] <= 'z') ?
		    (char)(name[i] - 'a' + 'A') : name[i];
	return env(name) ? env(name) : env("AWS_ENDPOINT_URL");
}

static int
endpoint_resolve(const char *service, const char *override,
    const char *region, char *buf, size_t len, int *custom)
{
	const char *src = (override && *override) ? override :
	    endpoint_from_env(service);
	char reg[64];
	size_t n;
	int rc;

	*custom = src != NULL;
	if (!label_ok(service))
		return -EINVAL;
	if (src != NULL) {
		if (strncmp(src, "http://", 7) != 0 &&
		    strncmp(src, "https://", 8) != 0) {
			ce_log(CE_LOG_ERROR, "aws", "endpoint URL '%.128s' for "
			    "%s must start with http:// or https://", src,
			    service);
			return -EINVAL;
		}
		if ((rc = copy_str(buf, len, src)) < 0)
			return rc;
		for (n = strlen(buf); n > 0 && buf[n - 1] == '/'; n--)
			buf[n - 1] = '\0';
		return 0;
	}
	if (region == NULL) {
		if ((rc = ce_aws_region(reg, sizeof(reg))) < 0)
			return rc;
		region = reg;
	}
	if (!label_ok(region))
		return -EINVAL;
	n = (size_t)snprintf(buf, len, "https://%s.%s.amazonaws.com%s",
	    service, region, strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return n < len ? 0 : -ERANGE;
}

int
ce_aws_endpoint(const char *service, const char *override,
    const char *region, char *buf, size_t len)
{
	int custom;

	return endpoint_resolve(service, override, region, buf, len, &custom);
}

/* ------------------------------------------------------------------ */
/* S3 GetObject as a pull stream                                       */
/* ------------------------------------------------------------------ */

struct s3_stream {
	CURLM			*multi;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*what;		/* "s3://bucket/key" */
	long			 status;
	int			 headers_done;
	int			 done;
	int			 paused;
	CURLcode		 result;
	char			 bucket_region[64];
	char			 curl_err[CURL_ERROR_SIZE];
	char			 errbody[4096];	/* an error document */
	size_t			 errlen;
	size_t			 off, len;	/* unread bytes of buf */
	char			 buf[CURL_MAX_WRITE_SIZE];
};

/*
 * Take a whole chunk or none: pausing makes curl keep it and stop reading
 * the socket, so at most one chunk is ever held here.
 */
static size_t
s3_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct s3_stream *s = arg;
	size_t bytes = size * n, room;

	if (s->status >= 300) {
		room = sizeof(s->errbody) - 1 - s->errlen;
		if (bytes < room)
			room = bytes;
		memcpy(s->errbody + s->errlen, ptr, room);
		s->errlen += room;
		s->errbody[s->errlen] = '\0';
		return bytes;
	}
	if (bytes > sizeof(s->buf) - s->len) {
		s->paused = 1;
		return CURL_WRITEFUNC_PAUSE;
	}
	memcpy(s->buf + s->len, ptr, bytes);
	s->len += bytes;
	return bytes;
}

static size_t
s3_header(char *ptr, size_t size, size_t n, void *arg)
{
	static const char region_hdr[] = "x-amz-bucket-region:";
	struct s3_stream *s = arg;
	size_t bytes = size * n, rl = sizeof(region_hdr) - 1, vl;
	long status = 0;

	if (bytes <= 2 && (bytes == 0 || ptr[0] == '\r' || ptr[0] == '\n')) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200) {
			s->status = status;
			s->headers_done = 1;
		}
	} else if (bytes > rl && strncasecmp(ptr, region_hdr, rl) == 0) {
		for (ptr += rl, bytes -= rl; bytes > 0 && *ptr == ' '; bytes--)
			ptr++;
		for (vl = 0; vl < bytes && vl + 1 < sizeof(s->bucket_region) &&
		    ptr[vl] != '\r' && ptr[vl] != '\n'; vl++)
			s->bucket_region[vl] = ptr[vl];
		s->bucket_region[vl] = '\0';
	}
	return size * n;
}

/* Run the transfer a little: until something happens, or a second. */
static int
s3_pump(struct s3_stream *s)
{
	CURLMcode mc;
	CURLMsg *msg;
	int running, left;

	mc = curl_multi_perform(s->multi, &running);
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE) {
			s->done = 1;
			s->result = msg->data.result;
		}
	}
	if (mc == CURLM_OK && !s->done && s->len == s->off)
		mc = curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	if (mc != CURLM_OK) {
		snprintf(s->curl_err, sizeof(s->curl_err), "%s",
		    curl_multi_strerror(mc));
		s->done = 1;
		s->result = CURLE_RECV_ERROR;
		return -EIO;
	}
	return 0;
}

static int
s3_transfer_errno(CURLcode cc)
{
	return cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
}

/* The failed response of an open, as a message and an errno. */
static int
s3_failure(struct s3_stream *s, char *err, size_t errlen)
{
	char why[512];

	if (s->status < 300) {
		errf(err, errlen, "%s: %s", s->what, s->curl_err[0] ?
		    s->curl_err : curl_easy_strerror(s->result));
		return s3_transfer_errno(s->result);
	}
	aws_error_text(s->status, s->errbody, why, sizeof(why));
	errf(err, errlen, "%s: %s%s%s%s", s->what, why,
	    s->bucket_region[0] ? " (the bucket is in region " : "",
	    s->bucket_region, s->bucket_region[0] ? ")" : "");
	switch (s->status) {
	case 404:
		return -ENOENT;
	case 403:
		return -EACCES;
	case 301:
	case 400:
		return -EINVAL;
	case 429:
		return -EAGAIN;
	default:
		return s->status >= 500 ? -EAGAIN : -EIO;
	}
}

static void
s3_free(struct s3_stream *s)
{
	if (s == NULL)
		return;
	if (s->multi != NULL && s->easy != NULL)
		curl_multi_remove_handle(s->multi, s->easy);
	if (s->easy != NULL)
		curl_easy_cleanup(s->easy);
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	free_headers(s->headers);
	free(s->what);
	free(s);
}

static ssize_t
s3_read(void *ctx, void *buf, size_t cap)
{
	struct s3_stream *s = ctx;
	size_t n;

	while (s->off == s->len) {
		if (s->done && s->result == CURLE_OK)
			return 0;
		if (s->done) {
			ce_log(CE_LOG_ERROR, "aws", "%s: %s", s->what,
			    s->curl_err[0] ? s->curl_err :
			    curl_easy_strerror(s->result));
			return s3_transfer_errno(s->result);
		}
		if (s3_pump(s) < 0)
			continue;
	}
	n = s->len - s->off < cap ? s->len - s->off : cap;
	memcpy(buf, s->buf + s->off, n);
	s->off += n;
	if (s->off == s->len) {
		s->off = s->len = 0;
		if (s->paused) {
			/* May call s3_write at once, and pause again. */
			s->paused = 0;
			curl_easy_pause(s->easy, CURLPAUSE_CONT);
		}
	}
	return (ssize_t)n;
}

static void
s3_close(void *ctx)
{
	s3_free(ctx);
}

/* Lower-case letters, digits and hyphens: the bucket can be a host label. */
static int
bucket_dns_ok(const char *b)
{
	return label_ok(b) && b[0] != '-' && b[strlen(b) - 1] != '-';
}

static int
bucket_ok(const char *b)
{
	size_t n = strlen(b);

	if (n == 0 || n > 255)
		return 0;
	return strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_") == n;
}

/* https://BUCKET.s3.REGION... or ENDPOINT/BUCKET, then /KEY encoded. */
static char *
s3_url(const char *endpoint, const char *bucket, const char *key,
    int path_style)
{
	const char *host = strstr(endpoint, "://") + 3;
	char *k = pct_encode(key, 1), *url = NULL;
	size_t len;

	if (k == NULL)
		return NULL;
	len = strlen(endpoint) + strlen(bucket) + strlen(k) + 4;
	if ((url = malloc(len)) != NULL && path_style)
		snprintf(url, len, "%s/%s/%s", endpoint, bucket, k);
	else if (url != NULL)
		snprintf(url, len, "%.*s%s.%s/%s", (int)(host - endpoint),
		    endpoint, bucket, host, k);
	free(k);
	return url;
}

/* The signed GET, on an easy handle; secrets go only into curl. */
static int
s3_setup(struct s3_stream *s, const char *url, const char *region,
    const struct ce_aws_credentials *c, long timeout_ms)
{
	char sigv4[96];
	CURL *h = s->easy;

	easy_defaults(h, s->curl_err, timeout_ms, CONNECT_TIMEOUT_MS);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", region);
	if (add_header(&s->headers, "x-amz-content-sha256",
	    EMPTY_SHA256) < 0 || (c->session_token[0] != '\0' &&
	    add_header(&s->headers, "X-Amz-Security-Token",
	    c->session_token) < 0))
		return -ENOMEM;
	/* S3 keys are taken literally: "a/../b" is not "b". */
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERNAME, c->access_key_id) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret_access_key) !=
	    CURLE_OK)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s3_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, s3_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
	return 0;
}

static char *
s3_what(const char *bucket, const char *key)
{
	size_t len = strlen(bucket) + strlen(key) + sizeof("s3:///");
	char *w = malloc(len);

	if (w != NULL)
		snprintf(w, len, "s3://%s/%s", bucket, key);
	return w;
}

int
ce_s3_open(const char *bucket, const char *key,
    const struct ce_s3_options *opts, struct ce_stream *out, char *err,
    size_t errlen)
{
	struct ce_s3_options none = { 0 };
	struct ce_aws_credentials c;
	struct s3_stream *s = NULL;
	char region[64], endpoint[512], *url = NULL;
	int64_t deadline;
	int custom, rc;

	memset(&c, 0, sizeof(c));
	if (opts == NULL)
		opts = &none;
	if (bucket == NULL || key == NULL || !bucket_ok(bucket) ||
	    *key == '\0') {
		errf(err, errlen, "invalid S3 bucket or key");
		return -EINVAL;
	}
	rc = opts->region ? copy_str(region, sizeof(region), opts->region) :
	    ce_aws_region(region, sizeof(region));
	if (rc < 0 || !label_ok(region)) {
		errf(err, errlen, "s3://%s/%s: invalid region '%.64s'", bucket,
		    key, opts->region ? opts->region : "");
		return -EINVAL;
	}
	rc = endpoint_resolve("s3", opts->endpoint, region, endpoint,
	    sizeof(endpoint), &custom);
	if (rc < 0) {
		errf(err, errlen, "s3://%s/%s: cannot resolve the S3 endpoint",
		    bucket, key);
		return rc;
	}
	if ((rc = curl_ready(err, errlen)) < 0 ||
	    (rc = ce_aws_credentials(&c, err, errlen)) < 0)
		return rc;
	rc = -ENOMEM;
	url = s3_url(endpoint, bucket, key,
	    opts->path_style || custom || !bucket_dns_ok(bucket));
	if (url == NULL || (s = calloc(1, sizeof(*s))) == NULL ||
	    (s->what = s3_what(bucket, key)) == NULL ||
	    (s->easy = curl_easy_init()) == NULL ||
	    (s->multi = curl_multi_init()) == NULL ||
	    s3_setup(s, url, region, &c, opts->timeout_ms) < 0 ||
	    curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
		errf(err, errlen, "s3://%s/%s: out of memory", bucket, key);
		goto fail;
	}
	/* Wait for the status, so that a missing object fails here. */
	deadline = now_ms() + (opts->timeout_ms > 0 ? opts->timeout_ms :
	    S3_HEADERS_TIMEOUT_MS);
	while (!s->headers_done && !s->done && now_ms() < deadline)
		s3_pump(s);
	if (!s->headers_done && !s->done) {
		errf(err, errlen, "s3://%s/%s: no response", bucket, key);
		rc = -ETIMEDOUT;
		goto fail;
	}
	while (s->status >= 300 && !s->done)
		s3_pump(s);
	if (s->status >= 300 || (s->done && s->result != CURLE_OK)) {
		rc = s3_failure(s, err, errlen);
		goto fail;
	}
	out->read = s3_read;
	out->close = s3_close;
	out->ctx = s;
	explicit_bzero(&c, sizeof(c));
	free(url);
	return 0;
fail:
	explicit_bzero(&c, sizeof(c));
	s3_free(s);
	free(url);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lambda Runtime API                                                  */
/* ------------------------------------------------------------------ */

/* {"errorMessage":..., "errorType":..., "stackTrace":[]} */
static char *
lambda_error_body(const char *type, const char *message)
{
	struct json_object *o = json_object_new_object();
	char *body = NULL;

	if (o == NULL)
		return NULL;
	if (json_object_object_add(o, "errorMessage",
	    json_object_new_string(message)) == 0 &&
	    json_object_object_add(o, "errorType",
	    json_object_new_string(type)) == 0 &&
	    json_object_object_add(o, "stackTrace",
	    json_object_new_array()) == 0)
		body = strdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return body;
}

static int
error_type_ok(const char *t)
{
	if (t == NULL || *t == '\0' || strlen(t) > 128)
		return 0;
	for (; *t != '\0'; t++)
		if (*t < 0x21 || *t > 0x7e)
			return 0;
	return 1;
}

int
ce_lambda_init_error(const char *error_type, const char *message)
{
	const char *api = env("AWS_LAMBDA_RUNTIME_API");
	struct http_call call = { .method = "POST", .direct = 1,
	    .timeout_ms = LAMBDA_TIMEOUT_MS, .connect_ms = CONNECT_TIMEOUT_MS };
	struct http_reply r = { 0 };
	char url[384], why[512];
	int rc = -ENOMEM;

	if (api == NULL)
		return -ENOENT;
	if (!error_type_ok(error_type))
		error_type = "Runtime.UnknownReason";
	snprintf(url, sizeof(url), "http://%s/2018-06-01/runtime/init/error",
	    api);
	call.url = url;
	call.body = lambda_error_body(error_type, message ? message : "");
	if (call.body == NULL ||
	    add_header(&call.headers, "Lambda-Runtime-Function-Error-Type",
	    error_type) < 0 ||
	    add_header(&call.headers, "Content-Type",
	    "application/json") < 0) {
		ce_log(CE_LOG_ERROR, "aws", "reporting the init error: out of "
		    "memory");
		goto out;
	}
	if ((rc = http_do(&call, &r, why, sizeof(why))) == 0 &&
	    (r.status < 200 || r.status > 299)) {
		snprintf(why, sizeof(why), "POST %s: HTTP %ld", url, r.status);
		rc = -EIO;
	}
	if (rc < 0)
		ce_log(CE_LOG_ERROR, "aws", "reporting the init error to the "
		    "Lambda Runtime API failed: %s", why);
out:
	http_reply_free(&r);
	free_headers(call.headers);
	free((char *)call.body);
	return rc;
}
