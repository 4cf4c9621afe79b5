/*
 * Tests of the service-manager notifications (gateway/gw_notify.c) against a
 * real unix datagram socket standing in for systemd: an abstract-namespace
 * one ("@name") and a file-system one, with NOTIFY_SOCKET, WATCHDOG_USEC and
 * WATCHDOG_PID set in this process's environment.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gw_notify.h"
#include "unittest.h"

static int s_fd = -1;    /* the "manager's" socket */
static char s_name[108]; /* its NOTIFY_SOCKET value */
static char s_dir[64];   /* mkdtemp for the file-system socket */

/* Bind a datagram socket: abstract when abstract is set, else a file in s_dir. */
static void
s_manager(int abstract)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    socklen_t len;
    if (abstract) {
        snprintf(s_name, sizeof(s_name), "@ijwgw-test-notify-%ld", (long)getpid());
        size_t n = strlen(s_name);
        memcpy(sa.sun_path, s_name, n);
        sa.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        snprintf(s_dir, sizeof(s_dir), "/tmp/ijwgw-notify-XXXXXX");
        assert_non_null(mkdtemp(s_dir));
        snprintf(s_name, sizeof(s_name), "%s/notify", s_dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s_name);
        len = (socklen_t)sizeof(sa);
    }
    s_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s_fd >= 0);
    assert_int_equal(bind(s_fd, (struct sockaddr *)&sa, len), 0);
    assert_int_equal(setenv("NOTIFY_SOCKET", s_name, 1), 0);
}

/* The next datagram within 2 s (NUL-terminated), or "" when none came. */
static const char *
s_recv(void)
{
    static char buf[2048];
    struct timeval tv = {2, 0};
    setsockopt(s_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t n = recv(s_fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* 1 when a datagram is waiting right now. */
static int
s_pending(void)
{
    char c;
    return recv(s_fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) >= 0;
}

static int
s_setup(void **state)
{
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    return ut_alloc_setup(state);
}

static int
s_teardown(void **state)
{
    if (s_fd >= 0) {
        close(s_fd);
        s_fd = -1;
    }
    if (s_dir[0]) {
        char path[128];
        snprintf(path, sizeof(path), "%s/notify", s_dir);
        unlink(path);
        rmdir(s_dir);
        s_dir[0] = '\0';
    }
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    return ut_alloc_teardown(state);
}

static void
test_notify_without_socket_is_a_noop(void **state)
{
    (void)state;
    gw_notify_t *n = gw_notify_new();
    assert_null(n);
    gw_notify_ready(n, "x");
    gw_notify_reloading(n);
    gw_notify_stopping(n, NULL);
    gw_notify_watchdog(n);
    assert_int_equal(gw_notify_send(n, "READY=1"), GW_OK);
    assert_int_equal(gw_notify_watchdog_usec(n), 0);
    gw_notify_destroy(&n);
}

static void
test_notify_relative_socket_is_ignored(void **state)
{
    (void)state;
    setenv("NOTIFY_SOCKET", "relative/notify", 1);
    assert_null(gw_notify_new());
}

static void
test_notify_ready_reaches_abstract_socket_with_one_line_status(void **state)
{
    (void)state;
    s_manager(1);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    gw_notify_ready(n, "accepting\nMAINPID=1"); /* a newline must not smuggle a variable */
    assert_string_equal(s_recv(), "READY=1\nSTATUS=accepting");
    gw_notify_stopping(n, "stopping");
    assert_string_equal(s_recv(), "STOPPING=1\nSTATUS=stopping");
    gw_notify_destroy(&n);
    assert_null(n);
}

static void
test_notify_ready_reaches_path_socket(void **state)
{
    (void)state;
    s_manager(0);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    gw_notify_ready(n, NULL);
    assert_string_equal(s_recv(), "READY=1");
    gw_notify_destroy(&n);
}

static void
test_notify_reloading_carries_monotonic_usec(void **state)
{
    (void)state;
    s_manager(1);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long before = (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
    gw_notify_reloading(n);
    const char *got = s_recv();
    unsigned long long usec = 0;
    assert_int_equal(sscanf(got, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long after = (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
    assert_true(usec >= before && usec <= after);
    gw_notify_destroy(&n);
}

static void
test_notify_watchdog_pings_at_half_the_interval(void **state)
{
    (void)state;
    s_manager(1);
    setenv("WATCHDOG_USEC", "300000", 1);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    assert_int_equal(gw_notify_watchdog_usec(n), 300000);
    gw_notify_watchdog(n);
    assert_string_equal(s_recv(), "WATCHDOG=1");
    gw_notify_watchdog(n); /* too soon: 150 ms have not passed */
    assert_false(s_pending());
    struct timespec d = {0, 160 * 1000000L};
    nanosleep(&d, NULL);
    gw_notify_watchdog(n);
    assert_string_equal(s_recv(), "WATCHDOG=1");
    gw_notify_destroy(&n);
}

static void
test_notify_watchdog_for_another_pid_is_off(void **state)
{
    (void)state;
    s_manager(1);
    setenv("WATCHDOG_USEC", "300000", 1);
    char pid[32];
    snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    assert_int_equal(gw_notify_watchdog_usec(n), 0);
    gw_notify_watchdog(n);
    assert_false(s_pending());
    gw_notify_destroy(&n);
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    n = gw_notify_new();
    assert_int_equal(gw_notify_watchdog_usec(n), 300000);
    gw_notify_destroy(&n);
}

static void
test_notify_gone_manager_is_not_fatal(void **state)
{
    (void)state;
    s_manager(0);
    gw_notify_t *n = gw_notify_new();
    assert_non_null(n);
    close(s_fd);
    s_fd = -1;
    char path[128];
    snprintf(path, sizeof(path), "%s/notify", s_dir);
    unlink(path);
    assert_int_equal(gw_notify_send(n, "READY=1"), GW_EIO);
    gw_notify_ready(n, "again"); /* logged once, never fatal */
    gw_notify_destroy(&n);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_notify_without_socket_is_a_noop),
        T(test_notify_relative_socket_is_ignored),
        T(test_notify_ready_reaches_abstract_socket_with_one_line_status),
        T(test_notify_ready_reaches_path_socket),
        T(test_notify_reloading_carries_monotonic_usec),
        T(test_notify_watchdog_pings_at_half_the_interval),
        T(test_notify_watchdog_for_another_pid_is_off),
        T(test_notify_gone_manager_is_not_fatal),
    };
    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
