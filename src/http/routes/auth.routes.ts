import { Router } from 'express';
import type { AuthService } from '../../cckm/users/auth.service.js';
import type { UserService } from '../../cckm/users/user.service.js';
import * as present from '../presenters/presenters.js';
import { listQuery, one } from './query.js';

export function authRoutes(auth: AuthService): Router {
  const r = Router();
  r.post('/auth/tokens', async (req, res) => {
    const body = req.body as { grant_type: string; username?: string; password?: string; refresh_token?: string };
    const tokens =
      body.grant_type === 'refresh_token'
        ? await auth.refreshGrant(body.refresh_token!)
        : await auth.passwordGrant(body.username!, body.password!);
    // A login belongs to the audit trail of the user's own account (there is no principal
    // yet): read it from the token just issued here.
    res.locals.auditAccount = (JSON.parse(Buffer.from(tokens.jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { acc?: string }).acc;
    res.status(200).json(tokens);
  });
  return r;
}

export function userRoutes(users: UserService): Router {
  const r = Router();
  const sort = { createdAt: 'createdAt', updatedAt: 'updatedAt', username: 'username', name: 'name', id: 'id' };
  r.get('/usermgmt/users', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, sort);
    const filter = { ...(one(req, 'username') ? { username: one(req, 'username') } : {}), ...(one(req, 'group') ? { group: one(req, 'group') } : {}) };
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
