/* Where the central's durable consumer of a zone starts: where the
 * central's index says it is. The index is the truth: a central whose
 * index was deleted (or restored from an older copy) would otherwise
 * resume where the consumer had acknowledged, and never see again what
 * its index lost. */
#include <errno.h>

#include "cluster/central_resume.h"
#include "cluster/nats_link.h"

int central_resume_prepare(jsCtx *js, const char *stream, const char *durable, uint64_t last_seq,
                           bool force, jsSubOptions *so, bool *rewound)
{
    *rewound = false;
    jsConsumerInfo *ci = NULL;
    jsErrCode je = 0;
    natsStatus s = js_GetConsumerInfo(&ci, js, stream, durable, NULL, &je);
    bool exists = s == NATS_OK;
    bool ahead = exists && (force || ci->AckFloor.Stream > last_seq);
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK && s != NATS_NOT_FOUND)
        return nats_link_err(s) ? nats_link_err(s) : -EIO;
    if (ahead) {
        /* Its position is past the index's: made again from the index's. */
        s = js_DeleteConsumer(js, stream, durable, NULL, &je);
        if (s != NATS_OK && s != NATS_NOT_FOUND)
            return nats_link_err(s) ? nats_link_err(s) : -EIO;
        *rewound = true;
    }
    if ((!exists || ahead) && last_seq > 0) {
        so->Config.DeliverPolicy = js_DeliverByStartSequence;
        so->Config.OptStartSeq = last_seq + 1;
    }
    return 0;
}
