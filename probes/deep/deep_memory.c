/* How the module asks glibc to keep decoders' memory between probes; see
 * deepm.h. */
#include "deepm.h"

#include <malloc.h>
#include <pthread.h>

/* A keyframe decode allocates its pictures and tables afresh (a 2560x1440
 * H.264 picture is 5.5 MB, ~20 MB in all with find_stream_info's decoder).
 * glibc served such blocks with mmap and gave them back at free, or trimmed
 * its heap once more than twice the last block lay free at the top, so every
 * probe faulted all those pages in again and the kernel zeroed them: ~5,000
 * page faults and half of a probe's CPU in the kernel (a 1440p RTSP look
 * 115 ms of CPU, 38 ms with the memory kept). Blocks up to 32 MiB now come
 * from the heap, and up to 32 MiB lying free at its top is kept for the next
 * probe. The cost is that memory, held after the busiest moment of decoding;
 * pictures larger than 32 MiB (above 4096x2730) are mmapped as before. */
#define KEEP_BYTES (32u << 20)

static void keep(void)
{
    mallopt(M_MMAP_THRESHOLD, KEEP_BYTES);
    mallopt(M_TRIM_THRESHOLD, KEEP_BYTES);
}

void deepm_memory_keep(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, keep);
}
