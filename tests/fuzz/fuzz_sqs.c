/*
 * fuzz_sqs.c - fuzz target for the SQS input's protocol decoders
 * (plugins/sqs_proto.c): the input is read as a ReceiveMessage answer, a
 * batch answer and an error answer, and its first line as a queue URL;
 * the receipt handles it yields are written back into a delete request.
 *
 * Invariants beyond "no crash": every message kept has an id, a receipt
 * and a body NUL-terminated at its length; error and entry texts are
 * NUL-terminated and an error message is one line (it is logged); the
 * requests built from what SQS sent are well-formed JSON (valid UTF-8
 * too when SQS sent UTF-8, as it always does).
 */
#include <string.h>

#include "fuzz.h"
#include "sqs.h"

#define SQS_URL	"http://127.0.0.1:9324/000000000000/q"

static void
check_text(const char *s, size_t cap, const char *what)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL, what);
}

/* The delete request made of the receipts that were received. */
static void
check_request(const struct sqs_messages *m)
{
	struct sqs_entry e[SQS_BATCH_MAX];
	size_t i, n = m->n < SQS_BATCH_MAX ? m->n : SQS_BATCH_MAX;
	char *req;

	for (i = 0; i < n; i++) {
		e[i].receipt = m->v[i].receipt;
		e[i].visibility = i % 2 ? -1 : 30;
	}
	if (n == 0)
		return;
	req = sqs_batch_request(SQS_URL, e, n);
	/* Structure only: SQS sends UTF-8, and json-c's parser (without
	 * JSON_TOKENER_VALIDATE_UTF8) and writer pass other bytes through. */
	FUZZ_CHECK(req != NULL && fuzz_json_structured(req, strlen(req)),
	    "a batch request is not a JSON object");
	free(req);
}

static void
messages(const char *json, size_t len)
{
	struct sqs_messages m;
	char err[256];
	size_t i;

	memset(&m, 0, sizeof(m));
	err[0] = '\0';
	if (sqs_parse_messages(json, len, &m, err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0', "an answer refused without a reason");
	for (i = 0; i < m.n; i++) {
		FUZZ_CHECK(m.v[i].id != NULL && m.v[i].receipt != NULL,
		    "a message without id or receipt handle");
		FUZZ_CHECK(m.v[i].body != NULL && m.v[i].body[m.v[i].len] == '\0',
		    "a body not NUL-terminated at its length");
	}
	check_request(&m);
	sqs_messages_free(&m);
}

static void
batch(const char *json, size_t len)
{
	struct sqs_entry_result res[SQS_BATCH_MAX];
	char err[256];
	size_t i;

	memset(res, 0, sizeof(res));
	(void)sqs_parse_batch(json, len, res, SQS_BATCH_MAX, err, sizeof(err));
	for (i = 0; i < SQS_BATCH_MAX; i++) {
		FUZZ_CHECK(res[i].status <= SQS_ENTRY_FAILED,
		    "an entry status out of range");
		check_text(res[i].code, sizeof(res[i].code), "an entry code");
		check_text(res[i].message, sizeof(res[i].message),
		    "an entry message");
	}
}

static void
error_answer(const char *json, size_t len, long status)
{
	struct sqs_error e;

	memset(&e, 0, sizeof(e));
	sqs_parse_error(status, json, len, len > 0 ? json : NULL, &e);
	check_text(e.code, sizeof(e.code), "an error code");
	check_text(e.message, sizeof(e.message), "an error message");
	FUZZ_CHECK(strchr(e.message, '\n') == NULL,
	    "an error message spans lines");
}

static void
queue_url(const char *text, size_t len)
{
	char url[1024], name[SQS_NAME_MAX + 1], region[64], err[256];
	const char *nl = memchr(text, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - text) : len;

	if (n >= sizeof(url))
		return;
	memcpy(url, text, n);
	url[n] = '\0';
	if (sqs_queue_parse(url, name, sizeof(name), region, sizeof(region),
	    err, sizeof(err)) == 0) {
		FUZZ_CHECK(name[0] != '\0', "a queue without a name");
		check_text(region, sizeof(region), "a region");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json;

	/* The HTTP client hands over a NUL-terminated body. */
	if ((json = malloc(size + 1)) == NULL)
		abort();
	memcpy(json, data, size);
	json[size] = '\0';
	messages(json, size);
	batch(json, size);
	error_answer(json, size, size % 2 ? 400 : 503);
	queue_url(json, size);
	free(json);
	return 0;
}
