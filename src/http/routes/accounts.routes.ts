import { Router } from 'express';
import type { AccountDiscovery, DiscoveryInput } from '../../cckm/kms/account-discovery.js';

/** Account discovery: `POST /cckm/aws/accounts {connection}` → the AWS account id and its enabled regions. */
export function accountRoutes(discovery: AccountDiscovery): Router {
  const r = Router();
  r.post('/cckm/aws/accounts', async (req, res) => {
    const found = await discovery.discover(req.principal!, (req.body ?? {}) as DiscoveryInput);
    res.locals.resourceId = found.accountId;
    res.json({ account_id: found.accountId, arn: found.arn, regions: found.regions });
  });
  return r;
}
