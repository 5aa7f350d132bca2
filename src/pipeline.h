/*
 * pipeline.h - documents from inputs to settled outcomes: the bounded
 * document queue, the worker threads that read, unwrap and evaluate, and
 * the accounting that calls the input's done() exactly once per document.
 */
#ifndef CE_PIPELINE_H
#define CE_PIPELINE_H

#include <stdatomic.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

struct ce_engine;
struct ce_instance;
struct ce_doc;

/*
 * One record that fired at least one alert: settled when every delivery
 * of its alerts has settled.  Deliveries hold it (dispatch.c).
 */
struct ce_rec {
	atomic_uint	 pending;	/* deliveries not settled */
	atomic_bool	 failed;	/* one of them did not go out */
	struct ce_doc	*doc;
};

/* Settle one delivery of r's alerts: ok is 0 when it did not go out. */
void		 ce_rec_settle(struct ce_rec *r, int ok);
/* The deadline of the document r belongs to (epoch ms, 0 = none). */
int64_t		 ce_rec_deadline(const struct ce_rec *r);
/* Where r came from, for messages ("trail.json", 12). */
const char	*ce_rec_origin(const struct ce_rec *r, uint64_t *index);

struct ce_pipeline *ce_pipeline_new(struct ce_engine *e, unsigned workers,
		    unsigned queue_size);
int		 ce_pipeline_start(struct ce_pipeline *p);
/* host->submit(). */
int		 ce_pipeline_submit(struct ce_pipeline *p,
		    struct ce_instance *input, const struct ce_document *doc);
/* Refuse further submits (they get -ECANCELED). */
void		 ce_pipeline_close(struct ce_pipeline *p);
/* Documents submitted and not yet settled. */
unsigned long	 ce_pipeline_pending(struct ce_pipeline *p);
/* Join the workers; the queue must be empty. */
void		 ce_pipeline_free(struct ce_pipeline *p);

/* host->fire(): ce_alert_sink is the worker's per-record context. */
int		 ce_pipeline_fire(ce_alert_sink *sink,
		    const struct ce_alert_spec *spec);

#endif /* CE_PIPELINE_H */
