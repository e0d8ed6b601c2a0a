import { Router, type Request } from 'express';
import type { WebhookInput, WebhookService } from '../../cckm/notifications/webhook.service.js';
import { createdWebhook, webhook, webhookDelivery } from '../presenters/webhook.presenter.js';
import * as present from '../presenters/presenters.js';
import { listQuery, many, one } from './query.js';

const BASE = '/cckm/notifications/webhooks';
const SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt', url: 'url', id: 'id' };
const DELIVERY_SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt', id: 'id' };

/**
 * Webhook subscriptions of the caller's account and their deliveries. The secret is in the
 * answer of the create only; deliveries show status and response codes, never secrets.
 */
export function webhookRoutes(webhooks: WebhookService): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);

  r.post(BASE, async (req, res) => {
    const created = await webhooks.create(req.principal!, (req.body ?? {}) as WebhookInput);
    res.locals.resourceId = created.webhook.id;
    res.set('Cache-Control', 'no-store');
    res.status(201).json(createdWebhook(created));
  });
  r.get(BASE, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, SORT);
    res.json(present.page(await webhooks.list(req.principal!, q), webhook, requestedLimit));
  });
  r.get(`${BASE}/:id`, async (req, res) => res.json(webhook(await webhooks.get(req.principal!, id(req)))));
  r.patch(`${BASE}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    res.json(webhook(await webhooks.update(req.principal!, id(req), (req.body ?? {}) as WebhookInput)));
  });
  r.delete(`${BASE}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    await webhooks.delete(req.principal!, id(req));
    res.status(204).end();
  });
  r.get(`${BASE}/:id/deliveries`, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, DELIVERY_SORT);
    const statuses = many(req, 'status');
    const eventType = one(req, 'event_type');
    const filter = { ...(statuses ? { statuses } : {}), ...(eventType !== undefined ? { eventType } : {}) };
    res.json(
      present.page(await webhooks.deliveries(req.principal!, id(req), filter, q), webhookDelivery, requestedLimit),
    );
  });
  return r;
}
