import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@libs/config';
import { problem, sendProblem } from '@libs/http';
import { definedQueues, JobQueue } from '@libs/queue';
import { AccountsService } from '@src/accounts/accounts.service';
import { sessionCookieName } from '@src/accounts/session-cookie';
import { TenantsService } from '@src/tenants/tenants.service';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The operators' view of the queues (waiting, active, delayed, failed jobs), served by
 * bull-board under /admin/queues. Its routes live outside Nest, so this hook applies the
 * rule itself: a federation administrator signed in on the federation's home site.
 */
export async function mountQueueDashboard(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const accounts = app.get(AccountsService);
  const tenants = app.get(TenantsService);
  const jobs = app.get(JobQueue);

  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.url.startsWith(QUEUE_DASHBOARD_PATH)) return;
    const tenant = req.ctx?.tenant;
    const token = req.cookies?.[sessionCookieName(config)];
    const principal = tenant && token ? await accounts.authenticate(tenant, token) : undefined;
    if (!tenant || !principal) return sendProblem(reply, problem(401, 'Veuillez vous connecter.'));
    const site = await tenants.get(tenant);
    if (!principal.roles.includes('federation_admin') || site.federation.homeTenantSlug !== tenant.slug) {
      return sendProblem(
        reply,
        problem(403, "Le tableau des files d'attente est réservé aux administrateurs de l'intercommunalité."),
      );
    }
  });

  const board = new BullBoardAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: definedQueues().map((q) => new BullMQAdapter(jobs.queue(q.name), { readOnlyMode: false })),
    serverAdapter: board,
  });
  await fastify.register(board.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
}
