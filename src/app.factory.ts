import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyCookie from '@fastify/cookie';
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppConfig } from '@libs/config';
import { formatLsn, parseLsn } from '@libs/db';
import { createValidationPipe, problem, sendProblem, unsafeInputProblem } from '@libs/http';
import { createLogger, PinoNestLogger } from '@libs/logging';
import { ForegroundWork } from '@libs/queue';
import { RequestContext, runWithContext } from '@libs/tenancy';
import { mountQueueDashboard } from './admin/queue-dashboard';
import { AppModule } from './app.module';
import { TenantDirectory } from './tenants/tenant-directory.service';
import { DormantCommunePage } from './tenants/dormant-commune.page';
import { allowTileOrigin, pageSecurityHeaders } from './web/page-response';
import { SiteErrorFilter } from './web/site-error.filter';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/**
 * Paths served without a commune: probes from load balancers (any host), and « Demander l’ouverture », whose
 * controller answers on the platform's own host (BASE_DOMAIN) only.
 */
const PLATFORM_PATHS = /^\/(health|ouverture)(\/|$)/;
const REQUEST_ID = /^[\w.-]{1,64}$/;
/** Swagger UI's page and files: a CSP of their own (inline styles), set on answers that have none. */
const API_DOCS = /^\/api\/docs(\/|$|\?)/;

/** One log line per request, written on completion, when the tenant is known. */
class CompletionOnlyLogs extends LogController {
  override incomingRequest(): void {}
}

/**
 * With a standby (DATABASE_REPLICA_URL): a request that wrote answers with a cookie holding the primary's WAL position
 * after its write; the session's next requests carry it, and their public reads use the standby only once it has
 * replayed that far (libs/db/replica.ts explains the choice). It lives a little longer than the lag bound: past it, a
 * standby that has not replayed the write lags beyond the bound and every read goes to the primary anyway.
 */
function readYourWrites(fastify: FastifyInstance, config: AppConfig): void {
  const name = config.publicScheme === 'https' ? '__Host-entraide_wal' : 'entraide_wal';
  fastify.addHook('onRequest', (req, _reply, done) => {
    const given = req.cookies?.[name];
    let mustSee: bigint | undefined;
    try {
      mustSee = given ? parseLsn(given) : undefined;
    } catch {
      // A malformed position is no position: the cookie is replaced by the next write.
    }
    req.ctx.walPosition = { mustSee };
    done();
  });
  fastify.addHook('onSend', (req, reply, payload, done) => {
    const wrote = req.ctx?.walPosition?.wrote;
    if (wrote !== undefined)
      reply.setCookie(name, formatLsn(wrote), {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.publicScheme === 'https',
        path: '/',
        maxAge: Math.ceil(config.databaseReplicaMaxLagMs / 1000) + 10,
      });
    done(null, payload);
  });
}

export interface CreateAppOptions {
  logDestination?: DestinationStream;
  /** Modules an entry adds to AppModule (the development entry, dev/, adds its inbox). */
  modules?: DynamicModule[];
}

/**
 * Builds the HTTP application exactly as production runs it; tests and the development entry (dev/) use the same
 * function.
 */
export async function createApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, 'entraide', opts.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new CompletionOnlyLogs(),
    bodyLimit: 256 * 1024,
    // A client that trickles its request is answered 408 and its socket freed (Node's defaults wait 300 s, or for ever
    // per byte).
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default), so a short timeout needs a short check.
      connectionsCheckingInterval: Math.min(5000, Math.ceil(config.http.headersTimeoutMs / 2)),
    },
    // Signed links carry two ids and a MAC in one path segment (/outcome/:token, 106 characters).
    routerOptions: { maxParamLength: 200 },
    // The router's own refusals (a path that does not decode, `%zz` or bytes that are not UTF-8;
    // a segment past maxParamLength) come before any hook: answered here in the API's format.
    frameworkErrors: (error: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode === 414 ? 414 : 400;
      const message = status === 414 ? 'segment d’adresse trop long' : 'adresse mal encodée';
      reply.header('x-content-type-options', 'nosniff');
      sendProblem(reply, problem(status, "L'adresse demandée est mal formée.", [{ field: 'path', message }]));
    },
    trustProxy: config.trustProxy,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, opts.modules), adapter, {
    logger: new PinoNestLogger(logger.child({ context: 'nest' })),
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  await app.register(fastifyCookie);
  // Pages get French error pages in their tenant's branding; everything else problem+json.
  app.useGlobalFilters(app.get(SiteErrorFilter));
  allowTileOrigin(config.mapTileUrl);
  app.useGlobalPipes(createValidationPipe());

  const directory = app.get(TenantDirectory);
  const dormantPage = app.get(DormantCommunePage);
  const fastify = app.getHttpAdapter().getInstance();
  // Two Host lines make the tenant ambiguous (Node reads the first, a proxy may route by the last): refused before
  // anything else.
  fastify.addHook('onRequest', (req, reply, done) => {
    let hosts = 0;
    for (let i = 0; i < req.raw.rawHeaders.length; i += 2) if (req.raw.rawHeaders[i].toLowerCase() === 'host') hosts++;
    if (hosts > 1) {
      sendProblem(
        reply,
        problem(400, 'La requête porte plusieurs en-têtes Host.', [
          { field: 'host', message: 'un seul en-tête Host attendu' },
        ]),
      );
      return;
    }
    done();
  });
  // The tenant comes from the Host header only; an unknown host is a 404, never a default tenant.
  fastify.addHook('onRequest', (req, reply, done) => {
    const tenant = directory.resolve(req.headers.host);
    req.ctx = { requestId: String(req.id), tenant };
    reply.header('x-request-id', String(req.id));
    if (!tenant && !PLATFORM_PATHS.test(req.url)) {
      // A commune imported but not opened answers its short page, whatever the path (looked up, then remembered).
      directory.dormant(req.headers.host).then(
        (dormant) =>
          dormant
            ? dormantPage.send(dormant, req, reply)
            : sendProblem(reply, problem(404, "Aucun site d'entraide n'est servi à cette adresse.")),
        (e: Error) => done(e),
      );
      return;
    }
    // The tenant's row is read on first use and kept in a bounded cache; it is in memory before the handlers run.
    if (!tenant || directory.row(tenant.id)) runWithContext(req.ctx, done);
    else
      directory.load(tenant.id).then(
        () => runWithContext(req.ctx, done),
        (e: Error) => done(e),
      );
  });
  if (config.databaseReplicaUrl) readYourWrites(fastify, config);
  // A request being answered is foreground work: the workers in this process (WORKERS=on) let it go before each
  // step of bulk work (the rest of a big fan-out, the daily digests). 'close' comes once the answer is sent or the
  // client has gone, whichever way the request ends.
  const foreground = app.get(ForegroundWork);
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.raw.once('close', foreground.begin());
    done();
  });
  // Body parsing resumes on the socket's async context; re-enter the request's before the handler.
  fastify.addHook('preHandler', (req, _reply, done) => runWithContext(req.ctx, done));
  // NUL bytes, lone surrogates and bodies nested past 32 levels, in any field of any route and
  // whatever the media type, are a 400 naming the field before validation (libs/http/input-guard.ts).
  fastify.addHook('preValidation', (req, _reply, done) =>
    done(unsafeInputProblem({ body: req.body, query: req.query, params: req.params })),
  );
  // Every answer, the framework's own errors included, forbids MIME sniffing; Swagger UI gets the pages' CSP with
  // inline styles.
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    if (API_DOCS.test(req.url) && !reply.hasHeader('content-security-policy'))
      pageSecurityHeaders(reply, { inlineStyles: true });
    done(null, payload);
  });

  await mountQueueDashboard(app, config);

  const openapi = new DocumentBuilder()
    .setTitle('Entraide API')
    .setDescription("API des sites d'entraide entre voisins : le site est choisi par l'en-tête Host.")
    .setVersion('1')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openapi), {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'Entraide API',
  });
  return app;
}
