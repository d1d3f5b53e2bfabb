/**
 * @file pcapdev.c
 * pcap capture wrapper (see pcapdev.h).
 */
#define _GNU_SOURCE
#include "pcapdev.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static err_t pcapdev_tx(struct dev *d, struct pbuf *p);
static void pcapdev_rx(struct dev *d, struct pbuf *p);
static void pcapdev_ops_close(struct dev *d);

static const struct dev_ops pcapdev_ops = {
  .kind = "pcap",
  .tx = pcapdev_tx,
  .rx = pcapdev_rx,
  .close = pcapdev_ops_close,
};


static int open_dumper(struct pcap_dev *pd, char *err, size_t errlen)
{
  pd->dumper = pcap_dump_open((pcap_t *)pd->pcap, pd->path);
  if (pd->dumper == NULL) {
    dev_set_err(err, errlen, "pcap: %s", pcap_geterr((pcap_t *)pd->pcap));
    return -1;
  }
  pd->file_frames = 0;
  return 0;
}

struct pcap_dev *pcapdev_open(const char *path, char *err, size_t errlen)
{
  if (path == NULL || path[0] == '\0') {
    dev_set_err(err, errlen, "pcap: empty file name");
    errno = EINVAL;
    return NULL;
  }
  struct pcap_dev *pd = calloc(1, sizeof(*pd));
  if (pd == NULL || (pd->path = strdup(path)) == NULL ||
      (pd->buf = malloc(PCAPDEV_SNAPLEN)) == NULL ||
      (pd->pcap = pcap_open_dead(DLT_EN10MB, PCAPDEV_SNAPLEN)) == NULL) {
    dev_set_err(err, errlen, "pcap: out of memory");
    pcapdev_close(pd);
    errno = ENOMEM;
    return NULL;
  }
  if (open_dumper(pd, err, errlen) < 0) {
    int saved = errno;
    pcapdev_close(pd);
    errno = saved;
    return NULL;
  }
  pd->dev.ops = &pcapdev_ops;
  pd->dirs = PCAPDEV_BOTH;
  return pd;
}

void pcapdev_set_dirs(struct pcap_dev *pd, unsigned dirs)
{
  pd->dirs = dirs & PCAPDEV_BOTH;
}

void pcapdev_set_clock(struct pcap_dev *pd, pcapdev_clock_fn clock)
{
  pd->clock = clock;
}

void pcapdev_record_at(struct pcap_dev *pd, const struct pbuf *p, const struct timeval *ts)
{
  if (pd->dumper == NULL) {
    return;
  }
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof(h));
  h.ts = *ts;
  h.len = p->tot_len;
  h.caplen = p->tot_len;
  const u_char *data;
  if (p->len == p->tot_len) {
    data = (const u_char *)p->payload;
  } else {
    h.caplen = pbuf_copy_partial(p, pd->buf, p->tot_len, 0);
    data = pd->buf;
  }
  pcap_dump((u_char *)pd->dumper, &h, data);
  pd->frames++;
  pd->file_frames++;
}

void pcapdev_record(struct pcap_dev *pd, const struct pbuf *p)
{
  struct timeval tv;
  if (pd->clock != NULL) {
    pd->clock(&tv);
  } else {
    gettimeofday(&tv, NULL);
  }
  pcapdev_record_at(pd, p, &tv);
}

static void pcapdev_rx(struct dev *d, struct pbuf *p)
{
  struct pcap_dev *pd = (struct pcap_dev *)d;
  if (pd->dirs & PCAPDEV_RX) {
    pcapdev_record(pd, p);
  }
  dev_deliver_up(d, p);
}

static err_t pcapdev_tx(struct dev *d, struct pbuf *p)
{
  struct pcap_dev *pd = (struct pcap_dev *)d;
  if (pd->dirs & PCAPDEV_TX) {
    pcapdev_record(pd, p);
  }
  return dev_send_down(d, p);
}

int pcapdev_flush(struct pcap_dev *pd)
{
  if (pd->dumper == NULL) {
    errno = EBADF;
    return -1;
  }
  if (pcap_dump_flush((pcap_dumper_t *)pd->dumper) != 0) {
    return -1;
  }
  FILE *f = pcap_dump_file((pcap_dumper_t *)pd->dumper);
  if (f != NULL && ferror(f)) {
    errno = EIO;
    return -1;
  }
  return 0;
}

static void close_dumper(struct pcap_dev *pd)
{
  if (pd->dumper != NULL) {
    pcap_dump_flush((pcap_dumper_t *)pd->dumper);
    pcap_dump_close((pcap_dumper_t *)pd->dumper);
    pd->dumper = NULL;
  }
}

int pcapdev_reopen(struct pcap_dev *pd, char *err, size_t errlen)
{
  close_dumper(pd);
  return open_dumper(pd, err, errlen);
}

void pcapdev_close(struct pcap_dev *pd)
{
  if (pd == NULL) {
    return;
  }
  if (pd->dev.ops != NULL) {
    dev_unlink(&pd->dev);
  }
  close_dumper(pd);
  if (pd->pcap != NULL) {
    pcap_close((pcap_t *)pd->pcap);
  }
  free(pd->buf);
  free(pd->path);
  free(pd);
}

static void pcapdev_ops_close(struct dev *d)
{
  pcapdev_close((struct pcap_dev *)d);
}
