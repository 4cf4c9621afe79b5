/*
 * Unit tests of the HTTPS edge's HTTP layer (gateway/gw_edge_http.c): request
 * heads (each limit and each malformation gets its status), the deliveries
 * query, delivery ids, the ERROR code -> HTTP status table and JSON escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/proto.h"
#include "gw_edge_http.h"
#include "unittest.h"

/* Parse a copy of head (the text before the blank line). */
static int
s_parse(const char *head, gw_edge_req_t *rq)
{
    memset(rq, 0, sizeof(*rq));
    size_t n = strlen(head);
    char *buf = gw_malloc(n + 1);
    assert_non_null(buf);
    memcpy(buf, head, n + 1);
    int st = gw_edge_http_parse_head(buf, rq);
    gw_free(buf);
    return st;
}

static void
test_edge_http_good_requests(void **state)
{
    (void)state;
    gw_edge_req_t rq;
    assert_int_equal(s_parse("POST /v1/messages HTTP/1.1\r\nHost: edge\r\n"
                             "content-length:  1234 \r\nContent-Type: application/xml\r\n"
                             "Expect: 100-continue",
                             &rq),
                     0);
    assert_string_equal(rq.method, "POST");
    assert_string_equal(rq.path, "/v1/messages");
    assert_string_equal(rq.query, "");
    assert_int_equal(rq.clen, 1234);
    assert_int_equal(rq.expect100, 1);
    assert_int_equal(rq.chunked, 0);
    assert_string_equal(rq.ctype, "application/xml");
    assert_int_equal(s_parse("GET /v1/deliveries/next?wait=30 HTTP/1.0", &rq), 0);
    assert_string_equal(rq.method, "GET");
    assert_string_equal(rq.path, "/v1/deliveries/next");
    assert_string_equal(rq.query, "wait=30");
    assert_int_equal(rq.clen, -1);
    /* The same Content-Length twice is allowed; Transfer-Encoding is noted. */
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n"
                             "Transfer-Encoding: chunked",
                             &rq),
                     0);
    assert_int_equal(rq.clen, 5);
    assert_int_equal(rq.chunked, 1);
}

static void
test_edge_http_bad_requests(void **state)
{
    (void)state;
    gw_edge_req_t rq;
    assert_int_equal(s_parse("", &rq), 400);
    assert_int_equal(s_parse("GET", &rq), 400);
    assert_int_equal(s_parse("GET /x", &rq), 400);
    assert_int_equal(s_parse("GET  /x HTTP/1.1", &rq), 400);
    assert_int_equal(s_parse("GET /x HTTP/1.1 extra", &rq), 400);
    assert_int_equal(s_parse("G(T /x HTTP/1.1", &rq), 400);
    assert_int_equal(s_parse("VERYLONGMETHODNAME /x HTTP/1.1", &rq), 400);
    assert_int_equal(s_parse("GET x HTTP/1.1", &rq), 400);
    assert_int_equal(s_parse("GET /a\x7f HTTP/1.1", &rq), 400);
    assert_int_equal(s_parse("GET /x HTTP/2.0", &rq), 505);
    assert_int_equal(s_parse("GET /x HTTP/1.2", &rq), 505);
    assert_int_equal(s_parse("GET /x FTP/1.1", &rq), 400);
    assert_int_equal(s_parse("GET /x HTTP/1.1\r\nNoColon", &rq), 400);
    assert_int_equal(s_parse("GET /x HTTP/1.1\r\n: empty-name", &rq), 400);
    assert_int_equal(s_parse("GET /x HTTP/1.1\r\nHost : x", &rq), 400); /* RFC 9112 5.1 */
    assert_int_equal(s_parse("GET /x HTTP/1.1\r\n folded: x", &rq), 400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length: -1", &rq), 400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length: 1e3", &rq), 400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length:", &rq), 400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length: 9999999999999999", &rq), 400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", &rq),
                     400);
    assert_int_equal(s_parse("POST /x HTTP/1.1\r\nExpect: something", &rq), 400);
}

static void
test_edge_http_limits(void **state)
{
    (void)state;
    gw_edge_req_t rq;
    /* A request line over GW_HTTP_MAX_LINE: 414. */
    char *buf = gw_malloc(GW_HTTP_MAX_LINE + 64);
    assert_non_null(buf);
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'a', GW_HTTP_MAX_LINE);
    memcpy(buf + 5 + GW_HTTP_MAX_LINE, " HTTP/1.1", 10);
    assert_int_equal(s_parse(buf, &rq), 414);
    gw_free(buf);
    /* GW_HTTP_MAX_HEADERS fields pass, one more is 431. */
    size_t cap = (GW_HTTP_MAX_HEADERS + 2) * 16 + 64, off = 0;
    buf = gw_malloc(cap);
    assert_non_null(buf);
    off += (size_t)snprintf(buf + off, cap - off, "GET /x HTTP/1.1");
    for (int i = 0; i < GW_HTTP_MAX_HEADERS; i++) {
        off += (size_t)snprintf(buf + off, cap - off, "\r\nX-F%d: %d", i, i);
    }
    assert_int_equal(s_parse(buf, &rq), 0);
    snprintf(buf + off, cap - off, "\r\nX-Last: 1");
    assert_int_equal(s_parse(buf, &rq), 431);
    gw_free(buf);
}

static void
test_edge_http_wait_ids_statuses(void **state)
{
    (void)state;
    int64_t w = -1;
    assert_true(gw_edge_http_wait_param("", 60000, &w));
    assert_int_equal(w, 0);
    assert_true(gw_edge_http_wait_param("wait=30", 60000, &w));
    assert_int_equal(w, 30000);
    assert_true(gw_edge_http_wait_param("wait=60", 60000, &w));
    assert_int_equal(w, 60000);
    assert_false(gw_edge_http_wait_param("wait=61", 60000, &w));
    assert_false(gw_edge_http_wait_param("wait=", 60000, &w));
    assert_false(gw_edge_http_wait_param("wait=-1", 60000, &w));
    assert_false(gw_edge_http_wait_param("wait=1x", 60000, &w));
    assert_false(gw_edge_http_wait_param("wait=99999999999999999999", 60000, &w));
    assert_false(gw_edge_http_wait_param("other=1", 60000, &w));
    assert_false(gw_edge_http_wait_param("wait=1&x=2", 60000, &w));

    assert_true(gw_edge_http_id_ok("17", 2));
    assert_true(gw_edge_http_id_ok("a-b_c.d:e", 9));
    assert_false(gw_edge_http_id_ok("", 0));
    assert_false(gw_edge_http_id_ok("a/b", 3));
    assert_false(gw_edge_http_id_ok("a%2f", 4));
    char longid[GW_PROTO_MAX_ID + 2];
    memset(longid, '1', sizeof(longid));
    assert_true(gw_edge_http_id_ok(longid, GW_PROTO_MAX_ID));
    assert_false(gw_edge_http_id_ok(longid, GW_PROTO_MAX_ID + 1));

    assert_int_equal(gw_edge_http_error_status("SIZE"), 413);
    assert_int_equal(gw_edge_http_error_status("RATE_LIMITED"), 429);
    assert_int_equal(gw_edge_http_error_status("QUEUE_FULL"), 503);
    assert_int_equal(gw_edge_http_error_status("INTERNAL"), 503);
    assert_int_equal(gw_edge_http_error_status("SPOOF"), 403);
    assert_int_equal(gw_edge_http_error_status("FORBIDDEN"), 403);
    assert_int_equal(gw_edge_http_error_status("XSD"), 400);
    assert_int_equal(gw_edge_http_error_status("SOMETHING_NEW"), 400);

    assert_true(gw_edge_http_xml_ctype(""));
    assert_true(gw_edge_http_xml_ctype("application/xml"));
    assert_true(gw_edge_http_xml_ctype("Application/XML; charset=utf-8"));
    assert_true(gw_edge_http_xml_ctype("text/xml"));
    assert_false(gw_edge_http_xml_ctype("application/json"));
    assert_false(gw_edge_http_xml_ctype("application/xmlx"));

    assert_string_equal(gw_edge_http_reason(422), "Unprocessable Content");
    assert_string_equal(gw_edge_http_reason(431), "Request Header Fields Too Large");
}

static void
test_edge_http_json_escaping(void **state)
{
    (void)state;
    gw_http_resp_t r;
    memset(&r, 0, sizeof(r));
    static const char in[] = "<a b=\"1\">\\\n\t\x01\xc3\xa9</a>";
    gw_edge_json_str(&r, in, sizeof(in) - 1);
    gw_edge_json_field(&r, "k", "v", 1);
    assert_int_equal(r.oom, 0);
    gw_http_append(&r, "", 1); /* NUL-terminate */
    assert_string_equal(r.body, "\"<a b=\\\"1\\\">\\\\\\n\\t\\u0001\xc3\xa9</a>\",\"k\":\"v\"");
    gw_free(r.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edge_http_good_requests, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_http_bad_requests, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_http_limits, ut_alloc_setup, ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_http_wait_ids_statuses, ut_alloc_setup,
                                        ut_alloc_teardown),
        cmocka_unit_test_setup_teardown(test_edge_http_json_escaping, ut_alloc_setup,
                                        ut_alloc_teardown),
    };
    return cmocka_run_group_tests_name("edge_http", tests, NULL, NULL);
}
