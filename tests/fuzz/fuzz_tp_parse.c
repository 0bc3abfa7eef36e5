/* fuzz_tp_parse.c - libFuzzer target for every reader of TensorPool answers
 * (tensorpool/parse.c): the bytes are tried as a JSON answer to each call,
 * and as the text of a list or info "message". Any crash, leak or UB is a
 * bug; `make check` runs it for a fixed number of executions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tensorpool/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_json(const char *body, size_t size)
{
    char msg[128], text[256];
    json_t *obj = tp_parse_object(body, size, msg, sizeof msg);
    if (!obj)
        return;
    struct tp_volume *vols, v;
    size_t n;
    if (tp_parse_volume_list(obj, &vols, &n, msg, sizeof msg) == TP_OK)
        free(vols);
    tp_parse_volume_info(obj, &v, msg, sizeof msg);
    struct tp_request r;
    tp_parse_request(obj, &r, msg, sizeof msg);
    struct tp_s3_creds c;
    tp_parse_creds(obj, &c, msg, sizeof msg);
    char **names;
    if (tp_parse_buckets(obj, &names, &n, msg, sizeof msg) == TP_OK)
        tp_strv_free(names, n);
    tp_parse_message(obj, text, sizeof text);
    json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    as_json(text, size);
    struct tp_volume vols[8], v;
    tp_parse_volume_table(text, vols, 8);
    tp_parse_volume_text(text, &v);
    free(text);
    return 0;
}
