/*
 * sqs_client.c - one SQS JSON-protocol call at a time over a kept-alive
 * libcurl handle, signed with SigV4 by libcurl from the host's current
 * credentials, with every secret kept out of answers and logs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sqs.h"

/* Ten messages of 1 MiB, each escaped in the worst case, and change. */
#define ANSWER_MAX	(64u * 1024 * 1024)
#define USER_AGENT	"cloudengine-sqs/1.0"

struct sqs_client {
	ce_instance		*self;
	const struct ce_host	*host;
	CURL			*curl;
	int			 global;	/* curl_global_init() done */
	char			*url;		/* endpoint + "/" */
	char			 sigv4[96];	/* "aws:amz:REGION:sqs" */
	atomic_int		 abort;
	char			*body;		/* the last answer */
	size_t			 len, cap;
	int			 too_big;
	char			 query_error[128];
	char			 curl_err[CURL_ERROR_SIZE];
};

static size_t
on_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct sqs_client *c = arg;
	size_t bytes = size * n, cap;
	char *p;

	if (bytes > ANSWER_MAX - c->len) {
		c->too_big = 1;
		return 0;
	}
	if (c->len + bytes + 1 > c->cap) {
		for (cap = c->cap ? c->cap : 16384; cap < c->len + bytes + 1;)
			cap *= 2;
		if ((p = realloc(c->body, cap)) == NULL)
			return 0;
		c->body = p;
		c->cap = cap;
	}
	memcpy(c->body + c->len, ptr, bytes);
	c->len += bytes;
	c->body[c->len] = '\0';
	return bytes;
}

static size_t
on_header(char *ptr, size_t size, size_t n, void *arg)
{
	static const char name[] = "x-amzn-query-error:";
	struct sqs_client *c = arg;
	size_t bytes = size * n, nl = sizeof(name) - 1, vl;

	if (bytes > nl && strncasecmp(ptr, name, nl) == 0) {
		for (ptr += nl, bytes -= nl; bytes > 0 && *ptr == ' '; bytes--)
			ptr++;
		for (vl = 0; vl < bytes && vl + 1 < sizeof(c->query_error) &&
		    ptr[vl] != '\r' && ptr[vl] != '\n'; vl++)
			c->query_error[vl] = ptr[vl];
		c->query_error[vl] = '\0';
	}
	return size * n;
}

/* Lets sqs_client_abort() end a long poll within a second. */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct sqs_client *c = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(&c->abort) ? 1 : 0;
}

/* The options every call shares; 0 or -ENOMEM. */
static int
set_defaults(struct sqs_client *c, const struct sqs_client_conf *conf)
{
	CURL *h = c->curl;

	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)conf->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK ||
	    (conf->ca_bundle != NULL && curl_easy_setopt(h, CURLOPT_CAINFO,
	    conf->ca_bundle) != CURLE_OK))
		return -ENOMEM;
	return 0;
}

int
sqs_client_new(ce_instance *self, const struct ce_host *host,
    const struct sqs_client_conf *conf, struct sqs_client **out)
{
	struct sqs_client *c;
	const char *why = "out of memory";
	size_t n = strlen(conf->endpoint) + 2;
	int rc = -ENOMEM;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->self = self;
	c->host = host;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		why = "libcurl initialisation failed";
		rc = -EIO;
		goto fail;
	}
	c->global = 1;
	if ((c->url = malloc(n)) == NULL ||
	    (c->curl = curl_easy_init()) == NULL)
		goto fail;
	snprintf(c->url, n, "%s/", conf->endpoint);
	/* Region and service always explicit: curl would guess them from
	 * the host name, and guess wrong for anything but AWS's own. */
	snprintf(c->sigv4, sizeof(c->sigv4), "aws:amz:%s:sqs", conf->region);
	if (set_defaults(c, conf) < 0)
		goto fail;
	if (curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, c->sigv4) !=
	    CURLE_OK) {
		why = "this libcurl cannot sign AWS requests (CURLOPT_AWS_SIGV4 "
		    "needs libcurl 7.75 or later)";
		rc = -ENOTSUP;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	CE_ERROR(host, self, "%s", why);
	sqs_client_free(c);
	return rc;
}

void
sqs_client_free(struct sqs_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL) {
		/* The handle keeps the last secret it signed with. */
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, "");
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, "");
		curl_easy_cleanup(c->curl);
	}
	if (c->global)
		curl_global_cleanup();
	free(c->url);
	free(c->body);
	free(c);
}

void
sqs_client_abort(struct sqs_client *c)
{
	atomic_store(&c->abort, 1);
}

/* Append "name: value", the line wiped before it is freed. */
static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 3;
	struct curl_slist *l;
	char *line = malloc(len);

	if (line == NULL)
		return -ENOMEM;
	snprintf(line, len, "%s: %s", name, value);
	l = curl_slist_append(*list, line);
	explicit_bzero(line, len);
	free(line);
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

static void
fail_with(struct sqs_answer *a, const char *code, int retryable,
    const char *message)
{
	snprintf(a->error.code, sizeof(a->error.code), "%s", code);
	snprintf(a->error.message, sizeof(a->error.message), "%s", message);
	a->error.retryable = retryable;
}

/* Credentials and headers onto the handle; the caller wipes both. */
static int
prepare(struct sqs_client *c, const char *op, const char *body,
    struct ce_aws_credentials *cr, struct curl_slist **headers,
    struct sqs_answer *a)
{
	char target[64];

	memset(cr, 0, sizeof(*cr));
	cr->size = sizeof(*cr);
	if (c->host->aws_credentials(c->self, cr) < 0) {
		/* The host logged why; it may find some later. */
		fail_with(a, "NoCredentials", 1, "no AWS credentials");
		return -EIO;
	}
	snprintf(target, sizeof(target), "AmazonSQS.%s", op);
	/* No blank header: curl 7.88 would sign it without sending it. */
	if (add_header(headers, "Content-Type",
	    "application/x-amz-json-1.0") < 0 ||
	    add_header(headers, "X-Amz-Target", target) < 0 ||
	    (cr->session_token[0] != '\0' && add_header(headers,
	    "X-Amz-Security-Token", cr->session_token) < 0)) {
		fail_with(a, "NoMemory", 1, "out of memory");
		return -EIO;
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, *headers);
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, cr->access_key_id);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, cr->secret_access_key);
	/* Only POSTFIELDS is hashed into the signature. */
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	return 0;
}

int
sqs_call(struct sqs_client *c, const char *op, const char *body,
    int64_t timeout_ms, struct sqs_answer *a)
{
	struct ce_aws_credentials cr;
	struct curl_slist *headers = NULL;
	CURLcode cc;
	int rc = -EIO;

	memset(a, 0, sizeof(*a));
	c->len = 0;
	c->too_big = 0;
	c->query_error[0] = '\0';
	c->curl_err[0] = '\0';
	if (c->body != NULL)
		c->body[0] = '\0';
	if (atomic_load(&c->abort)) {
		a->aborted = 1;
		fail_with(a, "Aborted", 1, "stopping");
		return -EIO;
	}
	if (prepare(c, op, body, &cr, &headers, a) < 0)
		goto out;
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	cc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	if (cc != CURLE_OK) {
		a->aborted = cc == CURLE_ABORTED_BY_CALLBACK;
		fail_with(a, a->aborted ? "Aborted" : c->too_big ?
		    "AnswerTooLarge" : cc == CURLE_OPERATION_TIMEDOUT ?
		    "Timeout" : "Connection", 1, c->too_big ?
		    "the answer is larger than 64 MiB" : c->curl_err[0] ?
		    c->curl_err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &a->status);
	a->body = c->body != NULL ? c->body : (char *)"";
	a->len = c->len;
	if (a->status < 200 || a->status > 299) {
		sqs_parse_error(a->status, a->body, a->len, c->query_error,
		    &a->error);
		goto out;
	}
	rc = 0;
out:
	free_headers(headers);
	explicit_bzero(&cr, sizeof(cr));
	return rc;
}
