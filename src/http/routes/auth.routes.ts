import { Router } from 'express';
import type { AuthService } from '../../cckm/users/auth.service.js';
import type { UserService } from '../../cckm/users/user.service.js';
import * as present from '../presenters/presenters.js';
import { listQuery, one } from './query.js';

export function authRoutes(auth: AuthService): Router {
  const r = Router();
  // A login belongs to the audit trail of the user's own account (there is no principal yet),
  // failed ones too: the service names the account the attempt resolved to.
  r.post('/auth/tokens', async (req, res) => {
    const body = req.body as TokenBody;
    const toAudit = (account: string) => (res.locals.auditAccount = account);
    const tokens =
      body.grant_type === 'refresh_token'
        ? await auth.refreshGrant(body.refresh_token!, toAudit)
        : await auth.passwordGrant(
            { username: body.username!, password: body.password!, domain: body.domain || body.auth_domain },
            toAudit,
          );
    res.status(200).json(tokens);
  });
  r.post('/auth/revoke', async (req, res) => {
    await auth.revokeRefreshToken(
      (req.body as { refresh_token: string }).refresh_token,
      (account) => (res.locals.auditAccount = account),
    );
    res.status(204).end();
  });
  r.post('/auth/logout', async (req, res) => {
    await auth.logout(req.principal!);
    res.status(204).end();
  });
  return r;
}

interface TokenBody {
  grant_type: string;
  username?: string;
  password?: string;
  domain?: string;
  auth_domain?: string;
  refresh_token?: string;
}

export function userRoutes(users: UserService): Router {
  const r = Router();
  const sort = { createdAt: 'createdAt', updatedAt: 'updatedAt', username: 'username', name: 'name', id: 'id' };
  r.get('/usermgmt/users', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, sort);
    const filter = {
      ...(one(req, 'username') ? { username: one(req, 'username') } : {}),
      ...(one(req, 'group') ? { group: one(req, 'group') } : {}),
    };
    res.json(present.page(await users.list(req.principal!, filter, q), present.user, requestedLimit));
  });
  r.post('/usermgmt/users', async (req, res) => {
    const u = await users.create(req.principal!, req.body);
    res.locals.resourceId = u.id;
    res.status(201).json(present.user(u));
  });
  r.get('/usermgmt/users/:id', async (req, res) => {
    res.json(present.user(await users.get(req.principal!, req.params.id)));
  });
  r.patch('/usermgmt/users/:id', async (req, res) => {
    res.locals.resourceId = req.params.id;
    res.json(present.user(await users.update(req.principal!, req.params.id, req.body)));
  });
  r.delete('/usermgmt/users/:id', async (req, res) => {
    res.locals.resourceId = req.params.id;
    await users.delete(req.principal!, req.params.id);
    res.status(204).end();
  });

  r.get('/usermgmt/groups', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, { name: 'name', createdAt: 'createdAt', updatedAt: 'updatedAt' });
    res.json(present.page(await users.listGroups(req.principal!, q), present.group, requestedLimit));
  });
  r.post('/usermgmt/groups', async (req, res) => {
    const g = await users.createGroup(req.principal!, req.body);
    res.locals.resourceId = g.name;
    res.status(201).json(present.group(g));
  });
  r.get('/usermgmt/groups/:name', async (req, res) => {
    res.json(present.group(await users.getGroup(req.principal!, req.params.name)));
  });
  r.delete('/usermgmt/groups/:name', async (req, res) => {
    res.locals.resourceId = req.params.name;
    await users.deleteGroup(req.principal!, req.params.name);
    res.status(204).end();
  });
  r.post('/usermgmt/groups/:name/users/:userId', async (req, res) => {
    res.locals.resourceId = req.params.name;
    res.json(present.group(await users.setMembership(req.principal!, req.params.name, req.params.userId, true)));
  });
  r.delete('/usermgmt/groups/:name/users/:userId', async (req, res) => {
    res.locals.resourceId = req.params.name;
    res.json(present.group(await users.setMembership(req.principal!, req.params.name, req.params.userId, false)));
  });
  return r;
}
