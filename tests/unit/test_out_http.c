/*
 * test_out_http.c - the output plugins' HTTP client (plugins/common/http.c)
 * against a scripted server on 127.0.0.1: requests as sent, keep-alive,
 * answers turned into outcomes and reasons (delays asked, bodies cut to
 * one line of valid UTF-8, secrets redacted), deadlines, refused
 * connections, option checks; and the CloudTrail fields outputs quote.
 */
#define _GNU_SOURCE		/* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ce_test.h"
#include "common/fields.h"
#include "common/http.h"
#include "common/json.h"
#include "fake_host.h"

/* ------------------------------------------------------------------ */
/* A scripted HTTP/1.1 server, one connection at a time: each request  */
/* gets the next raw answer; NULL drops the connection, "" answers     */
/* nothing (the client times out).                                     */
/* ------------------------------------------------------------------ */

struct peer {
	int			 fd;
	int			 port;
	pthread_t		 thread;
	const char *const	*answers;	/* raw responses; NULL = drop */
	size_t			 nanswers;
	size_t			 served;	/* requests read */
	int			 connections;
	char			 request[16384];	/* the last one */
	size_t			 request_len;
};

/* Read one request (headers and Content-Length body) into p->request;
 * 0, or -1 at the end of the connection. */
static int
peer_read(struct peer *p, int c)
{
	size_t len = 0, want = 0;
	const char *end, *cl;
	ssize_t n;

	for (;;) {
		end = len > 0 ? strstr(p->request, "\r\n\r\n") : NULL;
		if (end != NULL) {
			cl = strcasestr(p->request, "\r\nContent-Length:");
			want = (size_t)(end + 4 - p->request) +
			    (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			if (len >= want)
				break;
		}
		if (len + 1 >= sizeof(p->request))
			return -1;
		n = read(c, p->request + len, sizeof(p->request) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		p->request[len] = '\0';
	}
	p->request_len = len;
	return 0;
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	const char *answer;
	int c;

	while ((c = accept(p->fd, NULL, NULL)) >= 0) {
		p->connections++;
		while (peer_read(p, c) == 0) {
			answer = p->served < p->nanswers ?
			    p->answers[p->served] : NULL;
			p->served++;
			if (answer == NULL ||
			    write(c, answer, strlen(answer)) < 0)
				break;
		}
		close(c);
	}
	return NULL;
}

static void
peer_start(struct peer *p, const char *const *answers, size_t n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);

	memset(p, 0, sizeof(*p));
	p->answers = answers;
	p->nanswers = n;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(p->fd >= 0);
	CU_ASSERT_FATAL(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(p->fd, 4) == 0);
	CU_ASSERT_FATAL(getsockname(p->fd, (struct sockaddr *)&sa, &slen) == 0);
	p->port = ntohs(sa.sin_port);
	CU_ASSERT_FATAL(pthread_create(&p->thread, NULL, peer_main, p) == 0);
}

static void
peer_stop(struct peer *p)
{
	shutdown(p->fd, SHUT_RDWR);
	close(p->fd);
	pthread_join(p->thread, NULL);
}

/* ------------------------------------------------------------------ */
/* A client on the fake host                                           */
/* ------------------------------------------------------------------ */

struct conf {
	struct oc_http_conf	 http;
};

static const struct ce_option test_options[] = {
	OC_HTTP_OPTIONS(struct conf, http, "base URL"),
	CE_OPTIONS_END
};

static const struct ce_plugin test_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "test",
	.options = test_options,
};

struct client {
	struct fake_host	 fh;
	struct conf		 conf;
	struct oc_http		*h;
	char			 url[64];
};

/* A client for the peer (port 0: none), with name=value options. */
static int
client_new(struct client *c, int port, const char *name, const char *value)
{
	fake_host_init(&c->fh, &test_plugin);
	if (name != NULL)
		fake_host_set(&c->fh, name, value);
	memset(&c->conf, 0, sizeof(c->conf));
	CU_ASSERT_FATAL(c->fh.host.conf_apply(fake_host_self(&c->fh),
	    &c->conf) == 0);
	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d/path", port);
	c->h = NULL;
	return oc_http_new(fake_host_self(&c->fh), &c->fh.host, &c->conf.http,
	    "test-agent/1", &c->h);
}

static void
client_free(struct client *c)
{
	oc_http_free(c->h);
	fake_host_free(&c->fh);
}

static int
valid_utf8(const char *s)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if ((k = oc_utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

#define OK_202	"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"

static void
test_options_defaults(void)
{
	struct client c;

	CU_ASSERT_EQUAL(client_new(&c, 0, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.conf.http.connect_timeout_ms, 5000);
	CU_ASSERT_EQUAL(c.conf.http.timeout_ms, 15000);
	CU_ASSERT_PTR_NULL(c.conf.http.endpoint);
	CU_ASSERT_PTR_NULL(c.conf.http.proxy);
	CU_ASSERT(fake_host_has_log(&c.fh, "CA certificates: "));
	CU_ASSERT(fake_host_metric(&c.fh, "http_requests") == 0);
	client_free(&c);
	/* A CA bundle that is not there stops the client, naming it. */
	CU_ASSERT_EQUAL(client_new(&c, 0, "ca_bundle", "/nonexistent/ca.pem"),
	    -EINVAL);
	CU_ASSERT_PTR_NULL(c.h);
	CU_ASSERT(fake_host_has_log(&c.fh,
	    "ca_bundle: /nonexistent/ca.pem: No such file or directory"));
	client_free(&c);
}

static void
test_check_url(void)
{
	struct client c;

	CU_ASSERT_EQUAL_FATAL(client_new(&c, 0, NULL, NULL), 0);
	CU_ASSERT_EQUAL(oc_http_check_url(c.h, "https://api.example.com/x"), 0);
	CU_ASSERT_FALSE(fake_host_has_log(&c.fh, "unencrypted"));
	CU_ASSERT(fake_host_has_log(&c.fh,
	    "requests go to https://api.example.com/x"));
	CU_ASSERT_EQUAL(oc_http_check_url(c.h, "http://127.0.0.1:8/x"), 0);
	CU_ASSERT_FALSE(fake_host_has_log(&c.fh, "unencrypted"));
	/* User information and queries are never logged. */
	CU_ASSERT_EQUAL(oc_http_check_url(c.h,
	    "http://user:pw-secret@relay.example.com:81/p?key=q-secret"), 0);
	CU_ASSERT(fake_host_has_log(&c.fh,
	    "plain http to relay.example.com: credentials and alerts travel "
	    "unencrypted"));
	CU_ASSERT(fake_host_has_log(&c.fh,
	    "requests go to http://relay.example.com:81/p"));
	CU_ASSERT_FALSE(fake_host_has_log(&c.fh, "pw-secret"));
	CU_ASSERT_FALSE(fake_host_has_log(&c.fh, "q-secret"));
	CU_ASSERT_EQUAL(oc_http_check_url(c.h, "ftp://example.com/"), -EINVAL);
	CU_ASSERT(fake_host_has_log(&c.fh, "scheme 'ftp' is not supported"));
	CU_ASSERT_EQUAL(oc_http_check_url(c.h, "not a url"), -EINVAL);
	CU_ASSERT(fake_host_has_log(&c.fh, "is not a URL"));
	client_free(&c);
}

/* Two requests, one connection; headers and body arrive as given. */
static void
test_request_and_keepalive(void)
{
	static const char *const answers[] = { OK_202, OK_202 };
	static const char *const headers[] = {
		"Content-Type: application/json", "X-Test: 1", "Expect:", NULL
	};
	struct oc_http_response r;
	struct oc_outcome o;
	struct client c;
	struct peer p;

	peer_start(&p, answers, 2);
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, NULL, NULL), 0);
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, headers, "{\"a\":1}", 7, 0,
	    &r), 0);
	CU_ASSERT_EQUAL(r.curl_code, 0);
	CU_ASSERT_EQUAL(r.status, 202);
	CU_ASSERT_EQUAL(r.body_len, 2);
	CU_ASSERT_STRING_EQUAL(r.body, "ok");
	CU_ASSERT_EQUAL(r.retry_after_ms, -1);
	CU_ASSERT(strncmp(p.request, "POST /path HTTP/1.1\r\n", 21) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.request, "\r\nX-Test: 1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p.request, "\r\nUser-Agent: test-agent/1\r\n"));
	CU_ASSERT_PTR_NULL(strcasestr(p.request, "\r\nExpect:"));
	CU_ASSERT(p.request_len > 7 &&
	    strcmp(p.request + p.request_len - 7, "{\"a\":1}") == 0);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_OK);
	CU_ASSERT_STRING_EQUAL(o.reason, "");
	/* No header of the first request lingers on the second. */
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "", 0, 0, &r), 0);
	CU_ASSERT_PTR_NULL(strstr(p.request, "X-Test"));
	CU_ASSERT_EQUAL(p.connections, 1);
	CU_ASSERT_EQUAL(fake_host_metric(&c.fh, "http_requests"), 2);
	client_free(&c);
	peer_stop(&p);
}

static void
test_delays(void)
{
	static const char *const answers[] = {
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
		"Content-Length: 4\r\n\r\nbusy",
		"HTTP/1.1 429 Too Many Requests\r\nx-ratelimit-reset: 3\r\n"
		"Content-Length: 0\r\n\r\n",
		"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 500 Internal Server Error\r\nRetry-After: later\r\n"
		"Content-Length: 0\r\n\r\n",
	};
	struct oc_http_response r;
	struct oc_outcome o;
	struct client c;
	struct peer p;

	peer_start(&p, answers, 4);
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, NULL, NULL), 0);
	oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_EQUAL(o.retry_after_ms, 2000);
	CU_ASSERT_STRING_EQUAL(o.reason, "HTTP 503 (asked to wait 2000 ms): busy");
	oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_EQUAL(o.retry_after_ms, 3000);
	/* Nothing asked: the core's backoff. */
	oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_EQUAL(o.retry_after_ms, 0);
	CU_ASSERT_STRING_EQUAL(o.reason, "HTTP 429");
	oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.retry_after_ms, 0);
	CU_ASSERT_EQUAL(fake_host_metric(&c.fh, "http_not_2xx"), 4);
	client_free(&c);
	peer_stop(&p);
}

/* A refusal whose body echoes the secret, holds bad bytes and lines. */
static void
test_refusal_reason(void)
{
	static const char want[] = "HTTP 400: {\"errors\":[\"bad key "
	    "<redacted>\"]} line two \xef\xbf\xbd\xef\xbf\xbd \xe2\x82\xac "
	    "<redacted> zzz";
	char answer[4096], body[3000];
	const char *answers[] = { answer };
	struct oc_http_response r;
	struct oc_outcome o;
	struct client c;
	struct peer p;
	size_t i;

	snprintf(body, sizeof(body), "{\"errors\":[\"bad key KEY-0123456789\"]}"
	    "\r\nline\x01two \xff\xc3 \xe2\x82\xac KEY-0123456789 ");
	for (i = strlen(body); i < 2000; i++)
		body[i] = 'z';
	body[i] = '\0';
	snprintf(answer, sizeof(answer), "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	peer_start(&p, answers, 1);
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, NULL, NULL), 0);
	CU_ASSERT_EQUAL(oc_http_secret(c.h, "KEY-0123456789"), 0);
	CU_ASSERT_EQUAL(oc_http_secret(c.h, "abc"), 0);	/* too short: ignored */
	oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_FAIL);
	CU_ASSERT(strncmp(o.reason, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NULL(strstr(o.reason, "KEY-0123456789"));
	CU_ASSERT_PTR_NULL(strchr(o.reason, '\n'));
	CU_ASSERT_PTR_NULL(strchr(o.reason, '\r'));
	CU_ASSERT(valid_utf8(o.reason));
	/* 300 characters of the body at most, and a mark of the cut. */
	CU_ASSERT(oc_utf8_chars(o.reason, strlen(o.reason), SIZE_MAX) <
	    10 + 300 + 2 * 10);
	CU_ASSERT(strcmp(o.reason + strlen(o.reason) - 3, "\xe2\x80\xa6") == 0);
	client_free(&c);
	peer_stop(&p);
}

static void
test_no_answer(void)
{
	static const char *const answers[] = { NULL, OK_202 };
	struct oc_http_response r;
	struct oc_outcome o;
	struct client c;
	struct peer p;
	int64_t past = (int64_t)time(NULL) * 1000 - 1000;

	peer_start(&p, answers, 2);
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, NULL, NULL), 0);
	/* Past the deadline nothing is sent. */
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "x", 1, past, &r), -EIO);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_STRING_EQUAL(o.reason,
	    "no answer: the delivery deadline has passed; not sent");
	CU_ASSERT_EQUAL(p.served, 0);
	/* A dropped connection, then a new one that answers. */
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r), -EIO);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT(strncmp(o.reason, "no answer: ", 11) == 0);
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "x", 1,
	    (int64_t)time(NULL) * 1000 + 60000, &r), 0);
	CU_ASSERT_EQUAL(r.status, 202);
	CU_ASSERT_EQUAL(p.connections, 2);
	CU_ASSERT_EQUAL(fake_host_metric(&c.fh, "http_unanswered"), 1);
	client_free(&c);
	peer_stop(&p);
	/* Nobody listens any more: refused, retried. */
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, NULL, NULL), 0);
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r), -EIO);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.reason, "127.0.0.1"));
	client_free(&c);
}

/* The answer takes longer than timeout_ms: retried, said so. */
static void
test_timeout(void)
{
	static const char *const answers[] = { "" };	/* read, never answer */
	struct oc_http_response r;
	struct oc_outcome o;
	struct client c;
	struct peer p;

	peer_start(&p, answers, 1);
	CU_ASSERT_EQUAL_FATAL(client_new(&c, p.port, "timeout_ms", "200"), 0);
	CU_ASSERT_EQUAL(oc_http_post(c.h, c.url, NULL, "x", 1, 0, &r), -EIO);
	CU_ASSERT(r.elapsed_ms >= 150 && r.elapsed_ms < 5000);
	oc_http_outcome(c.h, &r, &o);
	CU_ASSERT_EQUAL(o.status, CE_DELIVERY_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.reason, "imed out"));
	CU_ASSERT_EQUAL(p.served, 1);
	client_free(&c);
	peer_stop(&p);
}

static void
test_fields(void)
{
	struct fake_host fh;
	struct oc_fields f;
	const ce_event *ev;
	const char *s;
	size_t len;
	int64_t t;

	fake_host_init(&fh, NULL);
	CU_ASSERT_EQUAL_FATAL(oc_fields_init(&f, fake_host_self(&fh),
	    &fh.host), 0);
	ev = fake_event("{\"eventVersion\":\"1.08\",\"eventID\":\"e-1\","
	    "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"X\","
	    "\"eventTime\":\"2024-05-01T12:00:00Z\",\"awsRegion\":\"\","
	    "\"userIdentity\":{\"accountId\":\"111122223333\"}}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	s = oc_fields_get(&f, ev, OC_EVENT_SOURCE, &len);
	CU_ASSERT(s != NULL && len == 17 && strncmp(s, "iam.amazonaws.com", 17) == 0);
	/* No recipientAccountId: the caller's account. */
	s = oc_fields_get(&f, ev, OC_ACCOUNT, &len);
	CU_ASSERT(s != NULL && strncmp(s, "111122223333", len) == 0);
	/* Empty is as good as missing. */
	CU_ASSERT_PTR_NULL(oc_fields_get(&f, ev, OC_REGION, &len));
	CU_ASSERT_EQUAL(len, 0);
	s = oc_fields_get(&f, ev, OC_EVENT_TIME, &len);
	CU_ASSERT(s != NULL && oc_time_parse(s, len, &t) == 0 &&
	    t == 1714564800);
	CU_ASSERT_PTR_NULL(oc_fields_get(&f, ev, OC_NFIELDS, &len));
	fake_event_free(ev);
	ev = fake_event("{\"eventVersion\":\"1.08\",\"eventSource\":"
	    "\"s3.amazonaws.com\",\"eventName\":7,\"recipientAccountId\":"
	    "\"444455556666\",\"userIdentity\":{\"accountId\":\"1\"}}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	/* Not a string: left out. */
	CU_ASSERT_PTR_NULL(oc_fields_get(&f, ev, OC_EVENT_NAME, &len));
	s = oc_fields_get(&f, ev, OC_ACCOUNT, &len);
	CU_ASSERT(s != NULL && strncmp(s, "444455556666", len) == 0);
	fake_event_free(ev);
	oc_fields_free(&f);
	oc_fields_free(&f);	/* twice is harmless */
	fake_host_free(&fh);
}

int
main(void)
{
	CU_TestInfo http_tests[] = {
		CE_TEST(test_options_defaults),
		CE_TEST(test_check_url),
		CE_TEST(test_request_and_keepalive),
		CE_TEST(test_delays),
		CE_TEST(test_refusal_reason),
		CE_TEST(test_no_answer),
		CE_TEST(test_timeout),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo fields_tests[] = {
		CE_TEST(test_fields),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "http", NULL, NULL, NULL, NULL, http_tests },
		{ "fields", NULL, NULL, NULL, NULL, fields_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
