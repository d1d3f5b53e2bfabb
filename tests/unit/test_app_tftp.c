/* Unit tests for core/apps/tftp_server.c (lwip/apps/tftp_server.h): RRQ
 * and WRQ in octet mode, option negotiation and OACK (blksize clamped to
 * the MTU, timeout, tsize, refusals with ERROR 8), retransmission timing
 * (initial, backed off, adaptive, the client's timeout option), the
 * Sorcerer's Apprentice fix, block number rollover, every ERROR code the
 * server sends, malformed packets counted by reason, stop, allocation
 * failures.
 *
 * The test plays the TFTP client through the fake netif on the virtual
 * clock; the file system is in memory: files are generated from their
 * offset (so a file of any size costs nothing) and writes are checked
 * against the same pattern. */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lwip/opt.h"

#if LWIP_UDP

#include "lwip/apps/tftp_server.h"
#include "lwip/etharp.h"
#include "lwip/udp.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tftp.h"
#include "lwip/prot/wire.h"

#define OUR_IP "192.168.1.10"
#define CL_IP "192.168.1.20"
#define CL2_IP "192.168.1.21"
#define CPORT 40000
#define CPORT2 40001


static struct test_netif tn;
static struct tftp_server srv;

/* ---- the in-memory file system ---- */
struct mfile {
  const char *name;
  u32_t size; /* reads: the file's size */
  u32_t pos;
  bool write;
  bool open;
  int closed_complete; /* -1: not closed */
  int write_err;       /* write returns this once pos reaches fail_at */
  u32_t fail_at;
  bool pattern_ok; /* every byte written matched the pattern */
};

#define NFILES 6
static struct mfile files[NFILES];
static int opens, closes;

static u8_t pattern(u32_t pos)
{
  return (u8_t)((pos * 7U + (pos >> 8) + 3U) & 0xffU);
}

static void fs_reset(void)
{
  memset(files, 0, sizeof(files));
  opens = closes = 0;
  files[0] = (struct mfile){.name = "small.bin", .size = 1000};
  files[1] = (struct mfile){.name = "exact.bin", .size = 1024};
  files[2] = (struct mfile){.name = "empty.bin", .size = 0};
  files[3] = (struct mfile){.name = "big.bin", .size = 65536U * 8U + 3U};
  files[4] = (struct mfile){.name = "exists.bin", .size = 10};
  for (int i = 0; i < NFILES; i++) {
    files[i].closed_complete = -1;
  }
}

static void *fs_open(void *arg, const char *name, bool write, u32_t *size, u8_t *err, const char **msg)
{
  (void)arg;
  for (int i = 0; i < NFILES - 1; i++) { /* the last: scratch for writes */
    struct mfile *f = &files[i];
    if (f->name != NULL && strcmp(f->name, name) == 0) {
      if (write) {
        *err = TFTP_ERR_EXISTS;
        return NULL;
      }
      f->pos = 0;
      f->open = true;
      f->closed_complete = -1;
      *size = f->size;
      opens++;
      return f;
    }
  }
  if (!write) {
    *err = TFTP_ERR_NOT_FOUND;
    return NULL;
  }
  if (*size != TFTP_SIZE_UNKNOWN && *size > 1000000U) {
    *err = TFTP_ERR_DISK_FULL;
    *msg = "too big for the test";
    return NULL;
  }
  struct mfile *f = &files[NFILES - 1];
  memset(f, 0, sizeof(*f));
  f->name = "new.bin";
  f->write = true;
  f->open = true;
  f->closed_complete = -1;
  f->pattern_ok = true;
  f->fail_at = 0xffffffffU;
  opens++;
  return f;
}

static int fs_read(void *arg, void *fh, u8_t *buf, u16_t len)
{
  (void)arg;
  struct mfile *f = (struct mfile *)fh;
  u32_t n = LWIP_MIN((u32_t)len, f->size - f->pos);
  for (u32_t i = 0; i < n; i++) {
    buf[i] = pattern(f->pos + i);
  }
  f->pos += n;
  return (int)n;
}

static int fs_write(void *arg, void *fh, const u8_t *buf, u16_t len)
{
  (void)arg;
  struct mfile *f = (struct mfile *)fh;
  if (f->pos + len > f->fail_at) {
    return f->write_err;
  }
  for (u16_t i = 0; i < len; i++) {
    if (buf[i] != pattern(f->pos + i)) {
      f->pattern_ok = false;
    }
  }
  f->pos += len;
  return 0;
}

static void fs_close(void *arg, void *fh, bool complete)
{
  (void)arg;
  struct mfile *f = (struct mfile *)fh;
  assert_true(f->open);
  f->open = false;
  f->closed_complete = complete;
  closes++;
}

static const struct tftp_file_ops fs_ops = {fs_open, fs_read, fs_write, fs_close};

/* ---- fixture ---- */
static void cfg_init(struct tftp_server_config *c)
{
  memset(c, 0, sizeof(*c));
  c->ops = &fs_ops;
  c->writable = true;
}

static void fixture_cfg(const struct tftp_server_config *c)
{
  memset(&srv, 0, sizeof(srv));
  fs_reset();
  test_netif_add(&tn, OUR_IP, "255.255.255.0", "192.168.1.1", test_mac);
  test_add_peer_arp(CL_IP);
  test_add_peer_arp(CL2_IP);
  assert_int_equal(tftp_server_start(&srv, c), ERR_OK);
}

static void fixture(void)
{
  struct tftp_server_config c;
  cfg_init(&c);
  fixture_cfg(&c);
}

static int teardown(void **state)
{
  tftp_server_stop(&srv);
  for (int i = 0; i < NFILES; i++) {
    assert_false(files[i].open); /* every open file closed once */
  }
  assert_int_equal(opens, closes);
  return test_teardown(state);
}

/* ---- the client side ---- */
static void send_from(const char *src, u16_t sport, u16_t dport, const void *msg, size_t len)
{
  static u8_t l4[70000], frame[70100];
  size_t n = test_udp(l4, src, OUR_IP, sport, dport, msg, len);
  size_t f = test_eth_ip4(frame, src, OUR_IP, IP_PROTO_UDP, l4, n);
  test_rx(&tn, frame, f);
}

/* A request: opcode, name, mode, then option name/value pairs (NULL ends). */
static void send_req(u16_t op, const char *name, const char *mode, ...)
{
  u8_t m[600];
  size_t n = 0;
  put_be16(m, op);
  n = 2;
  n += (size_t)sprintf((char *)m + n, "%s", name) + 1U;
  n += (size_t)sprintf((char *)m + n, "%s", mode) + 1U;
  va_list ap;
  va_start(ap, mode);
  const char *s;
  while ((s = va_arg(ap, const char *)) != NULL) {
    n += (size_t)sprintf((char *)m + n, "%s", s) + 1U;
  }
  va_end(ap);
  send_from(CL_IP, CPORT, TFTP_PORT, m, n);
}

static void send_ack(u16_t sport, u16_t dport, u16_t block)
{
  u8_t m[4];
  put_be16(m, TFTP_OP_ACK);
  put_be16(m + 2, block);
  send_from(CL_IP, sport, dport, m, 4);
}

/* DATA block @p block of the pattern file, bytes from @p pos. */
static void send_data(u16_t dport, u16_t block, u32_t pos, u16_t len)
{
  static u8_t m[4 + 65464];
  put_be16(m, TFTP_OP_DATA);
  put_be16(m + 2, block);
  for (u16_t i = 0; i < len; i++) {
    m[4 + i] = pattern(pos + i);
  }
  send_from(CL_IP, CPORT, dport, m, 4U + len);
}

/* A packet the server sent. */
struct pkt {
  u32_t dst;
  u16_t sport, dport;
  u16_t op, block; /* block: the error code for ERROR */
  u16_t len;       /* TFTP bytes */
  u8_t b[1600];
};

static bool pop(struct pkt *p)
{
  u8_t buf[1700];
  int n = test_pop_ip_bytes(&tn, buf, sizeof(buf));
  if (n < 0) {
    return false;
  }
  const u8_t *ip = buf + 14;
  assert_int_equal(ip[9], IP_PROTO_UDP);
  memcpy(&p->dst, ip + 16, 4);
  const u8_t *udp = ip + 20;
  p->sport = get_be16(udp);
  p->dport = get_be16(udp + 2);
  p->len = (u16_t)(get_be16(udp + 4) - 8U);
  assert_int_equal(n, 14 + 20 + 8 + p->len);
  memcpy(p->b, udp + 8, p->len);
  p->op = get_be16(p->b);
  p->block = p->len >= 4 ? get_be16(p->b + 2) : 0;
  return true;
}

static struct pkt must_pop_at(u16_t op, int line)
{
  /* Zeroed: a release build (-O3) does not know fail_msg never returns. */
  struct pkt p = {0};
  if (!pop(&p)) {
    fail_msg("line %d: nothing sent, expected opcode %u", line, op);
  }
  if (p.op != op) {
    fail_msg("line %d: opcode %u (%u), expected %u", line, p.op, p.block, op);
  }
  return p;
}
#define must_pop(op) must_pop_at((op), __LINE__)

static void expect_nothing(void)
{
  struct pkt p;
  if (pop(&p)) {
    fail_msg("unexpected packet: opcode %u block %u", p.op, p.block);
  }
}

static void expect_error(u16_t code, u16_t dport)
{
  struct pkt p = must_pop(TFTP_OP_ERROR);
  assert_int_equal(p.block, code);
  assert_int_equal(p.dport, dport);
  assert_int_equal(p.b[p.len - 1], 0); /* NUL-terminated message */
}

static void check_data(const struct pkt *p, u16_t block, u32_t pos, u16_t len)
{
  assert_int_equal(p->op, TFTP_OP_DATA);
  assert_int_equal(p->block, block);
  assert_int_equal(p->len, 4U + len);
  for (u16_t i = 0; i < len; i++) {
    if (p->b[4 + i] != pattern(pos + i)) {
      fail_msg("block %u byte %u wrong", block, i);
    }
  }
}

/* The OACK's value of option @p name, or -1. */
static long oack_opt(const struct pkt *p, const char *name)
{
  assert_int_equal(p->op, TFTP_OP_OACK);
  u16_t i = 2;
  while (i < p->len) {
    const char *k = (const char *)p->b + i;
    i = (u16_t)(i + strlen(k) + 1U);
    const char *v = (const char *)p->b + i;
    i = (u16_t)(i + strlen(v) + 1U);
    if (strcmp(k, name) == 0) {
      return atol(v);
    }
  }
  return -1;
}

static struct tftp_server_info sinfo(void)
{
  struct tftp_server_info i;
  tftp_server_get_info(&srv, &i);
  return i;
}

/* ---------------------------------------------------------------------- */

static void test_tftp_rrq(void **state)
{
  (void)state;
  fixture();
  send_req(TFTP_OP_RRQ, "small.bin", "octet", NULL);
  struct pkt d = must_pop(TFTP_OP_DATA);
  /* RFC 1350 4: from a fresh ephemeral port (the server's TID) to the
   * client's. */
  assert_int_equal(d.dst, test_ip(CL_IP));
  assert_int_equal(d.dport, CPORT);
  assert_true(d.sport >= UDP_LOCAL_PORT_RANGE_START);
  check_data(&d, 1, 0, 512);
  struct tftp_xfer_info xi;
  assert_true(tftp_server_get_xfer(&srv, 0, &xi));
  assert_string_equal(xi.state, "sending");
  assert_string_equal(xi.name, "small.bin");
  assert_int_equal(xi.tsize, 1000);
  assert_int_equal(sinfo().active, 1);
  send_ack(CPORT, d.sport, 1);
  struct pkt d2 = must_pop(TFTP_OP_DATA);
  assert_int_equal(d2.sport, d.sport);
  check_data(&d2, 2, 512, 488);
  send_ack(CPORT, d.sport, 2);
  expect_nothing();
  assert_int_equal(files[0].closed_complete, 1);
  struct tftp_server_info si = sinfo();
  assert_int_equal(si.active, 0);
  assert_int_equal(si.stats.rrq, 1);
  assert_int_equal(si.stats.completed, 1);
  assert_int_equal(si.stats.bytes_sent, 1000);
  /* A file of a whole number of blocks ends with an empty one. */
  send_req(TFTP_OP_RRQ, "exact.bin", "OCTET", NULL);
  d = must_pop(TFTP_OP_DATA);
  check_data(&d, 1, 0, 512);
  send_ack(CPORT, d.sport, 1);
  check_data((d2 = must_pop(TFTP_OP_DATA), &d2), 2, 512, 512);
  send_ack(CPORT, d.sport, 2);
  d2 = must_pop(TFTP_OP_DATA);
  check_data(&d2, 3, 1024, 0);
  send_ack(CPORT, d.sport, 3);
  expect_nothing();
  assert_int_equal(files[1].closed_complete, 1);
  /* And an empty file is one empty block. */
  send_req(TFTP_OP_RRQ, "empty.bin", "octet", NULL);
  d = must_pop(TFTP_OP_DATA);
  check_data(&d, 1, 0, 0);
  send_ack(CPORT, d.sport, 1);
  assert_int_equal(sinfo().stats.completed, 3);
  assert_int_equal(sinfo().active, 0);
}

static void test_tftp_wrq(void **state)
{
  (void)state;
  fixture();
  send_req(TFTP_OP_WRQ, "new.bin", "octet", NULL);
  struct pkt a = must_pop(TFTP_OP_ACK);
  assert_int_equal(a.block, 0);
  assert_int_equal(a.len, 4);
  u16_t tid = a.sport;
  send_data(tid, 1, 0, 512);
  a = must_pop(TFTP_OP_ACK);
  assert_int_equal(a.block, 1);
  /* Our ACK lost: the client repeats block 1; it is ACKed again, once. */
  send_data(tid, 1, 0, 512);
  a = must_pop(TFTP_OP_ACK);
  assert_int_equal(a.block, 1);
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_DUP_DATA), 1));
  send_data(tid, 2, 512, 100);
  a = must_pop(TFTP_OP_ACK);
  assert_int_equal(a.block, 2);
  struct mfile *f = &files[NFILES - 1];
  assert_int_equal(f->pos, 612);
  assert_true(f->pattern_ok);
  /* Complete as soon as the short block is written. */
  assert_int_equal(f->closed_complete, 1);
  struct tftp_xfer_info xi;
  assert_true(tftp_server_get_xfer(&srv, 0, &xi));
  assert_string_equal(xi.state, "dally");
  /* Dallying: the last block again gets its ACK again. */
  send_data(tid, 2, 512, 100);
  a = must_pop(TFTP_OP_ACK);
  assert_int_equal(a.block, 2);
  test_clock_advance(TFTP_DEFAULT_TIMEOUT_MS);
  expect_nothing();
  assert_int_equal(sinfo().active, 0);
  assert_int_equal(sinfo().stats.completed, 1);
  assert_int_equal(sinfo().stats.bytes_received, 612);
  assert_int_equal(sinfo().stats.wrq, 1);
}

static void test_tftp_options(void **state)
{
  (void)state;
  fixture();
  /* blksize, timeout, tsize (names in any case, values echoed or chosen). */
  send_req(TFTP_OP_RRQ, "small.bin", "octet", "BlkSize", "300", "timeout", "2", "tsize", "0", NULL);
  struct pkt o = must_pop(TFTP_OP_OACK);
  assert_int_equal(oack_opt(&o, "blksize"), 300);
  assert_int_equal(oack_opt(&o, "timeout"), 2);
  assert_int_equal(oack_opt(&o, "tsize"), 1000);
  /* ACK 0 answers the OACK; then DATA of the new size. */
  send_ack(CPORT, o.sport, 0);
  struct pkt d = must_pop(TFTP_OP_DATA);
  check_data(&d, 1, 0, 300);
  /* timeout 2: DATA again after exactly 2 s, and again after 2 s. */
  test_clock_advance(1999);
  expect_nothing();
  test_clock_advance(1);
  check_data((d = must_pop(TFTP_OP_DATA), &d), 1, 0, 300);
  test_clock_advance(2000);
  must_pop(TFTP_OP_DATA);
  /* The client gives up with ERROR: the transfer ends, nothing answers. */
  u8_t e[] = {0, 5, 0, 0, 'b', 'y', 'e', 0};
  send_from(CL_IP, CPORT, o.sport, e, sizeof(e));
  expect_nothing();
  assert_int_equal(files[0].closed_complete, 0);
  assert_int_equal(sinfo().stats.peer_errors, 1);

  /* blksize above what the MTU carries: clamped to 1500 - 20 - 8 - 4. */
  send_req(TFTP_OP_RRQ, "big.bin", "octet", "blksize", "65464", NULL);
  o = must_pop(TFTP_OP_OACK);
  assert_int_equal(oack_opt(&o, "blksize"), 1468);
  assert_int_equal(oack_opt(&o, "tsize"), -1); /* not asked */
  send_ack(CPORT, o.sport, 0);
  d = must_pop(TFTP_OP_DATA);
  check_data(&d, 1, 0, 1468);
  /* ERROR 8 refusing our OACK also ends it. */
  u8_t e8[] = {0, 5, 0, 8, 0};
  send_from(CL_IP, CPORT, o.sport, e8, sizeof(e8));
  assert_int_equal(sinfo().active, 0);

  /* Unknown options are ignored: no OACK, DATA 1 at once. */
  send_req(TFTP_OP_RRQ, "small.bin", "octet", "windowsize", "16", NULL);
  d = must_pop(TFTP_OP_DATA);
  check_data(&d, 1, 0, 512);
  send_ack(CPORT, d.sport, 1);
  must_pop(TFTP_OP_DATA);
  send_ack(CPORT, d.sport, 2);
  assert_int_equal(sinfo().active, 0);

  /* Refused values: ERROR 8 from the request port (RFC 2347). */
  const char *bad[][2] = {{"blksize", "7"},   {"blksize", "x12"}, {"blksize", ""},         {"timeout", "0"},
                          {"timeout", "256"}, {"tsize", "5"},     {"tsize", "99999999999"}};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(bad); i++) {
    send_req(TFTP_OP_RRQ, "small.bin", "octet", bad[i][0], bad[i][1], NULL);
    struct pkt er = must_pop(TFTP_OP_ERROR);
    assert_int_equal(er.block, TFTP_ERR_OPTIONS);
    assert_int_equal(er.sport, TFTP_PORT);
  }
  assert_int_equal(sinfo().active, 0);

  /* WRQ with tsize: the OACK echoes it and replaces ACK 0; DATA 1
   * answers it.  A tsize too big is refused: disk full. */
  send_req(TFTP_OP_WRQ, "new.bin", "octet", "tsize", "20", "blksize", "16", NULL);
  o = must_pop(TFTP_OP_OACK);
  assert_int_equal(oack_opt(&o, "tsize"), 20);
  assert_int_equal(oack_opt(&o, "blksize"), 16);
  send_data(o.sport, 1, 0, 16);
  assert_int_equal(must_pop(TFTP_OP_ACK).block, 1);
  send_data(o.sport, 2, 16, 4);
  assert_int_equal(must_pop(TFTP_OP_ACK).block, 2);
  assert_int_equal(files[NFILES - 1].pos, 20);
  assert_int_equal(files[NFILES - 1].closed_complete, 1);
  test_clock_advance(TFTP_DEFAULT_TIMEOUT_MS);
  send_req(TFTP_OP_WRQ, "new.bin", "octet", "tsize", "2000000", NULL);
  expect_error(TFTP_ERR_DISK_FULL, CPORT);
  /* blksize larger than negotiated is illegal. */
  send_req(TFTP_OP_WRQ, "new.bin", "octet", "blksize", "16", NULL);
  o = must_pop(TFTP_OP_OACK);
  send_data(o.sport, 1, 0, 17);
  expect_error(TFTP_ERR_ILLEGAL, CPORT);
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_OVERSIZE), 1));
  assert_int_equal(sinfo().active, 0);
}

/* Without the timeout option: the first retransmission after the initial
 * timeout, each next one after twice as long, then ERROR and the end. */
static void test_tftp_retransmit_timing(void **state)
{
  (void)state;
  struct tftp_server_config c;
  cfg_init(&c);
  c.retries = 3;
  fixture_cfg(&c);
  send_req(TFTP_OP_RRQ, "small.bin", "octet", NULL);
  struct pkt d = must_pop(TFTP_OP_DATA);
  u32_t waits[] = {1000, 2000, 4000};
  for (size_t i = 0; i < LWIP_ARRAYSIZE(waits); i++) {
    test_clock_advance(waits[i] - 1);
    expect_nothing();
    test_clock_advance(1);
    struct pkt r = must_pop(TFTP_OP_DATA);
    check_data(&r, 1, 0, 512);
    assert_int_equal(r.sport, d.sport);
  }
  test_clock_advance(8000 - 1);
  expect_nothing();
  test_clock_advance(1);
  expect_error(TFTP_ERR_UNDEF, CPORT);
  struct tftp_server_info si = sinfo();
  assert_int_equal(si.active, 0);
  assert_int_equal(si.stats.timeouts, 1);
  assert_int_equal(si.stats.failed, 1);
  assert_int_equal(si.stats.retransmits, 3);
  assert_int_equal(files[0].closed_complete, 0);

  /* Adaptive: answered in 10 ms, the next block is retransmitted after the
   * floor (50 ms), not the initial second. */
  send_req(TFTP_OP_RRQ, "big.bin", "octet", NULL);
  d = must_pop(TFTP_OP_DATA);
  test_clock_advance(10);
  send_ack(CPORT, d.sport, 1);
  must_pop(TFTP_OP_DATA);
  struct tftp_xfer_info xi;
  assert_true(tftp_server_get_xfer(&srv, 0, &xi));
  assert_int_equal(xi.rto_ms, TFTP_DEFAULT_MIN_RTO_MS);
  test_clock_advance(TFTP_DEFAULT_MIN_RTO_MS - 1);
  expect_nothing();
  test_clock_advance(1);
  must_pop(TFTP_OP_DATA);
  /* The answer to a retransmitted block is no sample (Karn): the
   * backed-off timeout stays for the next block. */
  send_ack(CPORT, d.sport, 2);
  must_pop(TFTP_OP_DATA);
  assert_true(tftp_server_get_xfer(&srv, 0, &xi));
  assert_int_equal(xi.rto_ms, TFTP_DEFAULT_MIN_RTO_MS * 2);
  test_clock_advance(TFTP_DEFAULT_MIN_RTO_MS * 2 - 1);
  expect_nothing();
  test_clock_advance(1);
  must_pop(TFTP_OP_DATA);
}

/* RFC 1123 4.2.3.1: a duplicate ACK does not send the next block twice. */
static void test_tftp_sorcerers_apprentice(void **state)
{
  (void)state;
  fixture();
  send_req(TFTP_OP_RRQ, "big.bin", "octet", NULL);
  struct pkt d = must_pop(TFTP_OP_DATA);
  /* The ACK of block 1 is late: block 1 goes again on the timer ... */
  test_clock_advance(TFTP_DEFAULT_TIMEOUT_MS);
  must_pop(TFTP_OP_DATA);
  /* ... then both ACKs of block 1 arrive: block 2 goes out once. */
  send_ack(CPORT, d.sport, 1);
  struct pkt d2 = must_pop(TFTP_OP_DATA);
  check_data(&d2, 2, 512, 512);
  send_ack(CPORT, d.sport, 1);
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_DUP_ACK), 1));
  /* An ACK for a block never sent is dropped too. */
  send_ack(CPORT, d.sport, 9);
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_BAD_BLOCK), 1));
  send_ack(CPORT, d.sport, 2);
  check_data((d2 = must_pop(TFTP_OP_DATA), &d2), 3, 1024, 512);
  struct tftp_xfer_info xi;
  assert_true(tftp_server_get_xfer(&srv, 0, &xi));
  assert_int_equal(xi.stats.dup_acks, 1);
  assert_int_equal(xi.stats.retransmits, 1);
}

/* Block numbers wrap from 65535 to 0 (8-byte blocks: 65537 of them). */
static void test_tftp_rollover(void **state)
{
  (void)state;
  fixture();
  send_req(TFTP_OP_RRQ, "big.bin", "octet", "blksize", "8", NULL);
  struct pkt o = must_pop(TFTP_OP_OACK);
  assert_int_equal(oack_opt(&o, "blksize"), 8);
  send_ack(CPORT, o.sport, 0);
  u32_t pos = 0;
  u32_t blocks = 0;
  for (;;) {
    struct pkt d = must_pop(TFTP_OP_DATA);
    blocks++;
    assert_int_equal(d.block, (u16_t)blocks);
    u16_t len = (u16_t)(d.len - 4U);
    if (blocks == 65535U || blocks == 65536U || blocks == 65537U) {
      check_data(&d, (u16_t)blocks, pos, len);
    }
    pos += len;
    send_ack(CPORT, o.sport, d.block);
    if (len < 8) {
      break;
    }
  }
  assert_int_equal(blocks, 65537U);
  assert_int_equal(pos, files[3].size);
  assert_int_equal(files[3].closed_complete, 1);
  assert_int_equal(sinfo().stats.bytes_sent, files[3].size);

  /* And a write across the wrap. */
  send_req(TFTP_OP_WRQ, "new.bin", "octet", "blksize", "8", NULL);
  o = must_pop(TFTP_OP_OACK);
  for (u32_t b = 1; b <= 65537U; b++) {
    send_data(o.sport, (u16_t)b, (b - 1U) * 8U, b == 65537U ? 2 : 8);
    assert_int_equal(must_pop(TFTP_OP_ACK).block, (u16_t)b);
  }
  assert_int_equal(files[NFILES - 1].pos, 65536U * 8U + 2U);
  assert_true(files[NFILES - 1].pattern_ok);
  assert_int_equal(files[NFILES - 1].closed_complete, 1);
}

static void test_tftp_errors(void **state)
{
  (void)state;
  struct tftp_server_config c;
  cfg_init(&c);
  c.max_transfers = 1;
  fixture_cfg(&c);
  /* 1: file not found; 6: file exists (a write must not overwrite). */
  send_req(TFTP_OP_RRQ, "nothere", "octet", NULL);
  expect_error(TFTP_ERR_NOT_FOUND, CPORT);
  send_req(TFTP_OP_WRQ, "exists.bin", "octet", NULL);
  expect_error(TFTP_ERR_EXISTS, CPORT);
  /* netascii is refused, saying so; other modes are illegal. */
  send_req(TFTP_OP_RRQ, "small.bin", "netascii", NULL);
  struct pkt e = must_pop(TFTP_OP_ERROR);
  assert_int_equal(e.block, TFTP_ERR_UNDEF);
  assert_non_null(strstr((const char *)e.b + 4, "netascii"));
  send_req(TFTP_OP_RRQ, "small.bin", "mail", NULL);
  expect_error(TFTP_ERR_ILLEGAL, CPORT);
  /* 2: control characters in a name. */
  send_req(TFTP_OP_RRQ, "a\tb", "octet", NULL);
  expect_error(TFTP_ERR_ACCESS, CPORT);
  /* 4: malformed requests. */
  u8_t noterm[] = {0, 1, 'a', 0, 'o', 'c', 't', 'e', 't'};
  send_from(CL_IP, CPORT, TFTP_PORT, noterm, sizeof(noterm));
  expect_error(TFTP_ERR_ILLEGAL, CPORT);
  u8_t noname[] = {0, 1, 0, 'o', 'c', 't', 'e', 't', 0};
  send_from(CL_IP, CPORT, TFTP_PORT, noname, sizeof(noname));
  expect_error(TFTP_ERR_ILLEGAL, CPORT);
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_BAD_REQUEST), 2));
  /* Silently dropped: a 1-byte packet, an ACK to the request port, an
   * oversized request. */
  u8_t one[] = {0};
  send_from(CL_IP, CPORT, TFTP_PORT, one, 1);
  u8_t ack[] = {0, 4, 0, 1};
  send_from(CL_IP, CPORT, TFTP_PORT, ack, sizeof(ack));
  static u8_t huge[700];
  memset(huge, 'a', sizeof(huge));
  huge[0] = 0;
  huge[1] = 1;
  huge[sizeof(huge) - 1] = 0;
  send_from(CL_IP, CPORT, TFTP_PORT, huge, sizeof(huge));
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_SHORT), 1));
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_BAD_OPCODE), 1));
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_BAD_REQUEST), 3));

  /* A transfer; a repeat of its request is not a second one. */
  send_req(TFTP_OP_RRQ, "small.bin", "octet", NULL);
  struct pkt d = must_pop(TFTP_OP_DATA);
  send_req(TFTP_OP_RRQ, "small.bin", "octet", NULL);
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_DUP_REQUEST), 1));
  /* Busy (max_transfers 1): another client is refused. */
  u8_t rrq2[] = {0, 1, 's', 0, 'o', 'c', 't', 'e', 't', 0};
  send_from(CL2_IP, CPORT2, TFTP_PORT, rrq2, sizeof(rrq2));
  e = must_pop(TFTP_OP_ERROR);
  assert_int_equal(e.dst, test_ip(CL2_IP));
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_BUSY), 1));
  /* 5: a packet from another TID (port, then address) gets ERROR 5 and the
   * transfer goes on. */
  send_ack(CPORT + 7, d.sport, 1);
  expect_error(TFTP_ERR_UNKNOWN_TID, CPORT + 7);
  u8_t ack1[] = {0, 4, 0, 1};
  send_from(CL2_IP, CPORT, d.sport, ack1, sizeof(ack1));
  e = must_pop(TFTP_OP_ERROR);
  assert_int_equal(e.block, TFTP_ERR_UNKNOWN_TID);
  assert_int_equal(e.dst, test_ip(CL2_IP));
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_UNKNOWN_TID), 2));
  send_ack(CPORT, d.sport, 1);
  check_data((d = must_pop(TFTP_OP_DATA), &d), 2, 512, 488);
  /* A short packet on the transfer port is dropped; a wrong opcode ends
   * the transfer with ERROR 4. */
  u8_t three[] = {0, 4, 0};
  send_from(CL_IP, CPORT, d.sport, three, sizeof(three));
  expect_nothing();
  CHECK_DROPS(assert_int_equal(DROPS(TFTP_SHORT), 2));
  u8_t data[] = {0, 3, 0, 2, 'x'};
  send_from(CL_IP, CPORT, d.sport, data, sizeof(data));
  expect_error(TFTP_ERR_ILLEGAL, CPORT);
  assert_int_equal(sinfo().active, 0);
  assert_int_equal(sinfo().stats.unknown_tid, 2);

  /* 3: disk full while writing; the file is closed incomplete. */
  send_req(TFTP_OP_WRQ, "new.bin", "octet", NULL);
  struct pkt a = must_pop(TFTP_OP_ACK);
  files[NFILES - 1].fail_at = 600;
  files[NFILES - 1].write_err = TFTP_ERR_DISK_FULL;
  send_data(a.sport, 1, 0, 512);
  must_pop(TFTP_OP_ACK);
  send_data(a.sport, 2, 512, 512);
  expect_error(TFTP_ERR_DISK_FULL, CPORT);
  assert_int_equal(files[NFILES - 1].closed_complete, 0);
  /* An I/O error (negative) is ERROR 0. */
  send_req(TFTP_OP_WRQ, "new.bin", "octet", NULL);
  a = must_pop(TFTP_OP_ACK);
  files[NFILES - 1].fail_at = 0;
  files[NFILES - 1].write_err = -1;
  send_data(a.sport, 1, 0, 10);
  expect_error(TFTP_ERR_UNDEF, CPORT);
  assert_int_equal(sinfo().active, 0);
}

static void test_tftp_read_only(void **state)
{
  (void)state;
  struct tftp_server_config c;
  cfg_init(&c);
  c.writable = false;
  c.port = 6969;
  fixture_cfg(&c);
  u8_t wrq[] = {0, 2, 'n', 0, 'o', 'c', 't', 'e', 't', 0};
  send_from(CL_IP, CPORT, 6969, wrq, sizeof(wrq));
  expect_error(TFTP_ERR_ACCESS, CPORT);
  assert_int_equal(opens, 0);
  assert_int_equal(sinfo().stats.refused, 1);
  assert_int_equal(sinfo().port, 6969);
}

/* Stop with transfers running: files closed incomplete, nothing left. */
static void test_tftp_stop(void **state)
{
  (void)state;
  fixture();
  send_req(TFTP_OP_RRQ, "small.bin", "octet", NULL);
  must_pop(TFTP_OP_DATA);
  u8_t wrq[] = {0, 2, 'n', 0, 'o', 'c', 't', 'e', 't', 0};
  send_from(CL2_IP, CPORT2, TFTP_PORT, wrq, sizeof(wrq));
  must_pop(TFTP_OP_ACK);
  assert_int_equal(sinfo().active, 2);
  tftp_server_stop(&srv);
  assert_false(sinfo().running);
  assert_int_equal(files[0].closed_complete, 0);
  assert_int_equal(files[NFILES - 1].closed_complete, 0);
  test_clock_advance(60000);
  expect_nothing();
  tftp_server_stop(&srv); /* again: nothing */
}

static void test_tftp_start_errors(void **state)
{
  (void)state;
  fixture();
  struct tftp_server_config c;
  cfg_init(&c);
  struct tftp_server other;
  memset(&other, 0, sizeof(other));
  assert_int_equal(tftp_server_start(&srv, &c), ERR_ARG);   /* running */
  assert_int_equal(tftp_server_start(&other, &c), ERR_USE); /* port 69 taken */
  assert_false(other.running);
  struct tftp_file_ops half = fs_ops;
  half.write = NULL;
  c.ops = &half;
  c.port = 7000;
  assert_int_equal(tftp_server_start(&other, &c), ERR_ARG);
  c.ops = &fs_ops;
  c.max_transfers = TFTP_MAX_XFERS + 1;
  assert_int_equal(tftp_server_start(&other, &c), ERR_ARG);
  c.max_transfers = 0;
  c.max_blksize = 7;
  assert_int_equal(tftp_server_start(&other, &c), ERR_ARG);
  c.max_blksize = 0;
  c.timeout_ms = 5;
  assert_int_equal(tftp_server_start(&other, &c), ERR_ARG);
  c.timeout_ms = 0;
  assert_int_equal(tftp_server_start(NULL, &c), ERR_ARG);
  assert_int_equal(tftp_server_start(&other, NULL), ERR_ARG);
  assert_int_equal(tftp_server_start(&other, &c), ERR_OK);
  tftp_server_stop(&other);
  struct tftp_xfer_info xi;
  assert_false(tftp_server_get_xfer(&srv, 0, &xi));
  assert_false(tftp_server_get_xfer(&srv, TFTP_MAX_XFERS, &xi));
  assert_string_equal(tftp_error_text(TFTP_ERR_OPTIONS), "Option negotiation refused");
}

/* Every allocation failing in turn: a refused start, a refused request or
 * a retransmission, never a crash or a leak. */
static void test_tftp_alloc_failures(void **state)
{
  (void)state;
#if LWIP_STATS
  fixture();
  tftp_server_stop(&srv);
  struct tftp_server_config c;
  cfg_init(&c);
  lwip_alloc_fail_after(1); /* the request PCB */
  assert_int_equal(tftp_server_start(&srv, &c), ERR_MEM);
  assert_false(srv.running);
  assert_int_equal(tftp_server_start(&srv, &c), ERR_OK);
  /* Allocation 1 is the received frame; from 2 on, the request's. */
  bool clean = false;
  for (u32_t n = 2; n < 12 && !clean; n++) {
    lwip_alloc_fail_after(n);
    send_req(TFTP_OP_RRQ, "small.bin", "octet", "blksize", "100", NULL);
    lwip_alloc_fail_after(0);
    struct pkt p;
    if (pop(&p) && p.op == TFTP_OP_OACK) {
      send_ack(CPORT, p.sport, 0);
      struct pkt d = must_pop(TFTP_OP_DATA);
      check_data(&d, 1, 0, 100);
      clean = true;
    } else {
      /* Refused (ERROR, or nothing when the ERROR found no memory either). */
      assert_int_equal(sinfo().active, 0);
    }
    test_frames_clear(&tn);
  }
  assert_true(clean);
  CHECK_DROPS(assert_true(DROPS(TFTP_NO_MEM) >= 1));
  /* A DATA block without memory: the transfer fails with what it can. */
  lwip_alloc_fail_after(1);
  test_clock_advance(0);
  tftp_server_stop(&srv);
#else
  skip();
#endif
}

#endif /* LWIP_UDP */

int main(void)
{
#if LWIP_UDP
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_tftp_rrq, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_wrq, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_options, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_retransmit_timing, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_sorcerers_apprentice, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_rollover, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_errors, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_read_only, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_stop, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_start_errors, test_setup, teardown),
      cmocka_unit_test_setup_teardown(test_tftp_alloc_failures, test_setup, teardown),
  };
  return cmocka_run_group_tests_name("app_tftp", tests, NULL, NULL);
#else
  return 0;
#endif
}
