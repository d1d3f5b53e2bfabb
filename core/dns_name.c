/**
 * @file dns_name.c
 * Name walking in received DNS messages (lwip/dns_name.h), used by the
 * resolver and the mDNS responder.  Built whenever UDP is, without the
 * resolver.
 */
#include "lwip/dns_name.h"

#include "lwip/prot/dns.h"
#include "lwip/prot/wire.h"

void dns_walk_start(struct dns_name_walk *w, u16_t off)
{
  w->pos = off;
  w->limit = off;
  w->end = 0;
  w->total = 0;
}

int dns_walk_label(struct dns_name_walk *w, const u8_t *buf, u16_t len, u16_t *lab)
{
  for (;;) {
    if (w->pos >= len) {
      return -1; /* label beyond the message */
    }
    u8_t c = buf[w->pos];
    if ((c & DNS_LABEL_PTR_MASK) == DNS_LABEL_PTR_MASK) {
      if ((u32_t)w->pos + 2 > len) {
        return -1;
      }
      u16_t target = (u16_t)(get_be16(buf + w->pos) & DNS_PTR_OFFSET_MASK);
      /* RFC 1035 4.1.4: a pointer refers to a prior occurrence of a name.
       * Requiring each jump to land before the start of this name and
       * before every earlier jump makes the targets strictly decreasing,
       * so no crafted message can make us loop. */
      if (target >= w->limit) {
        return -1;
      }
      if (w->end == 0) {
        w->end = (u16_t)(w->pos + 2);
      }
      w->limit = target;
      w->pos = target;
      continue;
    }
    if ((c & DNS_LABEL_PTR_MASK) != 0) {
      return -1; /* 0x40/0x80: extended label types, never valid here */
    }
    if ((u32_t)w->pos + 1 + c > len) {
      return -1;
    }
    w->total = (u16_t)(w->total + 1 + c);
    if (w->total > DNS_NAME_WIRE_MAX) {
      return -1;
    }
    *lab = (u16_t)(w->pos + 1);
    w->pos = (u16_t)(w->pos + 1 + c);
    if (c == 0 && w->end == 0) {
      w->end = w->pos;
    }
    return c;
  }
}

int dns_skip_name(const u8_t *buf, u16_t len, u16_t off)
{
  struct dns_name_walk w;
  u16_t lab;
  int n;
  dns_walk_start(&w, off);
  while ((n = dns_walk_label(&w, buf, len, &lab)) > 0) {
  }
  return n < 0 ? -1 : (int)w.end;
}
