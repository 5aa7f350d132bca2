/*
 * dispatch.h - alerts to outputs: one queue and thread per output
 * instance, bounded in-flight deliveries, retries with backoff and jitter
 * within the retry budget and the document's deadline, the memory of
 * (key, output) pairs already delivered, and the dead-letter file.
 */
#ifndef CE_DISPATCH_H
#define CE_DISPATCH_H

#include <stdint.h>

#include "alert.h"
#include "cloudengine/plugin.h"

struct ce_engine;
struct ce_instance;
struct ce_rec;
struct ce_dispatch;

struct ce_dispatch *ce_dispatch_new(struct ce_engine *e);
int		 ce_dispatch_start(struct ce_dispatch *d);
/* Give an output instance its queue and thread (after its start()). */
int		 ce_dispatch_attach(struct ce_dispatch *d, struct ce_instance *out);
/* Wait until its queue is empty and nothing is in flight; join its thread. */
void		 ce_dispatch_detach(struct ce_dispatch *d, struct ce_instance *out);
/*
 * Queue the delivery of a to out (which the rule called as called_as).
 * Takes references to a, out and r (r->pending is counted here).
 */
int		 ce_dispatch_alert(struct ce_dispatch *d, struct ce_instance *out,
		    const char *called_as, struct ce_alert_data *a,
		    struct ce_rec *r);
/* From now on every retry ends by deadline_ms (shutdown grace). */
void		 ce_dispatch_shutdown(struct ce_dispatch *d, int64_t deadline_ms);
void		 ce_dispatch_free(struct ce_dispatch *d);

/* host->complete(). */
void		 ce_dispatch_complete(ce_delivery *dl,
		    enum ce_delivery_status status, int64_t retry_after_ms,
		    const char *reason);

/* Milliseconds: wall clock (epoch) and monotonic. */
int64_t		 ce_now_ms(void);
int64_t		 ce_mono_ms(void);

#endif /* CE_DISPATCH_H */
