/*
 * http.c - the HTTP client of the output plugins: a libcurl easy handle
 * per instance, set up once and reused, and the translation of each
 * request's result into a delivery outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "json.h"

/* How much of a refused request's answer goes into the reason. */
#define HTTP_EXCERPT_CHARS	300

struct oc_http {
	ce_instance		*self;
	const struct ce_host	*host;
	CURL			*curl;
	int			 global;	/* curl_global_init() succeeded */
	int64_t			 connect_timeout_ms;
	int64_t			 timeout_ms;
	char			 errbuf[CURL_ERROR_SIZE];
	struct oc_json		 body;		/* the answer's first bytes */
	char			 retry_after[64];
	char			 ratelimit_reset[64];
	char			**secrets;
	size_t			 nsecrets;
	ce_metric		*m_requests;
	ce_metric		*m_unanswered;
	ce_metric		*m_refused;
};

/* CA bundles of the usual distributions, in the order they are tried. */
static const char *const http_ca_files[] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Ubuntu, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL, Amazon Linux */
	"/etc/ssl/ca-bundle.pem",		/* openSUSE */
	"/etc/ssl/cert.pem",			/* macOS, BSDs */
	NULL
};

static int64_t
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
http_count(const struct oc_http *h, ce_metric *m)
{
	if (m != NULL)
		h->host->metric_add(m, 1);
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */
/* ------------------------------------------------------------------ */

static size_t
http_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct oc_http *h = arg;
	size_t n = size * nmemb, room;

	/* Keep the start, read the rest: the connection stays reusable. */
	if (h->body.len < OC_HTTP_BODY_MAX) {
		room = OC_HTTP_BODY_MAX - h->body.len;
		oc_json_raw(&h->body, p, n < room ? n : room);
	}
	return n;
}

/* If line is "name: value", copy the value into out. */
static void
http_header_value(const char *line, size_t n, const char *name, char *out,
    size_t cap)
{
	size_t nlen = strlen(name), vlen;

	if (n <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
		return;
	line += nlen + 1;
	n -= nlen + 1;
	vlen = n < cap - 1 ? n : cap - 1;
	memcpy(out, line, vlen);
	out[vlen] = '\0';
}

static size_t
http_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct oc_http *h = arg;
	size_t n = size * nmemb;

	/* A new status line (after a 100 Continue, a proxy's CONNECT):
	 * only the final answer's headers count. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		h->retry_after[0] = '\0';
		h->ratelimit_reset[0] = '\0';
		return n;
	}
	http_header_value(p, n, "Retry-After", h->retry_after,
	    sizeof(h->retry_after));
	http_header_value(p, n, "X-RateLimit-Reset", h->ratelimit_reset,
	    sizeof(h->ratelimit_reset));
	return n;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */
/* ------------------------------------------------------------------ */

static int
http_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The CA bundle to use: the option, the environment, or the first
 * system bundle that exists; NULL leaves libcurl's built-in default. */
static const char *
http_ca_bundle(struct oc_http *h, const char *option)
{
	static const char *const vars[] = { "SSL_CERT_FILE", "CURL_CA_BUNDLE" };
	const char *v;
	size_t i;

	if (option != NULL)
		return option;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		if (access(v, R_OK) == 0)
			return v;
		CE_WARNING(h->host, h->self, "%s=%s: %s; looking further",
		    vars[i], v, strerror(errno));
	}
	for (i = 0; http_ca_files[i] != NULL; i++)
		if (access(http_ca_files[i], R_OK) == 0)
			return http_ca_files[i];
	return NULL;
}

static int
http_setup_tls(struct oc_http *h, const char *option)
{
	const char *ca = http_ca_bundle(h, option);
	CURLcode rc = CURLE_OK;

	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca == NULL) {
		CE_DEBUG(h->host, h->self, "CA certificates: libcurl's default");
		return 0;
	}
	if (access(ca, R_OK) != 0) {
		CE_ERROR(h->host, h->self, "ca_bundle: %s: %s", ca,
		    strerror(errno));
		return -EINVAL;
	}
	if (http_is_dir(ca))
		rc = curl_easy_setopt(h->curl, CURLOPT_CAPATH, ca);
	else
		rc = curl_easy_setopt(h->curl, CURLOPT_CAINFO, ca);
	if (rc != CURLE_OK) {
		CE_ERROR(h->host, h->self, "ca_bundle: %s: %s", ca,
		    curl_easy_strerror(rc));
		return -EINVAL;
	}
	CE_DEBUG(h->host, h->self, "CA certificates: %s", ca);
	return 0;
}

/* Options that hold for every request of the instance. */
static int
http_setup(struct oc_http *h, const struct oc_http_conf *conf,
    const char *user_agent)
{
	CURL *c = h->curl;

	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	/* A redirect would carry the credentials elsewhere. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (user_agent != NULL)
		curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent);
	/* Without the option libcurl reads the *_proxy variables itself;
	 * "" is no proxy at all, whatever the environment says. */
	if (conf->proxy != NULL &&
	    curl_easy_setopt(c, CURLOPT_PROXY, conf->proxy) != CURLE_OK) {
		CE_ERROR(h->host, h->self, "proxy: not supported by libcurl");
		return -EINVAL;
	}
	return http_setup_tls(h, conf->ca_bundle);
}

int
oc_http_new(ce_instance *self, const struct ce_host *host,
    const struct oc_http_conf *conf, const char *user_agent,
    struct oc_http **out)
{
	struct oc_http *h;
	int rc = -ENOMEM;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	h->self = self;
	h->host = host;
	h->connect_timeout_ms = conf->connect_timeout_ms > 0 ?
	    conf->connect_timeout_ms : 5000;
	h->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 15000;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		CE_ERROR(host, self, "libcurl initialisation failed");
		rc = -EIO;
		goto fail;
	}
	h->global = 1;
	if ((h->curl = curl_easy_init()) == NULL) {
		CE_ERROR(host, self, "cannot create a libcurl handle");
		goto fail;
	}
	if ((rc = http_setup(h, conf, user_agent)) < 0)
		goto fail;
	h->m_requests = host->metric_new(self, "http_requests",
	    "HTTP requests sent");
	h->m_unanswered = host->metric_new(self, "http_unanswered",
	    "HTTP requests that got no answer (connection, timeout)");
	h->m_refused = host->metric_new(self, "http_not_2xx",
	    "HTTP answers other than 2xx");
	*out = h;
	return 0;
fail:
	oc_http_free(h);
	return rc;
}

void
oc_http_free(struct oc_http *h)
{
	size_t i;

	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->global)
		curl_global_cleanup();
	for (i = 0; i < h->nsecrets; i++) {
		explicit_bzero(h->secrets[i], strlen(h->secrets[i]));
		free(h->secrets[i]);
	}
	free(h->secrets);
	oc_json_free(&h->body);
	free(h);
}

int
oc_http_secret(struct oc_http *h, const char *secret)
{
	char **grown;

	if (secret == NULL || strlen(secret) < 4)
		return 0;
	grown = realloc(h->secrets, (h->nsecrets + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	h->secrets = grown;
	if ((h->secrets[h->nsecrets] = strdup(secret)) == NULL)
		return -ENOMEM;
	h->nsecrets++;
	return 0;
}

int
oc_http_output_open(ce_instance *self, const struct ce_host *host,
    const struct oc_http_conf *conf, const char *user_agent,
    const char *secret, struct oc_fields *fields, struct oc_http **http)
{
	int rc;

	if ((rc = oc_fields_init(fields, self, host)) < 0 ||
	    (rc = oc_http_new(self, host, conf, user_agent, http)) < 0)
		return rc;
	if (oc_http_secret(*http, secret) < 0) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

CURL *
oc_http_curl(struct oc_http *h)
{
	return h->curl;
}

char *
oc_http_join(const char *base, const char *path)
{
	size_t blen = strlen(base), plen = strlen(path);
	char *url;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((url = malloc(blen + plen + 1)) == NULL)
		return NULL;
	memcpy(url, base, blen);
	memcpy(url + blen, path, plen + 1);
	return url;
}

static int
http_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

int
oc_http_check_url(struct oc_http *h, const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *hostname = NULL, *port = NULL, *path = NULL;
	int rc = -EINVAL;

	if (u == NULL) {
		CE_ERROR(h->host, h->self, "out of memory");
		return -ENOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &hostname, 0) != CURLUE_OK) {
		CE_ERROR(h->host, h->self, "endpoint: '%s' is not a URL "
		    "(expected https://host[:port][/path])", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		CE_ERROR(h->host, h->self, "endpoint: scheme '%s' is not "
		    "supported (expected https or http)", scheme);
		goto out;
	}
	if (strcmp(scheme, "http") == 0 && !http_loopback(hostname))
		CE_WARNING(h->host, h->self, "endpoint: plain http to %s: "
		    "credentials and alerts travel unencrypted", hostname);
	/* Said without user information or query, which may hold secrets. */
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	CE_DEBUG(h->host, h->self, "requests go to %s://%s%s%s%s", scheme,
	    hostname, port != NULL ? ":" : "", port != NULL ? port : "",
	    path != NULL ? path : "");
	rc = 0;
out:
	curl_free(scheme);
	curl_free(hostname);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static struct curl_slist *
http_headers(const char *const *headers, int *oom)
{
	struct curl_slist *list = NULL, *next;

	*oom = 0;
	for (; headers != NULL && *headers != NULL; headers++) {
		if ((next = curl_slist_append(list, *headers)) == NULL) {
			curl_slist_free_all(list);
			*oom = 1;
			return NULL;
		}
		list = next;
	}
	return list;
}

static void
http_no_answer(struct oc_http_response *r, CURLcode code, const char *why)
{
	r->curl_code = (int)code;
	snprintf(r->error, sizeof(r->error), "%s",
	    why != NULL && *why != '\0' ? why : curl_easy_strerror(code));
}

/* What the answer asked: Retry-After first, else the rate-limit reset. */
static int64_t
http_retry_after(const struct oc_http *h)
{
	time_t now = time(NULL);
	int64_t ms = -1;

	if (h->retry_after[0] != '\0')
		ms = oc_retry_after_ms(h->retry_after, now);
	if (ms < 0 && h->ratelimit_reset[0] != '\0')
		ms = oc_ratelimit_reset_ms(h->ratelimit_reset, now);
	return ms;
}

/* Milliseconds the request may take, or 0 when the deadline is past. */
static int64_t
http_budget(const struct oc_http *h, int64_t deadline_ms)
{
	int64_t left;

	if (deadline_ms <= 0)
		return h->timeout_ms;
	left = deadline_ms - now_ms(CLOCK_REALTIME);
	if (left <= 0)
		return 0;
	return left < h->timeout_ms ? left : h->timeout_ms;
}

int
oc_http_post(struct oc_http *h, const char *url, const char *const *headers,
    const void *body, size_t len, int64_t deadline_ms,
    struct oc_http_response *r)
{
	struct curl_slist *list;
	int64_t budget = http_budget(h, deadline_ms), start;
	CURLcode code;
	int oom;

	*r = (struct oc_http_response){ .retry_after_ms = -1 };
	oc_json_reset(&h->body);
	h->errbuf[0] = h->retry_after[0] = h->ratelimit_reset[0] = '\0';
	r->body = "";
	if (budget == 0) {
		http_no_answer(r, CURLE_OPERATION_TIMEDOUT,
		    "the delivery deadline has passed; not sent");
		return -EIO;
	}
	if ((list = http_headers(headers, &oom)) == NULL && oom) {
		http_no_answer(r, CURLE_OUT_OF_MEMORY, NULL);
		return -EIO;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)budget);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(budget < h->connect_timeout_ms ? budget :
	    h->connect_timeout_ms));
	start = now_ms(CLOCK_MONOTONIC);
	code = curl_easy_perform(h->curl);
	r->elapsed_ms = now_ms(CLOCK_MONOTONIC) - start;
	/* Nothing of this request may linger on the reused handle. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(list);
	http_count(h, h->m_requests);
	if (code != CURLE_OK) {
		http_no_answer(r, code, h->errbuf);
		http_count(h, h->m_unanswered);
		return -EIO;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = h->body.data != NULL ? h->body.data : "";
	r->body_len = h->body.len;
	r->retry_after_ms = http_retry_after(h);
	if (r->status < 200 || r->status > 299)
		http_count(h, h->m_refused);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Outcomes                                                            */
/* ------------------------------------------------------------------ */

/* A text cut at a byte count may end inside a character: drop it. */
static void
http_utf8_tail(char *text)
{
	size_t n = strlen(text), lead = n;

	while (lead > 0 && ((unsigned char)text[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || (unsigned char)text[lead - 1] < 0x80)
		return;
	lead--;
	if (oc_utf8_seq((const unsigned char *)text + lead, n - lead) !=
	    n - lead)
		text[lead] = '\0';
}

/* Replace every secret in text (NUL-terminated, in a buffer of cap
 * bytes) by "<redacted>", cutting the end if the text grows. */
static void
http_redact(const struct oc_http *h, char *text, size_t cap)
{
	static const char mask[] = "<redacted>";
	size_t i, slen, tail, room;
	int cut = 0;
	char *at;

	for (i = 0; i < h->nsecrets; i++) {
		slen = strlen(h->secrets[i]);
		at = text;
		while ((at = strstr(at, h->secrets[i])) != NULL) {
			tail = strlen(at + slen) + 1;
			room = cap - (size_t)(at - text);
			if (room <= sizeof(mask) - 1) {
				*at = '\0';
				break;
			}
			if (tail > room - (sizeof(mask) - 1)) {
				tail = room - (sizeof(mask) - 1);
				cut = 1;
			}
			memmove(at + sizeof(mask) - 1, at + slen, tail);
			memcpy(at, mask, sizeof(mask) - 1);
			text[cap - 1] = '\0';
			at += sizeof(mask) - 1;
		}
	}
	if (cut)
		http_utf8_tail(text);
}

/* The start of an answer's body as one line of valid UTF-8: control
 * characters become spaces, invalid bytes U+FFFD. */
static void
http_excerpt(const char *body, size_t len, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)body;
	size_t i = 0, o = 0, chars = 0, seq;

	while (i < len && chars < HTTP_EXCERPT_CHARS && o + 8 < cap) {
		seq = oc_utf8_seq(s + i, len - i);
		if (seq == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else if (seq == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			i++;
		} else {
			memcpy(out + o, s + i, seq);
			o += seq;
			i += seq;
		}
		chars++;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (i < len && o + 4 < cap) {
		memcpy(out + o, "\xe2\x80\xa6", 3);	/* U+2026 */
		o += 3;
	}
	out[o] = '\0';
}

void
oc_http_outcome(struct oc_http *h, const struct oc_http_response *r,
    struct oc_outcome *o)
{
	char excerpt[4 * HTTP_EXCERPT_CHARS + 8], delay[48] = "";

	o->status = oc_outcome_status(r->curl_code, r->status);
	o->retry_after_ms = 0;
	o->reason[0] = '\0';
	if (r->curl_code != 0) {
		snprintf(o->reason, sizeof(o->reason), "no answer: %s",
		    r->error);
	} else if (o->status != CE_DELIVERY_OK) {
		if (o->status == CE_DELIVERY_RETRY && r->retry_after_ms >= 0) {
			o->retry_after_ms = r->retry_after_ms;
			snprintf(delay, sizeof(delay), " (asked to wait %lld ms)",
			    (long long)r->retry_after_ms);
		}
		http_excerpt(r->body, r->body_len, excerpt, sizeof(excerpt));
		snprintf(o->reason, sizeof(o->reason), "HTTP %ld%s%s%s%s",
		    r->status, delay,
		    r->status >= 300 && r->status < 400 ?
		    " (redirects are not followed)" : "",
		    excerpt[0] != '\0' ? ": " : "", excerpt);
	}
	http_redact(h, o->reason, sizeof(o->reason));
}

void
oc_http_deliver(struct oc_http *h, ce_delivery *d, const char *url,
    const char *const *headers, const void *body, size_t len,
    int64_t deadline_ms)
{
	struct oc_http_response r;
	struct oc_outcome o;

	oc_http_post(h, url, headers, body, len, deadline_ms, &r);
	oc_http_outcome(h, &r, &o);
	if (r.curl_code == 0)
		CE_DEBUG(h->host, h->self, "HTTP %ld in %lld ms", r.status,
		    (long long)r.elapsed_ms);
	h->host->complete(d, o.status, o.retry_after_ms,
	    o.reason[0] != '\0' ? o.reason : NULL);
}
