/* The storage floor of cledger's state model: what the ledger's LMDB work costs with no rules,
 * no JSON and no Swift. For every behaviour report of a source ledger it does what the
 * sequencer asks of LMDB for that event, with the same keys and the same value bytes:
 *   - log: the entry appended with MDB_APPEND and its SHA-256 leaf hash (as append_floor.c);
 *   - state reads: the duplicate check (src/PLATFORM/REF), the account, the consent, the points
 *     record and the daily cap, and the interval index's predecessor search (a cursor seek and
 *     a step back), all in a read transaction of the state as committed before the batch;
 *   - state writes: src, interval, cap, account, points, eligible, behaviour and history
 *     records, sorted by key, put in one transaction per batch (no fsync, like cledger's state
 *     environment); the log's transaction per batch is durable.
 * Values are taken from the source ledger's final state, so sizes are realistic: from
 * SOURCE_STATE_DIR, an LMDB environment whose database `state` holds every record as canonical
 * JSON (`cledger-tools rules-json` writes one from a ledger: its rules checkpoint and read
 * models; the ledger's own state environment keeps neither the records only the rules read nor
 * JSON for them). Records every
 * event in a batch shares (statistics, totals, the signer's key, methodologies) are left out,
 * and keys read again within a batch are read again from LMDB: a floor, not a model.
 *
 * usage: state_floor SOURCE_LEDGER_DIR SOURCE_STATE_DIR DEST_DIR [BATCH [MODEL]]
 * MODEL is what a smaller state would cost, for comparison: `full` (default, today's records),
 * `short-values` (every value cut to at most 16 bytes, as fixed-layout binary records would
 * be), `four-records` (only src, interval, account and behaviour records written: the history,
 * eligible, cap and points records left out, while the cap and points lookups stay, as a state
 * that kept their counts elsewhere would still look them up), `compact` (both) or
 * `behaviour-blobs` (a batch's behaviour records as one value under its first seq, appended,
 * instead of one record each).
 * Entries before the first behaviour report (the city's setup) are appended untimed. The source
 * is loaded into memory first (about 2 KB per behaviour report: 3M reports take about 6 GB).
 * prints: state floor (MODEL): N entries (M behaviour reports), T s, R events/s (per event: log
 * A us, state reads B us, state writes C us)
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/stat.h>
#include "floor.h"

typedef struct { char *k; size_t kl; uint8_t *v; size_t vl; } KV;
typedef struct { char *keys[6]; size_t nreads; char *ivseek; KV writes[8]; size_t nwrites; } Event;

static char *dupn(const char *s, size_t n) { char *d = malloc(n + 1); memcpy(d, s, n); d[n] = 0; return d; }

/* The string value of "name":"..." in canonical JSON (these values hold no escapes), or NULL. */
static char *field(const uint8_t *json, size_t len, const char *name) {
    char pat[64]; snprintf(pat, sizeof pat, "\"%s\":\"", name);
    const char *p = memmem(json, len, pat, strlen(pat));
    if (!p) return NULL;
    p += strlen(pat);
    const char *e = memchr(p, '"', (const char *)json + len - p);
    return e ? dupn(p, e - p) : NULL;
}

/* cledger's keySegment: bytes outside 0x21-0x7E, '/' and '%' as %XX. */
static char *segment(const char *s) {
    char *o = malloc(strlen(s) * 3 + 1), *q = o;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p > 0x20 && *p < 0x7F && *p != '/' && *p != '%') *q++ = *p;
        else q += sprintf(q, "%%%02X", *p);
    }
    *q = 0; return o;
}

static MDB_txn *srctxn; static MDB_dbi srcstate;
static int shortValues, fourRecords, behaviourBlobs;

/* Adds a write of `key` with the source state's value (skipped when the source has none). */
static void addWrite(Event *e, char *key) {
    MDB_val k = { strlen(key), key }, v;
    int dropped = fourRecords && (!strncmp(key, "hist/", 5) || !strncmp(key, "elig/", 5) || !strncmp(key, "cap/", 4) || !strncmp(key, "pts/", 4));
    if (dropped || mdb_get(srctxn, srcstate, &k, &v) != 0) { free(key); return; }
    KV *w = &e->writes[e->nwrites++];
    w->k = key; w->kl = k.mv_size; w->v = malloc(v.mv_size); memcpy(w->v, v.mv_data, v.mv_size);
    w->vl = shortValues && v.mv_size > 16 ? 16 : v.mv_size;
}

static int cmpkv(const void *a, const void *b) {
    const KV *x = *(KV *const *)a, *y = *(KV *const *)b;
    size_t n = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

static MDB_env *openEnv(const char *path, unsigned flags) {
    MDB_env *env;
    CHECK(mdb_env_create(&env), "env_create");
    CHECK(mdb_env_set_maxdbs(env, 16), "set_maxdbs");
    CHECK(mdb_env_set_mapsize(env, (size_t)256 << 30), "set_mapsize");
    CHECK(mdb_env_open(env, path, flags | MDB_NOTLS, 0600), path);
    return env;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s SOURCE_LEDGER_DIR SOURCE_STATE_DIR DEST_DIR [BATCH [full|short-values|four-records|compact|behaviour-blobs]]\n", argv[0]); return 2; }
    size_t batch = argc > 4 ? (size_t)atol(argv[4]) : 1000;
    const char *model = argc > 5 ? argv[5] : "full";
    if (!strcmp(model, "short-values")) shortValues = 1;
    else if (!strcmp(model, "four-records")) fourRecords = 1;
    else if (!strcmp(model, "compact")) shortValues = fourRecords = 1;
    else if (!strcmp(model, "behaviour-blobs")) behaviourBlobs = 1;
    else if (strcmp(model, "full")) { fprintf(stderr, "MODEL must be full, short-values, four-records, compact or behaviour-blobs, not %s\n", model); return 2; }
    if (batch < 1) { fprintf(stderr, "BATCH must be at least 1\n"); return 2; }
    char path[4096];

    /* Load the source's entries and, per behaviour report, the keys and values (not timed). */
    MDB_env *srclog = openEnv(argv[1], MDB_RDONLY);
    MDB_env *srcst = openEnv(argv[2], MDB_RDONLY);
    MDB_txn *lt; MDB_dbi entries; MDB_cursor *cur; MDB_val k, v;
    CHECK(mdb_txn_begin(srclog, NULL, MDB_RDONLY, &lt), "txn_begin");
    CHECK(mdb_dbi_open(lt, "entries", 0, &entries), "dbi_open entries");
    CHECK(mdb_txn_begin(srcst, NULL, MDB_RDONLY, &srctxn), "txn_begin state");
    CHECK(mdb_dbi_open(srctxn, "state", 0, &srcstate), "dbi_open state");
    MDB_stat st; CHECK(mdb_stat(lt, entries, &st), "stat");
    size_t n = st.ms_entries, i = 0, nevents = 0, first = SIZE_MAX;
    uint8_t **data = malloc(n * sizeof *data); size_t *len = malloc(n * sizeof *len);
    Event *events = calloc(n, sizeof *events);
    CHECK(mdb_cursor_open(lt, entries, &cur), "cursor");
    while (mdb_cursor_get(cur, &k, &v, i ? MDB_NEXT : MDB_FIRST) == 0) {
        data[i] = malloc(v.mv_size); memcpy(data[i], v.mv_data, v.mv_size); len[i] = v.mv_size;
        char seq[24]; snprintf(seq, sizeof seq, "%016zu", i);
        char bk[32]; snprintf(bk, sizeof bk, "beh/%s", seq);
        MDB_val bkey = { strlen(bk), bk }, beh;
        if (mdb_get(srctxn, srcstate, &bkey, &beh) == 0) {
            Event *e = &events[i]; nevents++;
            if (first == SIZE_MAX) first = i;
            char *acct = field(beh.mv_data, beh.mv_size, "account"), *plat = field(beh.mv_data, beh.mv_size, "platform");
            char *cap = field(beh.mv_data, beh.mv_size, "cap"), *elig = field(beh.mv_data, beh.mv_size, "eligible");
            char *iv = field(beh.mv_data, beh.mv_size, "interval"), *ref = field(data[i], len[i], "source_ref");
            char *seg = segment(ref ? ref : ""), buf[1024];
            snprintf(buf, sizeof buf, "src/%s/%s", plat, seg); char *src = strdup(buf);
            snprintf(buf, sizeof buf, "acct/%s", acct); char *ak = strdup(buf);
            snprintf(buf, sizeof buf, "consent/%s/%s", acct, plat); char *ck = strdup(buf);
            snprintf(buf, sizeof buf, "pts/%s/%s", acct, plat); char *pk = strdup(buf);
            e->keys[e->nreads++] = src; e->keys[e->nreads++] = ak; e->keys[e->nreads++] = ck; e->keys[e->nreads++] = pk;
            if (cap) e->keys[e->nreads++] = cap;
            e->ivseek = iv;
            /* The src record's value is {"seq":N}; the rest come from the source state. */
            KV *w = &e->writes[e->nwrites++];
            w->k = strdup(src); w->kl = strlen(src); w->v = malloc(40); w->vl = snprintf((char *)w->v, 40, "{\"seq\":%zu}", i);
            if (iv) addWrite(e, strdup(iv));
            if (cap) addWrite(e, strdup(cap));
            addWrite(e, strdup(ak)); addWrite(e, strdup(pk));
            if (elig) addWrite(e, elig);
            addWrite(e, strdup(bk));
            snprintf(buf, sizeof buf, "hist/%.10s/%s/%s", seq, acct, seq); addWrite(e, strdup(buf));
            free(acct); free(plat); free(ref); free(seg);
        }
        i++;
    }
    mdb_txn_abort(lt); mdb_env_close(srclog);

    /* The destination starts with every record behaviour reports read but do not create
     * (accounts, consents, points), as a ledger's setup leaves them. */
    snprintf(path, sizeof path, "%s/log", argv[3]);
    if (mkdir(path, 0700) != 0) { perror(path); return 1; }
    MDB_env *log = openEnv(path, 0);
    snprintf(path, sizeof path, "%s/state", argv[3]);
    if (mkdir(path, 0700) != 0) { perror(path); return 1; }
    MDB_env *state = openEnv(path, MDB_NOSYNC);
    MDB_txn *txn; MDB_dbi ldbi, sdbi;
    CHECK(mdb_txn_begin(log, NULL, 0, &txn), "txn_begin");
    CHECK(mdb_dbi_open(txn, "entries", MDB_CREATE, &ldbi), "dbi_open");
    CHECK(mdb_txn_commit(txn), "commit");
    CHECK(mdb_txn_begin(state, NULL, 0, &txn), "txn_begin");
    CHECK(mdb_dbi_open(txn, "state", MDB_CREATE, &sdbi), "dbi_open");
    CHECK(mdb_cursor_open(srctxn, srcstate, &cur), "cursor");
    for (int op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
        if ((k.mv_size > 5 && !memcmp(k.mv_data, "acct/", 5)) || (k.mv_size > 8 && !memcmp(k.mv_data, "consent/", 8)) ||
            (k.mv_size > 4 && !memcmp(k.mv_data, "pts/", 4)))
            CHECK(mdb_put(txn, sdbi, &k, &v, 0), "put setup");
    }
    CHECK(mdb_txn_commit(txn), "commit setup");
    mdb_txn_abort(srctxn); mdb_env_close(srcst);

    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t head[32] = {0};
    KV **order = malloc(batch * 8 * sizeof *order);
    uint8_t *blob = malloc(batch * 4096);
    if (first == SIZE_MAX) { fprintf(stderr, "the source ledger holds no behaviour report\n"); return 1; }
    /* The setup before the first behaviour report is appended untimed, as cledger's
     * stress-append times the behaviour reports alone. */
    appendLogBatch(log, ldbi, ctx, md, data, len, 0, first, head);
    size_t timed = n - first;
    double tlog = 0, treads = 0, twrites = 0, t0 = now();
    for (size_t s = first; s < n; s += batch) {
        size_t end = s + batch < n ? s + batch : n;
        double a = now();
        appendLogBatch(log, ldbi, ctx, md, data, len, s, end, head);
        double b = now();
        MDB_txn *rt; MDB_cursor *c;
        CHECK(mdb_txn_begin(state, NULL, MDB_RDONLY, &rt), "txn_begin read");
        CHECK(mdb_cursor_open(rt, sdbi, &c), "cursor");
        size_t hits = 0, nw = 0;
        for (size_t j = s; j < end; j++) {
            Event *e = &events[j];
            for (size_t r = 0; r < e->nreads; r++) {
                MDB_val key = { strlen(e->keys[r]), e->keys[r] }, val;
                hits += mdb_get(rt, sdbi, &key, &val) == 0;
            }
            if (e->ivseek) {
                MDB_val key = { strlen(e->ivseek), e->ivseek }, val;
                /* The greatest key below the seek key: step back from the first key at or above
                 * it, or take the last key when there is none. */
                int rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
                hits += mdb_cursor_get(c, &key, &val, rc == 0 ? MDB_PREV : MDB_LAST) == 0;
            }
            for (size_t w = 0; w < e->nwrites; w++) order[nw++] = &e->writes[w];
        }
        mdb_cursor_close(c); mdb_txn_abort(rt);
        double d = now();
        size_t blobLength = 0;
        if (behaviourBlobs) {
            size_t kept = 0;
            for (size_t w = 0; w < nw; w++) {
                if (strncmp(order[w]->k, "beh/", 4)) { order[kept++] = order[w]; continue; }
                if (blobLength + order[w]->vl > batch * 4096) { fprintf(stderr, "behaviour records over 4 KB each on average\n"); return 1; }
                memcpy(blob + blobLength, order[w]->v, order[w]->vl);
                blobLength += order[w]->vl;
            }
            nw = kept;
        }
        qsort(order, nw, sizeof *order, cmpkv);
        CHECK(mdb_txn_begin(state, NULL, 0, &txn), "txn_begin state");
        for (size_t w = 0; w < nw; w++) {
            MDB_val key = { order[w]->kl, order[w]->k }, val = { order[w]->vl, order[w]->v };
            CHECK(mdb_put(txn, sdbi, &key, &val, 0), "put state");
        }
        if (blobLength) {
            char bk[40]; snprintf(bk, sizeof bk, "behb/%016zu", s);
            MDB_val key = { strlen(bk), bk }, val = { blobLength, blob };
            CHECK(mdb_put(txn, sdbi, &key, &val, 0), "put behaviour blob");
        }
        CHECK(mdb_txn_commit(txn), "commit state");
        double f = now();
        tlog += b - a; treads += d - b; twrites += f - d;
        (void)hits;
    }
    double secs = now() - t0;
    printf("state floor (%s): %zu entries (%zu behaviour reports), %.3f s, %.0f events/s (per event: log %.2f us, state reads %.2f us, state writes %.2f us)\n",
           model, timed, nevents, secs, timed / secs, 1e6 * tlog / timed, 1e6 * treads / timed, 1e6 * twrites / timed);
    mdb_env_close(log); mdb_env_close(state);
    return 0;
}
