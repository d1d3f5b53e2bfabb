/**
 * @file chargen.c
 * RFC 864 character generator over TCP (lwip/apps/small_servers.h).
 *
 * Lines of 72 printable characters and CR LF, each starting one character
 * further along the 95 printable ASCII characters; the pattern repeats
 * after 95 lines.  It is kept twice in a row in RAM, so any write of up to
 * one period is contiguous and TCP sends it without copying.  Data the
 * peer sends is read and dropped.
 */
#include "small_servers_priv.h"

#if LWIP_TCP
#define CHARGEN_LINE 74U
#define CHARGEN_PERIOD (95U * CHARGEN_LINE)
static u8_t chargen_pattern[2U * CHARGEN_PERIOD];

static void chargen_init(void)
{
  if (chargen_pattern[0] != 0) {
    return;
  }
  for (u32_t i = 0; i < 2U * 95U; i++) {
    u8_t *line = chargen_pattern + i * CHARGEN_LINE;
    for (u32_t c = 0; c < 72U; c++) {
      line[c] = (u8_t)(' ' + (i + c) % 95U);
    }
    line[72] = '\r';
    line[73] = '\n';
  }
}

/* Keep the send buffer full of the pattern. */
static void chargen_push(struct small_server_conn *c)
{
  bool any = false;
  /* Write in pieces of at least 1 KiB (fewer, fuller segments), or
   * whatever is free when the whole buffer is smaller than that. */
  while (tcp_sndbuf(c->pcb) >= LWIP_MIN(1024U, (u32_t)TCP_SND_BUF)) {
    u16_t n = (u16_t)LWIP_MIN((u32_t)tcp_sndbuf(c->pcb), CHARGEN_PERIOD);
    if (tcp_write(c->pcb, chargen_pattern + c->pat_off, n, TCP_WRITE_FLAG_MORE) != ERR_OK) {
      small_server_write_refused(c);
      break;
    }
    c->pat_off = (c->pat_off + n) % CHARGEN_PERIOD;
    c->srv->stats.tx_bytes += n;
    any = true;
  }
  if (any) {
    tcp_output(c->pcb);
  }
}

static void chargen_accepted(struct small_server_conn *c)
{
  chargen_init();
  chargen_push(c);
}

static err_t chargen_recv(struct small_server_conn *c, struct pbuf *p)
{
  small_server_count_rx(c, p->tot_len);
  tcp_recved(c->pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t chargen_sent(struct small_server_conn *c)
{
  if (!c->closing) {
    chargen_push(c);
  }
  return ERR_OK;
}
#endif

const struct small_server_service small_server_chargen = {
    .name = "chargen",
    .port = 19,
#if LWIP_TCP
    .accepted = chargen_accepted,
    .recv = chargen_recv,
    .sent = chargen_sent,
#endif
};
