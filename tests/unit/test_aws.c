/*
 * test_aws.c - the AWS host services against HTTP servers the test runs on
 * 127.0.0.1: the credential chain and its cache, region and endpoints, S3
 * GetObject streaming and signing headers, the Lambda init-error report.
 * Nothing here may reach a real AWS address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aws.h"
#include "ce_test.h"
#include "log.h"

#define EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ------------------------------------------------------------------ */
/* A loopback HTTP server: one request per connection, recorded        */
/* ------------------------------------------------------------------ */

#define MAX_REQS	32
#define MAX_ROUTES	8

struct req {
	char	method[8];
	char	path[1024];
	char	headers[8192];
	char	body[8192];
};

struct route {
	char		 method[8];
	char		 path[1024];
	int		 status;
	const char	*headers;	/* extra lines, each ending "\r\n" */
	const char	*body;
	size_t		 len;
};

struct server {
	int		 fd;
	int		 port;
	int		 stop[2];
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	struct route	 routes[MAX_ROUTES];
	int		 nroutes;
	struct req	 reqs[MAX_REQS];
	int		 nreqs;
};

static struct server srv;
static char *tmpdir;

/* Read one request: the header block, then Content-Length bytes. */
static int
read_request(int fd, struct req *r)
{
	static char buf[65536];
	size_t n = 0, have, want = 0;
	char *end, *cl;
	ssize_t k;

	for (;;) {
		k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
		if (k <= 0)
			return -1;
		n += (size_t)k;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (n == sizeof(buf) - 1)
			return -1;
	}
	*end = '\0';
	if (sscanf(buf, "%7s %1023s", r->method, r->path) != 2)
		return -1;
	snprintf(r->headers, sizeof(r->headers), "%.8000s\r\n", buf);
	for (cl = r->headers; (cl = strchr(cl, '\n')) != NULL; cl++)
		if (strncasecmp(cl + 1, "content-length:", 15) == 0)
			want = strtoul(cl + 16, NULL, 10);
	if (want >= sizeof(r->body))
		return -1;
	have = n - (size_t)(end + 4 - buf);
	memcpy(r->body, end + 4, have);
	while (have < want) {
		k = recv(fd, r->body + have, want - have, 0);
		if (k <= 0)
			return -1;
		have += (size_t)k;
	}
	r->body[have] = '\0';
	return 0;
}

static void
send_all(int fd, const char *p, size_t len)
{
	ssize_t k;

	while (len > 0 && (k = send(fd, p, len, MSG_NOSIGNAL)) > 0) {
		p += k;
		len -= (size_t)k;
	}
}

static void
serve(struct server *s, int fd)
{
	struct route rt = { .status = 404, .body = "no route\n" };
	struct req r;
	char head[1024];
	int i;

	memset(&r, 0, sizeof(r));
	if (read_request(fd, &r) < 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->nreqs < MAX_REQS)
		s->reqs[s->nreqs++] = r;
	for (i = 0; i < s->nroutes; i++)
		if (strcmp(s->routes[i].method, r.method) == 0 &&
		    strcmp(s->routes[i].path, r.path) == 0)
			rt = s->routes[i];
	pthread_mutex_unlock(&s->lock);
	if (rt.len == 0)
		rt.len = strlen(rt.body);
	snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n%s\r\n", rt.status, rt.len,
	    rt.headers ? rt.headers : "");
	send_all(fd, head, strlen(head));
	send_all(fd, rt.body, rt.len);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct pollfd p[2];
	int fd;

	p[0].fd = s->fd;
	p[0].events = POLLIN;
	p[1].fd = s->stop[0];
	p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno == EINTR)
			continue;
		if (p[1].revents != 0)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if ((fd = accept(s->fd, NULL, NULL)) >= 0) {
			serve(s, fd);
			close(fd);
		}
	}
	return NULL;
}

/* Bind 127.0.0.1, port 0; returns the fd and the port chosen. */
static int
listen_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int
server_start(void)
{
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.lock, NULL);
	if ((srv.fd = listen_loopback(&srv.port)) < 0 || pipe(srv.stop) < 0)
		return -1;
	return pthread_create(&srv.thread, NULL, server_main, &srv);
}

static void
server_stop(void)
{
	if (write(srv.stop[1], "x", 1) != 1)
		perror("write");
	pthread_join(srv.thread, NULL);
	close(srv.fd);
	close(srv.stop[0]);
	close(srv.stop[1]);
	pthread_mutex_destroy(&srv.lock);
}

/* Add or replace the answer to method+path. */
static void
route(const char *method, const char *path, int status, const char *headers,
    const char *body, size_t len)
{
	struct route *r = NULL;
	int i;

	pthread_mutex_lock(&srv.lock);
	for (i = 0; i < srv.nroutes; i++)
		if (strcmp(srv.routes[i].method, method) == 0 &&
		    strcmp(srv.routes[i].path, path) == 0)
			r = &srv.routes[i];
	if (r == NULL && srv.nroutes < MAX_ROUTES)
		r = &srv.routes[srv.nroutes++];
	if (r != NULL) {
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", path);
		r->status = status;
		r->headers = headers;
		r->body = body;
		r->len = len;
	}
	pthread_mutex_unlock(&srv.lock);
}

static void
server_reset(void)
{
	pthread_mutex_lock(&srv.lock);
	srv.nroutes = 0;
	srv.nreqs = 0;
	pthread_mutex_unlock(&srv.lock);
}

static int
nreqs(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.nreqs;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* The value of header name in recorded request i ("" when absent). */
static const char *
header(int i, const char *name)
{
	static char value[8192];
	const char *p = srv.reqs[i].headers;
	size_t n = strlen(name), v;

	value[0] = '\0';
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			p += strspn(p, " ");
			v = strcspn(p, "\r\n");
			snprintf(value, sizeof(value), "%.*s", (int)v, p);
			break;
		}
	}
	return value;
}

static char *
url(const char *path)
{
	static char u[256];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", srv.port, path);
	return u;
}

/* ------------------------------------------------------------------ */
/* Environment                                                         */
/* ------------------------------------------------------------------ */

static const char *const aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_PROFILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SQS",
	"AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_RESOURCE_GROUPS",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_LAMBDA_RUNTIME_API",
	"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
	"ALL_PROXY", "no_proxy", "NO_PROXY", NULL
};

static char *
tmp_path(const char *name)
{
	static char p[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, fp);
	fclose(fp);
}

/* Every test starts here: no AWS settings, IMDS off, no shared file. */
static void
clean_env(void)
{
	size_t i;

	for (i = 0; aws_vars[i] != NULL; i++)
		unsetenv(aws_vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", tmp_path("absent"), 1);
	setenv("HOME", tmpdir, 1);
	ce_aws_credentials_reset();
	server_reset();
}

/* A proxy nobody listens on: any request that used it would fail. */
static void
dead_proxy(void)
{
	int port, fd = listen_loopback(&port);
	char p[64];

	close(fd);
	snprintf(p, sizeof(p), "http://127.0.0.1:%d", port);
	setenv("http_proxy", p, 1);
	setenv("HTTP_PROXY", p, 1);
}

static const char *
iso_time(time_t t)
{
	static char b[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}

/* ECS-style JSON credentials expiring at t. */
static const char *
json_creds(const char *id, time_t t)
{
	static char b[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(b[k], sizeof(b[k]), "{\"RoleArn\":\"arn:aws:iam::1:role/r\","
	    "\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"SECRET-%s\","
	    "\"Token\":\"TOKEN-%s\",\"Expiration\":\"%s\"}", id, id, id,
	    iso_time(t));
	return b[k];
}

/* ------------------------------------------------------------------ */
/* Environment and shared file                                         */
/* ------------------------------------------------------------------ */

static void
environment_credentials(void)
{
	struct ce_aws_credentials c;
	char err[512];

	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env/secret+key", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.size, sizeof(c));
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDENV");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "env/secret+key");
	CU_ASSERT_STRING_EQUAL(c.session_token, "envtoken");
	CU_ASSERT_EQUAL(c.expires_ms, 0);

	ce_aws_credentials_reset();
	unsetenv("AWS_SESSION_TOKEN");
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.session_token, "");

	/* Half a pair is a mistake, reported without the secret. */
	ce_aws_credentials_reset();
	unsetenv("AWS_ACCESS_KEY_ID");
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "AWS_ACCESS_KEY_ID"));
	CU_ASSERT_PTR_NULL(strstr(err, "env/secret"));
}

static const char shared_file[] =
	"# comment\n"
	"[default]\n"
	"aws_access_key_id = AKIDDEFAULT\n"
	"aws_secret_access_key = secretdefault\n"
	"\n"
	"; another comment\n"
	"[ work ]\n"
	"aws_access_key_id=AKIDWORK\n"
	"aws_secret_access_key= secret/work+key \n"
	"aws_session_token = tokwork\n"
	"s3 =\n"
	"    aws_access_key_id = NESTED\n"
	"[profile other]\n"
	"AWS_ACCESS_KEY_ID = AKIDOTHER\n"
	"aws_secret_access_key = secretother\n"
	"[roleonly]\n"
	"role_arn = arn:aws:iam::1:role/x\n"
	"source_profile = default\n";

static void
shared_file_profiles(void)
{
	char *path = tmp_path("credentials"), err[1024];
	struct ce_aws_credentials c;

	clean_env();
	write_file(path, shared_file);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDDEFAULT");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "secretdefault");
	CU_ASSERT_STRING_EQUAL(c.session_token, "");

	ce_aws_credentials_reset();
	setenv("AWS_PROFILE", "work", 1);
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDWORK");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "secret/work+key");
	CU_ASSERT_STRING_EQUAL(c.session_token, "tokwork");

	ce_aws_credentials_reset();
	setenv("AWS_PROFILE", "other", 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDOTHER");

	/* A named profile that is missing or keyless stops the chain. */
	ce_aws_credentials_reset();
	setenv("AWS_PROFILE", "missing", 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "profile 'missing' is not in"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NULL(strstr(err, "secret"));
	ce_aws_credentials_reset();
	setenv("AWS_PROFILE", "roleonly", 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no aws_access_key_id"));

	/* The environment comes first. */
	ce_aws_credentials_reset();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDENV");
	unlink(path);
}

static void
shared_file_under_home_and_bad_lines(void)
{
	char *dir = tmp_path(".aws"), *path, err[1024];
	struct ce_aws_credentials c;

	clean_env();
	mkdir(dir, 0700);
	path = tmp_path(".aws/credentials");
	write_file(path, shared_file);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDDEFAULT");

	ce_aws_credentials_reset();
	write_file(path, "[default]\naws_access_key_id = A\nnot a setting\n");
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: expected '[profile]'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	unlink(path);
	rmdir(dir);
}

static void
nothing_configured_lists_what_was_tried(void)
{
	struct ce_aws_credentials c;
	char err[2048];

	clean_env();
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no AWS credentials found"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "environment:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "shared credentials file:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "AWS_EC2_METADATA_DISABLED"));
	CU_ASSERT_EQUAL(nreqs(), 0);
}

/* ------------------------------------------------------------------ */
/* Container, IMDSv2, web identity: over loopback HTTP                 */
/* ------------------------------------------------------------------ */

static void
container_credentials(void)
{
	char *tokfile = tmp_path("ecs-token"), err[1024];
	struct ce_aws_credentials c;
	time_t later = time(NULL) + 3600;

	clean_env();
	dead_proxy();
	route("GET", "/creds", 200, NULL, json_creds("AKIDECS", later), 0);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url("/creds"), 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok-env", 1);
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDECS");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "SECRET-AKIDECS");
	CU_ASSERT_STRING_EQUAL(c.session_token, "TOKEN-AKIDECS");
	CU_ASSERT_EQUAL(c.expires_ms, (int64_t)later * 1000);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 1);
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].method, "GET");
	CU_ASSERT_STRING_EQUAL(header(0, "Authorization"), "tok-env");
	/* Cached: an hour to go. */
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nreqs(), 1);

	/* The token file wins over the variable, re-read each time. */
	ce_aws_credentials_reset();
	write_file(tokfile, "tok-file\n");
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokfile, 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 2);
	CU_ASSERT_STRING_EQUAL(header(1, "Authorization"), "tok-file");

	/* A failing endpoint is an error, not a fall-through. */
	ce_aws_credentials_reset();
	route("GET", "/creds", 500, NULL, "oops", 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "container credentials"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 500"));
	CU_ASSERT_PTR_NULL(strstr(err, "tok-file"));
	unlink(tokfile);

	/* Plain http only to loopback or the ECS/EKS addresses. */
	ce_aws_credentials_reset();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "http://198.51.100.7/creds", 1);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "must be https"));
}

static void
credentials_refresh_five_minutes_before_expiry(void)
{
	struct ce_aws_credentials c;
	time_t now = time(NULL);
	char err[1024];

	clean_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url("/creds"), 1);
	/* Four minutes left: inside the refresh window, fetched each time. */
	route("GET", "/creds", 200, NULL, json_creds("AKIDSOON", now + 240), 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nreqs(), 2);
	/* Six minutes left: fresh, kept. */
	route("GET", "/creds", 200, NULL, json_creds("AKIDLATER", now + 360),
	    0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDLATER");
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nreqs(), 3);

	/* A failed refresh keeps credentials that have not expired yet. */
	ce_aws_credentials_reset();
	route("GET", "/creds", 200, NULL, json_creds("AKIDSOON", now + 240), 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	route("GET", "/creds", 503, NULL, "busy", 0);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDSOON");
	CU_ASSERT_EQUAL(nreqs(), 5);
	/* Nor when they have less than 15 s left: a request signed with
	 * them could reach AWS after they expired. */
	ce_aws_credentials_reset();
	route("GET", "/creds", 200, NULL, json_creds("AKIDLAST", now + 10), 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDLAST");
	route("GET", "/creds", 503, NULL, "busy", 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 503"));
	/* Without them, the failure shows. */
	ce_aws_credentials_reset();
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 503"));
}

#define RACERS	6

struct racer {
	struct ce_aws_credentials	c;
	int				rc;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	char err[512];

	r->rc = ce_aws_credentials(&r->c, err, sizeof(err));
	return NULL;
}

static void
concurrent_callers_share_one_fetch(void)
{
	struct racer r[RACERS];
	pthread_t t[RACERS];
	int i;

	clean_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url("/creds"), 1);
	route("GET", "/creds", 200, NULL,
	    json_creds("AKIDRACE", time(NULL) + 3600), 0);
	for (i = 0; i < RACERS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, race, &r[i]),
		    0);
	for (i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(r[i].rc, 0);
		CU_ASSERT_STRING_EQUAL(r[i].c.access_key_id, "AKIDRACE");
	}
	CU_ASSERT_EQUAL(nreqs(), 1);
}

static void
imds_v2(void)
{
	static const char list[] = "/latest/meta-data/iam/security-credentials/";
	char role_path[128], err[1024], ep[300];
	struct ce_aws_credentials c;
	time_t later = time(NULL) + 7200;
	static char body[512];
	int i;

	clean_env();
	dead_proxy();
	snprintf(body, sizeof(body), "{\"Code\":\"Success\",\"Type\":"
	    "\"AWS-HMAC\",\"AccessKeyId\":\"AKIDIMDS\",\"SecretAccessKey\":"
	    "\"imds-secret\",\"Token\":\"imds-token\",\"Expiration\":\"%s\"}",
	    iso_time(later));
	snprintf(role_path, sizeof(role_path), "%smy-role", list);
	route("PUT", "/latest/api/token", 200, NULL, "SESSIONTOKEN", 0);
	route("GET", list, 200, NULL, "my-role\n", 0);
	route("GET", role_path, 200, NULL, body, 0);
	snprintf(ep, sizeof(ep), "%s/", url(""));
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);

	/* Disabled: not one request. */
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(nreqs(), 0);

	unsetenv("AWS_EC2_METADATA_DISABLED");
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "AKIDIMDS");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "imds-secret");
	CU_ASSERT_STRING_EQUAL(c.session_token, "imds-token");
	CU_ASSERT_EQUAL(c.expires_ms, (int64_t)later * 1000);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 3);
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].method, "PUT");
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].path, "/latest/api/token");
	CU_ASSERT_STRING_EQUAL(header(0,
	    "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
	for (i = 1; i < 3; i++) {
		CU_ASSERT_STRING_EQUAL(srv.reqs[i].method, "GET");
		CU_ASSERT_STRING_EQUAL(header(i, "X-aws-ec2-metadata-token"),
		    "SESSIONTOKEN");
	}
	CU_ASSERT_STRING_EQUAL(srv.reqs[2].path, role_path);

	/* No instance profile: nothing found, said so. */
	ce_aws_credentials_reset();
	route("GET", list, 404, NULL, "", 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "EC2 instance metadata"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 404"));
	CU_ASSERT_PTR_NULL(strstr(err, "SESSIONTOKEN"));
}

static const char sts_reply[] =
	"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/"
	"doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult>"
	"<SubjectFromWebIdentityToken>system:sa</SubjectFromWebIdentityToken>"
	"<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ce/s"
	"</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
	"<Credentials><SessionToken>sts&amp;token</SessionToken>"
	"<SecretAccessKey>sts-secret</SecretAccessKey>"
	"<Expiration>2031-02-03T04:05:06Z</Expiration>"
	"<AccessKeyId>ASIASTS</AccessKeyId></Credentials>"
	"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

static const char sts_denied[] =
	"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
	"<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity"
	"</Message></Error><RequestId>r</RequestId></ErrorResponse>";

static void
web_identity(void)
{
	char *tokfile = tmp_path("web-token"), err[1024];
	struct ce_aws_credentials c;

	clean_env();
	write_file(tokfile, "WEBTOKEN.abc-def\n");
	route("POST", "/", 200, NULL, sts_reply, 0);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokfile, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ce", 1);
	setenv("AWS_ROLE_SESSION_NAME", "sess 1", 1);
	setenv("AWS_ENDPOINT_URL_STS", url(""), 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	CU_ASSERT_EQUAL_FATAL(ce_aws_credentials(&c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.access_key_id, "ASIASTS");
	CU_ASSERT_STRING_EQUAL(c.secret_access_key, "sts-secret");
	CU_ASSERT_STRING_EQUAL(c.session_token, "sts&token");
	CU_ASSERT_EQUAL(c.expires_ms, INT64_C(1927857906) * 1000);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 1);
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].method, "POST");
	CU_ASSERT_STRING_EQUAL(header(0, "Content-Type"),
	    "application/x-www-form-urlencoded");
	CU_ASSERT_PTR_NOT_NULL(strstr(srv.reqs[0].body,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"));
	CU_ASSERT_PTR_NOT_NULL(strstr(srv.reqs[0].body, "&RoleArn=arn%3Aaws"
	    "%3Aiam%3A%3A123456789012%3Arole%2Fce&"));
	CU_ASSERT_PTR_NOT_NULL(strstr(srv.reqs[0].body,
	    "&RoleSessionName=sess%201&"));
	CU_ASSERT_PTR_NOT_NULL(strstr(srv.reqs[0].body,
	    "&WebIdentityToken=WEBTOKEN.abc-def"));

	/* The generic endpoint variable, when there is no STS one. */
	ce_aws_credentials_reset();
	unsetenv("AWS_ENDPOINT_URL_STS");
	setenv("AWS_ENDPOINT_URL", url(""), 1);
	route("POST", "/", 403, NULL, sts_denied, 0);
	CU_ASSERT_EQUAL(ce_aws_credentials(&c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(nreqs(), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 403 AccessDenied: Not "
	    "authorized"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "role/ce"));
	CU_ASSERT_PTR_NULL(strstr(err, "WEBTOKEN"));
	unlink(tokfile);
}

/* ------------------------------------------------------------------ */
/* Region and endpoints                                                */
/* ------------------------------------------------------------------ */

static void
region_resolution(void)
{
	char r[32];

	clean_env();
	CU_ASSERT_EQUAL(ce_aws_region(r, sizeof(r)), 0);
	CU_ASSERT_STRING_EQUAL(r, "us-east-1");
	setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
	CU_ASSERT_EQUAL(ce_aws_region(r, sizeof(r)), 0);
	CU_ASSERT_STRING_EQUAL(r, "eu-west-1");
	setenv("AWS_REGION", "ap-south-1", 1);
	CU_ASSERT_EQUAL(ce_aws_region(r, sizeof(r)), 0);
	CU_ASSERT_STRING_EQUAL(r, "ap-south-1");
	CU_ASSERT_EQUAL(ce_aws_region(r, 5), -ERANGE);
	setenv("AWS_REGION", "", 1);
	CU_ASSERT_EQUAL(ce_aws_region(r, sizeof(r)), 0);
	CU_ASSERT_STRING_EQUAL(r, "eu-west-1");
	setenv("AWS_REGION", "us-east-1/../evil", 1);
	CU_ASSERT_EQUAL(ce_aws_region(r, sizeof(r)), -EINVAL);
}

static void
endpoint_resolution(void)
{
	char e[128];

	clean_env();
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", NULL, NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "https://sqs.us-east-1.amazonaws.com");
	setenv("AWS_REGION", "eu-central-1", 1);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sns", NULL, NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "https://sns.eu-central-1.amazonaws.com");
	CU_ASSERT_EQUAL(ce_aws_endpoint("s3", NULL, "cn-north-1", e,
	    sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "https://s3.cn-north-1.amazonaws.com.cn");

	setenv("AWS_ENDPOINT_URL", "http://localhost:4566/", 1);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sns", NULL, NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "http://localhost:4566");
	setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324//", 1);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", NULL, NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "http://127.0.0.1:9324");
	setenv("AWS_ENDPOINT_URL_RESOURCE_GROUPS", "http://rg.test", 1);
	CU_ASSERT_EQUAL(ce_aws_endpoint("resource-groups", NULL, NULL, e,
	    sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "http://rg.test");
	/* The option value beats every variable. */
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", "https://vpce.example/", NULL,
	    e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "https://vpce.example");
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", "", NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "http://127.0.0.1:9324");

	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", NULL, NULL, e, sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "https://sqs.eu-central-1.amazonaws.com");
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", "http://x.test", NULL, e,
	    sizeof(e)), 0);
	CU_ASSERT_STRING_EQUAL(e, "http://x.test");

	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", "localhost:4566", NULL, e,
	    sizeof(e)), -EINVAL);
	CU_ASSERT_EQUAL(ce_aws_endpoint("s3/x", NULL, NULL, e, sizeof(e)),
	    -EINVAL);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", NULL, "eu-west-1?", e,
	    sizeof(e)), -EINVAL);
	CU_ASSERT_EQUAL(ce_aws_endpoint("sqs", NULL, NULL, e, 20), -ERANGE);
}

/* ------------------------------------------------------------------ */
/* S3                                                                  */
/* ------------------------------------------------------------------ */

static const unsigned char trail_gz[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56,
	0x0a, 0x4a, 0x4d, 0xce, 0x2f, 0x4a, 0x29, 0x56, 0xb2, 0x8a, 0xae, 0x56,
	0x4a, 0x2d, 0x4b, 0xcd, 0x2b, 0xf1, 0x4b, 0xcc, 0x4d, 0x55, 0xb2, 0x52,
	0x72, 0xce, 0xcf, 0x2b, 0xce, 0xcf, 0x49, 0xf5, 0xc9, 0x4f, 0xcf, 0xcc,
	0x53, 0xaa, 0x8d, 0xad, 0xe5, 0x02, 0x00, 0x73, 0x73, 0x52, 0x2c, 0x2b,
	0x00, 0x00, 0x00
};

/* Read the stream to its end, cap bytes at a time. */
static size_t
drain(struct ce_stream *s, char *buf, size_t len, size_t cap, ssize_t *last)
{
	size_t n = 0;
	ssize_t k;

	while ((k = s->read(s->ctx, buf + n, len - n < cap ? len - n : cap)) >
	    0 && n < len)
		n += (size_t)k;
	*last = k;
	return n;
}

static void
s3_env(void)
{
	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDS3", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3-secret-key", 1);
	setenv("AWS_SESSION_TOKEN", "s3-session-token", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
}

static void
s3_streams_a_signed_get(void)
{
	/* Each byte but unreserved ones and '/' encoded once; dots kept. */
	static const char key[] = "AWSLogs/a b+c~\xc3\xa9/../x=1&y.json.gz";
	static const char path[] = "/my-bucket/AWSLogs/a%20b%2Bc~%C3%A9/../"
	    "x%3D1%26y.json.gz";
	struct ce_s3_options o = { .path_style = 1 };
	struct ce_stream s;
	char err[512], buf[256], ep[300];
	const char *auth;
	ssize_t last;

	s3_env();
	snprintf(ep, sizeof(ep), "%s/", url(""));
	o.endpoint = ep;
	route("GET", path, 200, "Content-Type: application/x-gzip\r\n",
	    (const char *)trail_gz, sizeof(trail_gz));
	CU_ASSERT_EQUAL_FATAL(ce_s3_open("my-bucket", key, &o, &s, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(drain(&s, buf, sizeof(buf), 7, &last),
	    sizeof(trail_gz));
	CU_ASSERT_EQUAL(last, 0);
	CU_ASSERT_EQUAL(memcmp(buf, trail_gz, sizeof(trail_gz)), 0);
	CU_ASSERT_EQUAL(s.read(s.ctx, buf, sizeof(buf)), 0);
	s.close(s.ctx);

	CU_ASSERT_EQUAL_FATAL(nreqs(), 1);
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].method, "GET");
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].path, path);
	CU_ASSERT_STRING_EQUAL(header(0, "x-amz-content-sha256"),
	    EMPTY_SHA256);
	CU_ASSERT_STRING_EQUAL(header(0, "x-amz-security-token"),
	    "s3-session-token");
	CU_ASSERT_EQUAL(strlen(header(0, "x-amz-date")), 16);
	auth = header(0, "Authorization");
	CU_ASSERT_EQUAL(strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDS3/",
	    35), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(auth, "/eu-west-1/s3/aws4_request"));
	CU_ASSERT_PTR_NOT_NULL(strstr(auth, "SignedHeaders=host;"
	    "x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
	CU_ASSERT_PTR_NULL(strstr(srv.reqs[0].headers, "s3-secret-key"));
	CU_ASSERT_PTR_NULL(strstr(srv.reqs[0].headers, "Expect:"));
}

/* Far larger than the stream's buffer, read in small pieces. */
static void
s3_large_object_pauses_and_resumes(void)
{
	enum { len = 300 * 1024 + 17 };
	/* Static: the server thread may still be sending it after the
	 * stream closed half way, when this test has returned. */
	static char obj[len];
	struct ce_s3_options o = { .region = "us-west-2" };
	char *got, err[512];
	struct ce_stream s;
	uint32_t x = 2463534242u;
	ssize_t last;
	size_t i;

	s3_env();
	unsetenv("AWS_SESSION_TOKEN");
	got = malloc(len + 1);
	CU_ASSERT_FATAL(got != NULL);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		obj[i] = (char)x;
	}
	setenv("AWS_ENDPOINT_URL_S3", url(""), 1);
	route("GET", "/big.bucket/big", 200, NULL, obj, len);
	CU_ASSERT_EQUAL_FATAL(ce_s3_open("big.bucket", "big", &o, &s, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(drain(&s, got, len + 1, 1000, &last), len);
	CU_ASSERT_EQUAL(last, 0);
	CU_ASSERT_EQUAL(memcmp(got, obj, len), 0);
	s.close(s.ctx);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 1);
	CU_ASSERT_STRING_EQUAL(header(0, "x-amz-security-token"), "");
	CU_ASSERT_PTR_NOT_NULL(strstr(header(0, "Authorization"),
	    "/us-west-2/s3/aws4_request"));

	/* Closed half way: no leak, no hang. */
	CU_ASSERT_EQUAL_FATAL(ce_s3_open("big.bucket", "big", &o, &s, err,
	    sizeof(err)), 0);
	CU_ASSERT(s.read(s.ctx, got, 100) > 0);
	s.close(s.ctx);
	free(got);
}

static const char no_such_key[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey"
	"</Code><Message>The specified key does not exist.</Message><Key>"
	"missing</Key><RequestId>1</RequestId></Error>";

static const char moved[] =
	"<Error><Code>PermanentRedirect</Code><Message>The bucket you are "
	"attempting to access must be addressed using the specified endpoint."
	"</Message></Error>";

static void
s3_errors_carry_the_s3_code(void)
{
	struct ce_s3_options o = { .path_style = 1 };
	struct ce_stream s;
	char err[512], ep[300];
	int port, fd;

	s3_env();
	snprintf(ep, sizeof(ep), "%s", url(""));
	o.endpoint = ep;
	route("GET", "/b/missing", 404, "Content-Type: application/xml\r\n",
	    no_such_key, 0);
	route("GET", "/b/moved", 301, "x-amz-bucket-region: eu-central-1\r\n",
	    moved, 0);
	route("GET", "/b/denied", 403, NULL,
	    "<Error><Code>AccessDenied</Code></Error>", 0);
	route("GET", "/b/busy", 503, NULL,
	    "<Error><Code>SlowDown</Code></Error>", 0);
	CU_ASSERT_EQUAL(ce_s3_open("b", "missing", &o, &s, err, sizeof(err)),
	    -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "s3://b/missing: HTTP 404 NoSuchKey: The "
	    "specified key does not exist.");
	CU_ASSERT_EQUAL(ce_s3_open("b", "moved", &o, &s, err, sizeof(err)),
	    -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 301 PermanentRedirect"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in region eu-central-1"));
	CU_ASSERT_EQUAL(ce_s3_open("b", "denied", &o, &s, err, sizeof(err)),
	    -EACCES);
	CU_ASSERT_STRING_EQUAL(err, "s3://b/denied: HTTP 403 AccessDenied");
	CU_ASSERT_EQUAL(ce_s3_open("b", "busy", &o, &s, err, sizeof(err)),
	    -EAGAIN);
	CU_ASSERT_PTR_NULL(strstr(err, "s3-secret-key"));
	CU_ASSERT_PTR_NULL(strstr(err, "s3-session-token"));

	/* Nobody listening. */
	fd = listen_loopback(&port);
	close(fd);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
	CU_ASSERT_EQUAL(ce_s3_open("b", "k", &o, &s, err, sizeof(err)), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "s3://b/k: "));

	/* Bad names and no credentials fail before any request. */
	server_reset();
	CU_ASSERT_EQUAL(ce_s3_open("b/../c", "k", &o, &s, err, sizeof(err)),
	    -EINVAL);
	CU_ASSERT_EQUAL(ce_s3_open("b", "", &o, &s, err, sizeof(err)),
	    -EINVAL);
	o.region = "eu-west-1/x";
	CU_ASSERT_EQUAL(ce_s3_open("b", "k", &o, &s, err, sizeof(err)),
	    -EINVAL);
	o.region = NULL;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ce_aws_credentials_reset();
	CU_ASSERT_EQUAL(ce_s3_open("b", "k", &o, &s, err, sizeof(err)),
	    -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no AWS credentials found"));
	CU_ASSERT_EQUAL(nreqs(), 0);
}

/* ------------------------------------------------------------------ */
/* Lambda                                                              */
/* ------------------------------------------------------------------ */

static void
lambda_init_error_posts_the_error(void)
{
	static const char path[] = "/2018-06-01/runtime/init/error";
	static const char msg[] = "etc/ce.conf:3:1: error: \"x\" unknown\n"
	    "second line \xc3\xa9";
	struct json_object *o, *v;
	char api[64];

	clean_env();
	CU_ASSERT_EQUAL(ce_lambda_init_error("Runtime.ConfigInvalid", msg),
	    -ENOENT);
	CU_ASSERT_EQUAL(nreqs(), 0);

	dead_proxy();
	snprintf(api, sizeof(api), "127.0.0.1:%d", srv.port);
	setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
	route("POST", path, 202, NULL, "{\"status\":\"OK\"}", 0);
	CU_ASSERT_EQUAL(ce_lambda_init_error("Runtime.ConfigInvalid", msg), 0);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 1);
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].method, "POST");
	CU_ASSERT_STRING_EQUAL(srv.reqs[0].path, path);
	CU_ASSERT_STRING_EQUAL(header(0, "Lambda-Runtime-Function-Error-Type"),
	    "Runtime.ConfigInvalid");
	CU_ASSERT_STRING_EQUAL(header(0, "Content-Type"), "application/json");
	o = json_tokener_parse(srv.reqs[0].body);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_object_object_length(o), 3);
	CU_ASSERT(json_object_object_get_ex(o, "errorMessage", &v) &&
	    strcmp(json_object_get_string(v), msg) == 0);
	CU_ASSERT(json_object_object_get_ex(o, "errorType", &v) &&
	    strcmp(json_object_get_string(v), "Runtime.ConfigInvalid") == 0);
	CU_ASSERT(json_object_object_get_ex(o, "stackTrace", &v) &&
	    json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) == 0);
	json_object_put(o);

	/* A type that would break the header is replaced. */
	CU_ASSERT_EQUAL(ce_lambda_init_error("Bad\r\nX-Injected: 1", "m"), 0);
	CU_ASSERT_EQUAL_FATAL(nreqs(), 2);
	CU_ASSERT_STRING_EQUAL(header(1, "Lambda-Runtime-Function-Error-Type"),
	    "Runtime.UnknownReason");
	CU_ASSERT_STRING_EQUAL(header(1, "X-Injected"), "");

	route("POST", path, 500, NULL, "", 0);
	CU_ASSERT_EQUAL(ce_lambda_init_error("Runtime.Unknown", "m"), -EIO);
}

/* ------------------------------------------------------------------ */

static int
suite_init(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[512];

	snprintf(tmpl, sizeof(tmpl), "%s/ce_aws_XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpl) == NULL || (tmpdir = strdup(tmpl)) == NULL)
		return -1;
	return server_start();
}

static int
suite_clean(void)
{
	server_stop();
	rmdir(tmp_path("absent"));
	rmdir(tmpdir);
	free(tmpdir);
	ce_aws_credentials_reset();
	return 0;
}

static CU_TestInfo tests[] = {
	CE_TEST(environment_credentials),
	CE_TEST(shared_file_profiles),
	CE_TEST(shared_file_under_home_and_bad_lines),
	CE_TEST(nothing_configured_lists_what_was_tried),
	CE_TEST(container_credentials),
	CE_TEST(credentials_refresh_five_minutes_before_expiry),
	CE_TEST(concurrent_callers_share_one_fetch),
	CE_TEST(imds_v2),
	CE_TEST(web_identity),
	CE_TEST(region_resolution),
	CE_TEST(endpoint_resolution),
	CE_TEST(s3_streams_a_signed_get),
	CE_TEST(s3_large_object_pauses_and_resumes),
	CE_TEST(s3_errors_carry_the_s3_code),
	CE_TEST(lambda_init_error_posts_the_error),
	CU_TEST_INFO_NULL
};

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ .pName = "aws", .pInitFunc = suite_init,
		  .pCleanupFunc = suite_clean, .pTests = tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
