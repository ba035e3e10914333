/* Runs the fuzz target without libFuzzer, so every gcc build checks it:
 * each corpus file as is, then a fixed number of seeded mutations of them
 * (byte flips, truncations, splices). Exit 0 means nothing crashed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_INPUT_MAX 65536
#define REPLAY_FILES_MAX 256

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    /* xorshift64: reproducible across runs and machines. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    static uint8_t inputs[REPLAY_FILES_MAX][REPLAY_INPUT_MAX], buf[REPLAY_INPUT_MAX];
    static size_t lens[REPLAY_FILES_MAX];
    size_t n = 0;
    long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [ROUNDS]\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < REPLAY_FILES_MAX) {
        char path[4096];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        lens[n] = fread(inputs[n], 1, REPLAY_INPUT_MAX, f);
        fclose(f);
        LLVMFuzzerTestOneInput(inputs[n], lens[n]);
        n++;
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "%s: empty corpus\n", argv[1]);
        return 1;
    }
    for (long r = 0; r < rounds; r++) {
        size_t k = rnd() % n, len = lens[k];
        memcpy(buf, inputs[k], len);
        switch (rnd() % 4) {
        case 0: /* flip a few bytes */
            for (int i = 0; i < 4 && len; i++)
                buf[rnd() % len] = (uint8_t)rnd();
            break;
        case 1: /* truncate */
            len = len ? rnd() % len : 0;
            break;
        case 2: { /* splice in another input's tail */
            size_t o = rnd() % n, at = len ? rnd() % len : 0, from = lens[o] ? rnd() % lens[o] : 0;
            size_t take = lens[o] - from;
            if (at + take > REPLAY_INPUT_MAX)
                take = REPLAY_INPUT_MAX - at;
            memcpy(buf + at, inputs[o] + from, take);
            len = at + take;
            break;
        }
        default: /* duplicate a byte run, stretching lengths and numbers */
            if (len && len < REPLAY_INPUT_MAX / 2) {
                size_t at = rnd() % len, run = 1 + rnd() % 32;
                if (at + run > len)
                    run = len - at;
                memmove(buf + at + run, buf + at, len - at);
                len += run;
            }
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("fuzz_replay: %zu corpus files, %ld mutations, no crash\n", n, rounds);
    return 0;
}
