/* The physical floor for appending: the same canonical entry bytes a cledger ledger holds,
 * written to a fresh LMDB environment with MDB_APPEND, one durable transaction per batch,
 * computing each entry's SHA-256 leaf hash (0x00 || bytes) and chaining it. No rules, no
 * Merkle nodes, no signatures: what any ledger on this machine must at least pay.
 *
 * usage: append_floor SOURCE_LEDGER_DIR DEST_DIR [BATCH [DUMP_FILE]]
 * DUMP_FILE, if given, receives the entry bytes concatenated (for sha256sum).
 * prints: floor: N entries, B bytes, T s, R entries/s
 */
#include <string.h>
#include "floor.h"

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SOURCE_LEDGER_DIR DEST_DIR [BATCH]\n", argv[0]); return 2; }
    size_t batch = argc > 3 ? (size_t)atol(argv[3]) : 1000;

    /* Load every entry of the source ledger into memory (not timed). */
    MDB_env *src; MDB_txn *rt; MDB_dbi sdbi; MDB_cursor *cur; MDB_val k, v;
    CHECK(mdb_env_create(&src), "env_create");
    CHECK(mdb_env_set_maxdbs(src, 16), "set_maxdbs");
    CHECK(mdb_env_open(src, argv[1], MDB_RDONLY | MDB_NOTLS, 0600), "open source");
    CHECK(mdb_txn_begin(src, NULL, MDB_RDONLY, &rt), "txn_begin");
    CHECK(mdb_dbi_open(rt, "entries", 0, &sdbi), "dbi_open entries");
    MDB_stat st; CHECK(mdb_stat(rt, sdbi, &st), "stat");
    size_t n = st.ms_entries, total = 0, i = 0;
    uint8_t **data = malloc(n * sizeof *data); size_t *len = malloc(n * sizeof *len);
    CHECK(mdb_cursor_open(rt, sdbi, &cur), "cursor");
    while (mdb_cursor_get(cur, &k, &v, i ? MDB_NEXT : MDB_FIRST) == 0) {
        data[i] = malloc(v.mv_size); memcpy(data[i], v.mv_data, v.mv_size); len[i] = v.mv_size; total += v.mv_size; i++;
    }
    mdb_txn_abort(rt); mdb_env_close(src);
    if (argc > 4) {
        FILE *f = fopen(argv[4], "wb");
        if (!f) { perror(argv[4]); return 1; }
        for (size_t j = 0; j < n; j++) fwrite(data[j], 1, len[j], f);
        fclose(f);
    }

    MDB_env *env; MDB_dbi dbi; MDB_txn *txn;
    CHECK(mdb_env_create(&env), "env_create");
    CHECK(mdb_env_set_maxdbs(env, 16), "set_maxdbs");
    CHECK(mdb_env_set_mapsize(env, (size_t)64 << 30), "set_mapsize");
    CHECK(mdb_env_open(env, argv[2], MDB_NOTLS, 0600), "open dest");
    CHECK(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin");
    CHECK(mdb_dbi_open(txn, "entries", MDB_CREATE, &dbi), "dbi_open");
    CHECK(mdb_txn_commit(txn), "commit");

    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t head[32] = {0};
    double t0 = now();
    for (size_t s = 0; s < n; s += batch) appendLogBatch(env, dbi, ctx, md, data, len, s, s + batch < n ? s + batch : n, head);
    double secs = now() - t0;
    printf("floor: %zu entries, %zu bytes, %.3f s, %.0f entries/s (head %02x%02x%02x%02x...)\n",
           n, total, secs, n / secs, head[0], head[1], head[2], head[3]);
    mdb_env_close(env);
    return 0;
}
