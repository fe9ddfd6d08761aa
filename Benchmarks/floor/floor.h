/* What the floor programs share: the clock, LMDB error checks and the log's durable batch. */
#ifndef CARBONLEDGER_FLOOR_H
#define CARBONLEDGER_FLOOR_H
#include <lmdb.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(rc, what) do { int _rc = (rc); if (_rc) { fprintf(stderr, "%s: %s\n", what, mdb_strerror(_rc)); exit(1); } } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Entries `from` ..< `to` appended under their big-endian seq with MDB_APPEND in one durable
 * transaction, each hashed as a leaf, SHA-256(0x00 || bytes); `head` gets the last leaf hash. */
static void appendLogBatch(MDB_env *env, MDB_dbi dbi, EVP_MD_CTX *ctx, const EVP_MD *md,
                           uint8_t *const *data, const size_t *len, size_t from, size_t to, uint8_t head[32]) {
    MDB_txn *txn;
    const uint8_t zero = 0;
    unsigned int hl;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin log");
    for (size_t j = from; j < to; j++) {
        uint64_t be = __builtin_bswap64((uint64_t)j);
        MDB_val key = { 8, &be }, val = { len[j], data[j] };
        CHECK(mdb_put(txn, dbi, &key, &val, MDB_APPEND), "put entry");
        EVP_DigestInit_ex(ctx, md, NULL);
        EVP_DigestUpdate(ctx, &zero, 1);
        EVP_DigestUpdate(ctx, data[j], len[j]);
        EVP_DigestFinal_ex(ctx, head, &hl);
    }
    CHECK(mdb_txn_commit(txn), "commit log");
}
#endif
