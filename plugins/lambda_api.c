/*
 * lambda_api.c - the AWS Lambda Runtime API client over libcurl: one
 * connection to the loopback endpoint, a /next that waits for as long as
 * it takes yet can be interrupted, and answers posted exactly as sent.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lambda_api.h"

#define API_VERSION		"2018-06-01"
#define ENDPOINT_MAX		255
#define CONNECT_TIMEOUT_MS	2000L	/* loopback: only a dead API takes long */
#define POST_TIMEOUT_MS		10000L	/* an answer is accepted at once */
#define NEXT_ATTEMPTS		3	/* as aws-lambda-cpp: then the runtime exits */
#define POST_ATTEMPTS		2	/* a kept-alive connection may have died
					 * while the sandbox was frozen */
#define REPLY_KEEP		2048	/* bytes of an answer's reply kept for errors */
#define POLL_MS			60000	/* curl_multi_poll() wakes for curl's own
					 * timers and for interrupts anyway */

/* A response body being received. */
struct api_body {
	char	*data;		/* NUL-terminated */
	size_t	 len, cap;
	size_t	 max;
	int	 abort_when_full;	/* /next: refuse; replies: truncate */
	int	 too_big;
};

struct lambda_api {
	char			*base;		/* http://host:port/2018-06-01 */
	size_t			 max_payload;
	CURLM			*multi;
	CURL			*easy;
	atomic_int		 interrupted;
	struct lambda_next	*next;		/* headers of /next land here */
	struct api_body		 body;
	char			 errbuf[CURL_ERROR_SIZE];
};

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

int
lambda_api_endpoint_ok(const char *endpoint, char *err, size_t errlen)
{
	const char *colon, *p;
	long port;

	if (endpoint == NULL || *endpoint == '\0') {
		errf(err, errlen, "no Runtime API endpoint");
		return -EINVAL;
	}
	if (strlen(endpoint) > ENDPOINT_MAX) {
		errf(err, errlen, "Runtime API endpoint longer than %d bytes",
		    ENDPOINT_MAX);
		return -EINVAL;
	}
	for (p = endpoint; *p != '\0'; p++)
		if (*p == '/' || !isgraph((unsigned char)*p)) {
			errf(err, errlen, "Runtime API endpoint '%s': expected "
			    "host:port, with no scheme and no path", endpoint);
			return -EINVAL;
		}
	colon = strrchr(endpoint, ':');
	if (colon == NULL || colon == endpoint || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || (port = strtol(colon + 1, NULL, 10)) < 1 ||
	    port > 65535) {
		errf(err, errlen, "Runtime API endpoint '%s': expected "
		    "host:port with a port from 1 to 65535", endpoint);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */
/* ------------------------------------------------------------------ */

static void
body_reset(struct api_body *b, size_t max, int abort_when_full)
{
	b->len = 0;
	b->max = max;
	b->abort_when_full = abort_when_full;
	b->too_big = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
body_grow(struct api_body *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	if ((p = realloc(b->data, cap)) == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static size_t
api_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct lambda_api *a = arg;
	struct api_body *b = &a->body;
	size_t n = size * nmemb, keep = n;

	if (b->len + n > b->max) {
		b->too_big = 1;
		if (b->abort_when_full)
			return 0;
		keep = b->max - b->len;
	}
	if (body_grow(b, b->len + keep + 1) < 0)
		return 0;
	memcpy(b->data + b->len, ptr, keep);
	b->len += keep;
	b->data[b->len] = '\0';
	return n;
}

/* Copy a header value, trimmed, into dst; too long leaves dst empty. */
static void
header_copy(char *dst, size_t cap, const char *v, size_t len)
{
	dst[0] = '\0';
	if (len < cap) {
		memcpy(dst, v, len);
		dst[len] = '\0';
	}
}

static int
header_is(const char *line, size_t namelen, const char *name)
{
	return strlen(name) == namelen && strncasecmp(line, name, namelen) == 0;
}

/* Names are matched case-insensitively: HTTP says so, and the real
 * service and the emulator spell them differently. */
static size_t
api_header(char *line, size_t size, size_t nitems, void *arg)
{
	struct lambda_api *a = arg;
	struct lambda_next *next = a->next;
	size_t n = size * nitems, namelen, vlen;
	const char *colon, *v;
	char num[32];

	if (next == NULL)
		return n;
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after an interim one): start over. */
		next->request_id[0] = next->trace_id[0] = '\0';
		next->deadline_ms = 0;
		return n;
	}
	if ((colon = memchr(line, ':', n)) == NULL)
		return n;
	namelen = (size_t)(colon - line);
	v = colon + 1;
	vlen = n - namelen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	if (header_is(line, namelen, "Lambda-Runtime-Aws-Request-Id"))
		header_copy(next->request_id, sizeof(next->request_id), v, vlen);
	else if (header_is(line, namelen, "Lambda-Runtime-Trace-Id"))
		header_copy(next->trace_id, sizeof(next->trace_id), v, vlen);
	else if (header_is(line, namelen, "Lambda-Runtime-Deadline-Ms")) {
		header_copy(num, sizeof(num), v, vlen);
		if (num[0] != '\0' && strspn(num, "0123456789") == strlen(num))
			next->deadline_ms = strtoll(num, NULL, 10);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static void
api_setup(struct lambda_api *a, const char *url, long timeout_ms, int fresh)
{
	CURL *h = a->easy;

	curl_easy_reset(h);
	a->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* An HTTP_PROXY in the function's environment must never carry
	 * the loopback Runtime API elsewhere. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, api_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, api_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
}

/*
 * Run the prepared request to its end.  The multi interface is used even
 * for one transfer so that an interruptible wait can be woken from
 * another thread (curl_multi_wakeup).  Returns 0 with *status set,
 * -EINTR, -EFBIG (body over its limit) or -EIO.
 */
static int
api_perform(struct lambda_api *a, int interruptible, long *status,
    char *err, size_t errlen)
{
	CURLcode res = CURLE_OK;
	CURLMsg *msg;
	int running, left, done = 0, rc = 0;

	if (curl_multi_add_handle(a->multi, a->easy) != CURLM_OK) {
		errf(err, errlen, "libcurl refused the request");
		return -EIO;
	}
	for (;;) {
		if (curl_multi_perform(a->multi, &running) != CURLM_OK) {
			rc = -EIO;
			break;
		}
		while ((msg = curl_multi_info_read(a->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == a->easy) {
				res = msg->data.result;
				done = 1;
			}
		if (done)
			break;
		if (interruptible && atomic_load(&a->interrupted)) {
			rc = -EINTR;
			break;
		}
		if (curl_multi_poll(a->multi, NULL, 0, POLL_MS, NULL) != CURLM_OK) {
			rc = -EIO;
			break;
		}
	}
	curl_multi_remove_handle(a->multi, a->easy);
	if (rc == -EINTR) {
		errf(err, errlen, "interrupted");
		return rc;
	}
	if (rc == 0 && res == CURLE_OK) {
		curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, status);
		return 0;
	}
	if (a->body.too_big && a->body.abort_when_full) {
		errf(err, errlen, "payload larger than %zu bytes", a->body.max);
		return -EFBIG;
	}
	errf(err, errlen, "%s", a->errbuf[0] != '\0' ? a->errbuf :
	    res != CURLE_OK ? curl_easy_strerror(res) : "libcurl failed");
	return -EIO;
}

/* Request ids go into a URL path: refuse anything but a plain token. */
static int
request_id_ok(const char *id)
{
	return id[0] != '\0' && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == strlen(id);
}

int
lambda_api_next(struct lambda_api *a, struct lambda_next *next, char *err,
    size_t errlen)
{
	char url[ENDPOINT_MAX + 128];
	long status = 0;
	int attempt, rc;

	memset(next, 0, sizeof(*next));
	snprintf(url, sizeof(url), "%s/runtime/invocation/next", a->base);
	a->next = next;
	for (attempt = 1;; attempt++) {
		body_reset(&a->body, a->max_payload, 1);
		next->request_id[0] = next->trace_id[0] = '\0';
		next->deadline_ms = 0;
		/* No timeout: the sandbox is frozen between invocations, and
		 * a timer would fire the moment it thaws. */
		api_setup(a, url, 0L, attempt > 1);
		rc = api_perform(a, 1, &status, err, errlen);
		if (rc != -EIO || attempt == NEXT_ATTEMPTS)
			break;
	}
	a->next = NULL;
	if (rc == -EIO)
		errf(err, errlen, "GET %s: %s", url, a->errbuf[0] != '\0' ?
		    a->errbuf : "transport failure");
	if (rc == 0 && status != 200) {
		errf(err, errlen, "GET %s: HTTP %ld %.200s", url, status,
		    a->body.data != NULL ? a->body.data : "");
		rc = -EPROTO;
	}
	if ((rc == 0 || rc == -EFBIG) && !request_id_ok(next->request_id)) {
		errf(err, errlen, "GET %s: no usable "
		    "Lambda-Runtime-Aws-Request-Id header", url);
		rc = -EPROTO;
	}
	if (rc < 0)
		return rc;
	/* The body becomes the caller's; an empty one is still a string. */
	if (body_grow(&a->body, 1) < 0) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->body.data[a->body.len] = '\0';
	next->payload = a->body.data;
	next->len = a->body.len;
	a->body.data = NULL;
	a->body.cap = a->body.len = 0;
	return 0;
}

void
lambda_next_clear(struct lambda_next *next)
{
	free(next->payload);
	memset(next, 0, sizeof(*next));
}

void
lambda_api_interrupt(struct lambda_api *a)
{
	atomic_store(&a->interrupted, 1);
	curl_multi_wakeup(a->multi);
}

/* Append to a header list; the list stays whole when memory runs out. */
static int
header_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);

	if (l == NULL)
		return -ENOMEM;
	*list = l;
	return 0;
}

static int
api_post(struct lambda_api *a, const char *url, const char *error_type,
    const char *body, size_t len, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	char line[256];
	long status = 0;
	int attempt, rc = -ENOMEM;

	if (error_type != NULL)
		snprintf(line, sizeof(line),
		    "Lambda-Runtime-Function-Error-Type: %s", error_type);
	/* "Expect:" blank: no 100-continue round trip, as aws-lambda-cpp. */
	if (header_add(&headers, "Content-Type: application/json") < 0 ||
	    header_add(&headers, "Expect:") < 0 ||
	    (error_type != NULL && header_add(&headers, line) < 0)) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (attempt = 1;; attempt++) {
		body_reset(&a->body, REPLY_KEEP, 0);
		api_setup(a, url, POST_TIMEOUT_MS, attempt > 1);
		curl_easy_setopt(a->easy, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDS, body);
		rc = api_perform(a, 0, &status, err, errlen);
		if (rc != -EIO || attempt == POST_ATTEMPTS)
			break;
	}
	if (rc == -EIO)
		errf(err, errlen, "POST %s: %s", url, a->errbuf[0] != '\0' ?
		    a->errbuf : "transport failure");
	else if (rc == 0 && (status < 200 || status > 299)) {
		errf(err, errlen, "POST %s: HTTP %ld %.200s", url, status,
		    a->body.data != NULL ? a->body.data : "");
		rc = status >= 400 && status < 500 ? -EPROTO : -EIO;
	}
out:
	curl_slist_free_all(headers);
	return rc;
}

int
lambda_api_respond(struct lambda_api *a, const char *request_id,
    const char *body, size_t len, char *err, size_t errlen)
{
	char url[ENDPOINT_MAX + 256];

	if (!request_id_ok(request_id) || strlen(request_id) > 127) {
		errf(err, errlen, "unusable request id");
		return -EINVAL;
	}
	snprintf(url, sizeof(url), "%s/runtime/invocation/%s/response",
	    a->base, request_id);
	return api_post(a, url, NULL, body, len, err, errlen);
}

char *
lambda_error_json(const char *error_type, const char *message, size_t *len)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	char *out = NULL;

	if (o == NULL)
		return NULL;
	if (json_object_object_add(o, "errorMessage",
	    json_object_new_string(message)) == 0 &&
	    json_object_object_add(o, "errorType",
	    json_object_new_string(error_type)) == 0 &&
	    json_object_object_add(o, "stackTrace",
	    json_object_new_array()) == 0 &&
	    (s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL &&
	    (out = strdup(s)) != NULL && len != NULL)
		*len = strlen(out);
	json_object_put(o);
	return out;
}

/* The header allows any string; keep it one printable token. */
static const char *
error_type_safe(const char *t)
{
	const char *p;

	if (t == NULL || *t == '\0' || strlen(t) > 128)
		return "Runtime.Unknown";
	for (p = t; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p))
			return "Runtime.Unknown";
	return t;
}

int
lambda_api_fail(struct lambda_api *a, const char *request_id,
    const char *error_type, const char *message, char *err, size_t errlen)
{
	char url[ENDPOINT_MAX + 256], *body;
	size_t len = 0;
	int rc;

	error_type = error_type_safe(error_type);
	if (request_id == NULL)
		snprintf(url, sizeof(url), "%s/runtime/init/error", a->base);
	else if (request_id_ok(request_id) && strlen(request_id) < 128)
		snprintf(url, sizeof(url), "%s/runtime/invocation/%s/error",
		    a->base, request_id);
	else {
		errf(err, errlen, "unusable request id");
		return -EINVAL;
	}
	if ((body = lambda_error_json(error_type, message != NULL ? message :
	    "", &len)) == NULL) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = api_post(a, url, error_type, body, len, err, errlen);
	free(body);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

int
lambda_api_new(struct lambda_api **out, const char *endpoint,
    size_t max_payload, char *err, size_t errlen)
{
	struct lambda_api *a;
	size_t n;
	int rc;

	if ((rc = lambda_api_endpoint_ok(endpoint, err, errlen)) < 0)
		return rc;
	rc = -ENOMEM;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		errf(err, errlen, "out of memory");
		return rc;
	}
	atomic_init(&a->interrupted, 0);
	a->max_payload = max_payload;
	n = strlen("http://") + strlen(endpoint) + strlen("/" API_VERSION) + 1;
	if ((a->base = malloc(n)) == NULL) {
		errf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(a->base, n, "http://%s/" API_VERSION, endpoint);
	if ((a->multi = curl_multi_init()) == NULL ||
	    (a->easy = curl_easy_init()) == NULL) {
		errf(err, errlen, "libcurl cannot make a handle");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	lambda_api_free(a);
	return rc;
}

void
lambda_api_free(struct lambda_api *a)
{
	if (a == NULL)
		return;
	if (a->easy != NULL)
		curl_easy_cleanup(a->easy);
	if (a->multi != NULL)
		curl_multi_cleanup(a->multi);
	free(a->body.data);
	free(a->base);
	free(a);
}
