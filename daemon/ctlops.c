/**
 * @file ctlops.c
 * The services command handlers call (lwipd.h, struct ctl_ops), routed to
 * whoever runs the commands: lwipd's control socket or lwip-replay.
 */
#include "lwipd.h"

#include "lwip/debug.h"

static const struct ctl_ops *ops;

void ctl_set_ops(const struct ctl_ops *o)
{
  ops = o;
}

/* Every command runs after its host registered; a call before is a bug. */
static const struct ctl_ops *host(void)
{
  LWIP_ASSERT("ctl_set_ops() before the first command", ops != NULL);
  return ops;
}

void ctl_reply_later(struct ctl_req *req, json_t *result, const char *code, const char *message)
{
  host()->reply_later(req, result, code, message);
}

void ctl_req_release(struct ctl_req *req)
{
  host()->req_release(req);
}

bool ctl_req_alive(const struct ctl_req *req)
{
  return host()->req_alive(req);
}

void ctl_broadcast(unsigned cls, const char *name, json_t *ev)
{
  host()->broadcast(cls, name, ev);
}

void ctl_subscribe(const struct ctl_req *req, unsigned mask)
{
  host()->subscribe(req, mask);
}

bool ctl_has_subscribers(unsigned cls)
{
  return host()->has_subscribers(cls);
}

bool ctl_send_event(uint64_t client, const char *name, json_t *ev)
{
  return host()->send_event(client, name, ev);
}

json_t *ctl_status_json(void)
{
  return host()->status();
}
