/*
 * sqs.h - the pieces of the `sqs` input: the SQS JSON protocol (bodies and
 * answers), the signed HTTP client, and the ledger of received messages
 * that the receiving and acknowledging threads share.
 */
#ifndef CE_SQS_H
#define CE_SQS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

#define SQS_BATCH_MAX		10	/* entries per batch call, and messages
					 * per ReceiveMessage */
#define SQS_WAIT_MAX		20	/* WaitTimeSeconds */
#define SQS_VISIBILITY_MAX	43200	/* VisibilityTimeout: 12 hours */
#define SQS_NAME_MAX		80	/* queue names: 80 characters */

/* ------------------------------------------------------------------ */
/* The queue (sqs_proto.c)                                             */
/* ------------------------------------------------------------------ */

/*
 * Check "http(s)://HOST[:PORT]/ACCOUNT/NAME" and copy out the queue's name
 * and, when the host tells it (sqs.REGION.*, REGION.queue.amazonaws.com,
 * queue.amazonaws.com), its region ("" otherwise).  -EINVAL with the
 * reason in err.
 */
int	sqs_queue_parse(const char *url, char *name, size_t namelen,
	    char *region, size_t regionlen, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Requests and answers (sqs_proto.c)                                  */
/* ------------------------------------------------------------------ */

/* One message of a ReceiveMessage answer; every string malloc'd. */
struct sqs_message {
	char		*id;		/* MessageId */
	char		*receipt;	/* ReceiptHandle */
	char		*body;		/* Body, NUL-terminated */
	size_t		 len;		/* bytes of body */
	unsigned	 receive_count;	/* ApproximateReceiveCount, 0 = unknown */
};

struct sqs_messages {
	struct sqs_message	*v;
	size_t			 n;
	size_t			 dropped;	/* entries without id or handle */
};

/* What an error answer says. */
struct sqs_error {
	char		 code[64];	/* "QueueDoesNotExist", "HTTP 503",
					 * "connection" ... */
	char		 message[256];	/* first line only: never echoes a
					 * canonical request or a token */
	int		 retryable;	/* throttling, 5xx, no answer */
};

/* One entry of a DeleteMessageBatch / ChangeMessageVisibilityBatch. */
struct sqs_entry {
	const char	*receipt;
	int		 visibility;	/* seconds; -1 = a delete entry */
};

/* Per entry of a batch answer. */
enum sqs_entry_status {
	SQS_ENTRY_UNKNOWN = 0,	/* in neither list: try again */
	SQS_ENTRY_OK,
	SQS_ENTRY_FAILED
};

struct sqs_entry_result {
	enum sqs_entry_status	 status;
	int			 sender_fault;
	char			 code[64];
	char			 message[160];
};

/* Request bodies as malloc'd JSON text; NULL when out of memory. */
char	*sqs_receive_request(const char *queue_url, int max_messages,
	    int wait_seconds, int visibility);
char	*sqs_batch_request(const char *queue_url,
	    const struct sqs_entry *entries, size_t n);

/* Parse a ReceiveMessage answer ({} when empty).  -EINVAL (reason in err)
 * or -ENOMEM; free with sqs_messages_free() in every case. */
int	sqs_parse_messages(const char *json, size_t len,
	    struct sqs_messages *out, char *err, size_t errlen);
void	sqs_messages_free(struct sqs_messages *m);

/* Parse a batch answer into res[0..n) (entry i was sent with Id "i"). */
int	sqs_parse_batch(const char *json, size_t len,
	    struct sqs_entry_result *res, size_t n, char *err, size_t errlen);

/* Fill e from an error answer: body {"__type":"...#Code","message":...},
 * else the x-amzn-query-error header value (may be NULL), else the
 * status. */
void	sqs_parse_error(long status, const char *json, size_t len,
	    const char *query_error, struct sqs_error *e);

/* Throttling and server-side codes that are worth retrying. */
int	sqs_code_retryable(const char *code);

/* Capped exponential backoff with equal jitter: attempt 1, 2, ... gives
 * a delay in [d/2, d] with d = min(cap, base * 2^(attempt-1)). */
int64_t	sqs_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
	    uint64_t *seed);

/* ------------------------------------------------------------------ */
/* The signed HTTP client (sqs_client.c)                               */
/* ------------------------------------------------------------------ */

struct sqs_client_conf {
	const char	*endpoint;	/* service endpoint, no trailing '/' */
	const char	*region;	/* signing region */
	const char	*ca_bundle;	/* NULL = libcurl's */
	int64_t		 connect_timeout_ms;
};

/* The answer to one call: the body when status is 2xx, else why not. */
struct sqs_answer {
	long		 status;	/* 0 when no answer arrived */
	char		*body;		/* owned by the client; valid until
					 * its next call */
	size_t		 len;
	struct sqs_error error;		/* when status is not 2xx */
	int		 aborted;	/* sqs_client_abort() cut it short */
};

struct sqs_client;

/* Main thread.  Logs why and returns < 0 on failure. */
int	sqs_client_new(ce_instance *self, const struct ce_host *host,
	    const struct sqs_client_conf *conf, struct sqs_client **out);
void	sqs_client_free(struct sqs_client *c);

/*
 * POST body to the endpoint as AmazonSQS.<op>, signed with the host's
 * current credentials; at most timeout_ms.  0 with a 2xx answer; -EIO
 * otherwise (a->error says why, nothing secret in it).  One thread at a
 * time per client.
 */
int	sqs_call(struct sqs_client *c, const char *op, const char *body,
	    int64_t timeout_ms, struct sqs_answer *a);
/* Make the call in progress (and every later one) end soon.  Any thread. */
void	sqs_client_abort(struct sqs_client *c);

/* ------------------------------------------------------------------ */
/* The ledger (sqs_ledger.c)                                           */
/* ------------------------------------------------------------------ */

/*
 * A received message is, in turn:
 *   WORKING  submitted (or about to be), awaiting done(); its visibility
 *            is extended while it approaches its timeout
 *   DELETE   done() said OK: DeleteMessage is due
 *   RETURN   done() said FAILED (or it was never submitted, or shutdown
 *            released it): ChangeMessageVisibility to ret_visibility is
 *            due; awaiting_done when done() is still to come
 *   IDLE     returned at shutdown, done() still to come
 *   DROP     nothing left to do: freed by the acknowledging thread
 */
enum sqs_state {
	SQS_WORKING,
	SQS_DELETE,
	SQS_RETURN,
	SQS_IDLE,
	SQS_DROP
};

struct sqs_msg {
	struct sqs_msg	*prev, *next;
	char		*id;		/* MessageId */
	char		*receipt;	/* the latest ReceiptHandle */
	unsigned	 gen;		/* bumped when receipt changes */
	enum sqs_state	 state;
	int		 awaiting_done;
	int		 busy;		/* in a batch being sent */
	int		 no_extend;	/* SQS refused to extend it */
	int		 ret_visibility;
	unsigned	 tries;		/* failed attempts at the pending call */
	unsigned	 receive_count;
	int64_t		 visible_at;	/* monotonic ms: SQS hands it out again */
	int64_t		 next_try;	/* monotonic ms: not before */
	char		*origin;	/* "sqs:QUEUE/MessageId" */
};

/* What the acknowledging thread sends next. */
enum sqs_action {
	SQS_ACT_DELETE,		/* DeleteMessageBatch */
	SQS_ACT_VISIBILITY	/* ChangeMessageVisibilityBatch */
};

struct sqs_batch {
	enum sqs_action		 action;
	size_t			 n;
	struct sqs_msg		*msg[SQS_BATCH_MAX];
	unsigned		 gen[SQS_BATCH_MAX];
	enum sqs_state		 was[SQS_BATCH_MAX];	/* state when taken */
	char			*receipt[SQS_BATCH_MAX];	/* copies */
	struct sqs_entry	 entry[SQS_BATCH_MAX];
	int64_t			 sent_at;		/* monotonic ms */
};

/* Counters, read with the lock held (tests, metrics). */
struct sqs_ledger_counts {
	uint64_t	received;	/* messages taken in (not duplicates) */
	uint64_t	duplicates;	/* received again while held */
	uint64_t	deleted;
	uint64_t	returned;	/* visibility changed after a failure */
	uint64_t	released;	/* returned at shutdown */
	uint64_t	extended;
	uint64_t	given_up;	/* calls that failed for good */
};

struct sqs_ledger {
	pthread_mutex_t		 lock;
	pthread_cond_t		 changed;	/* wakes the acknowledger */
	pthread_cond_t		 room;		/* wakes the receiver and stop() */
	struct sqs_msg		*head;
	size_t			 held;		/* messages in the list */
	size_t			 working;	/* in state WORKING */
	int			 closing;	/* stop receiving */
	int			 receiving;	/* the receiver runs */
	int			 quitting;	/* acknowledger: finish and exit */
	int64_t			 quit_by;	/* monotonic ms: give up then */
	int			 visibility;	/* seconds, what receive asks */
	int			 failed_visibility; /* -1: leave it to SQS */
	unsigned		 max_tries;	/* per pending call */
	uint64_t		 seed;		/* jitter */
	struct sqs_ledger_counts counts;
};

/* Monotonic clock in milliseconds. */
int64_t	sqs_now_ms(void);

int	sqs_ledger_init(struct sqs_ledger *l, int visibility,
	    int failed_visibility);
/* Frees every message left; no thread may use the ledger any more. */
void	sqs_ledger_destroy(struct sqs_ledger *l);

/*
 * The functions below take the lock themselves.
 */

/* A message just received at now.  Returns the message to submit, or
 * NULL when it is already held and in hand (a redelivery while being
 * worked on: its receipt handle is updated) or when out of memory
 * (*oom set).  origin is made from queue name and MessageId. */
struct sqs_msg *sqs_ledger_add(struct sqs_ledger *l, const char *queue,
	    const struct sqs_message *m, int64_t now, int *oom);
/* done() for msg: ok = outcome CE_DOC_OK. */
void	sqs_ledger_settle(struct sqs_ledger *l, struct sqs_msg *msg, int ok);
/* msg's ApproximateReceiveCount as last received (0 = unknown). */
unsigned sqs_ledger_receives(struct sqs_ledger *l, struct sqs_msg *msg);
/* submit() failed: return msg at once (visibility 0) when cancelled,
 * else as a failure. */
void	sqs_ledger_unsubmitted(struct sqs_ledger *l, struct sqs_msg *msg,
	    int cancelled);

/* Wait until fewer than limit messages are WORKING; the room left, or 0
 * once closing. */
size_t	sqs_ledger_wait_room(struct sqs_ledger *l, size_t limit);
/* Sleep ms unless closing; -ECANCELED when closing. */
int	sqs_ledger_sleep(struct sqs_ledger *l, int64_t ms);
/* Stop receiving: wakes the receiver. */
void	sqs_ledger_close(struct sqs_ledger *l);
int	sqs_ledger_closing(struct sqs_ledger *l);
/* The receiver starts (1) or has ended (0). */
void	sqs_ledger_receiving(struct sqs_ledger *l, int on);
/* Wait until the receiver has ended or the deadline (monotonic ms);
 * 0 when it has ended, -ETIMEDOUT. */
int	sqs_ledger_wait_receiver(struct sqs_ledger *l, int64_t deadline);
/* Wait until nothing is WORKING or the deadline (monotonic ms); returns
 * the number still WORKING. */
size_t	sqs_ledger_wait_settled(struct sqs_ledger *l, int64_t deadline);
/* Give every WORKING message back to SQS now (visibility 0); returns how
 * many. */
size_t	sqs_ledger_release_all(struct sqs_ledger *l);
/* Tell the acknowledger to send what is pending and exit, by deadline. */
void	sqs_ledger_quit(struct sqs_ledger *l, int64_t deadline);

/*
 * The acknowledger's side.  sqs_ledger_take() waits until a batch is due
 * and fills b (1), or returns 0 when it should exit.  Deletes come first,
 * then visibility changes (returns, releases and extensions together).
 * sqs_ledger_finish() applies the answer: res[i] for entry i, or res NULL
 * when the whole call failed (error says why).  Both free what the batch
 * copied.
 */
int	sqs_ledger_take(struct sqs_ledger *l, struct sqs_batch *b);
void	sqs_ledger_finish(struct sqs_ledger *l, struct sqs_batch *b,
	    const struct sqs_entry_result *res, const struct sqs_error *error,
	    void (*report)(void *arg, const struct sqs_batch *b, size_t i,
	    const char *what), void *arg);
/* Exposed for tests: a batch due at now, without waiting (0 = none). */
int	sqs_ledger_take_due(struct sqs_ledger *l, struct sqs_batch *b,
	    int64_t now);
void	sqs_batch_clear(struct sqs_batch *b);

#endif /* CE_SQS_H */
